"""Gene symbol normalization against the packaged HGNC subset."""

from __future__ import annotations

import pytest

from integrome.errors import ConfigError
from integrome.normalize import canonical_gene, gene_by_hgnc_id, gene_record, gene_table, is_known_gene
from integrome.normalize.genes import HGNC_FILE_ENV, GeneRecord, GeneTable


@pytest.mark.parametrize(
    ("alias", "symbol"),
    [
        ("HER2", "ERBB2"),
        ("her2", "ERBB2"),
        ("NEU", "ERBB2"),
        ("HER-2", "ERBB2"),
        ("MLL", "KMT2A"),
        ("PD-L1", "CD274"),
        ("PDL1", "CD274"),
        ("C-KIT", "KIT"),
        ("c-MET", "MET"),
        ("HER3", "ERBB3"),
        ("MMSET", "NSD2"),
        ("WHSC1", "NSD2"),
        ("IL28B", "IFNL3"),
        ("FAM46C", "TENT5C"),
    ],
)
def test_alias_and_previous_symbols_resolve_to_approved_symbol(alias: str, symbol: str) -> None:
    assert canonical_gene(alias) == symbol


@pytest.mark.parametrize(
    "symbol", ["CYP2D6", "HLA-B", "HLA-A", "UGT1A1", "DPYD", "MT-RNR1", "F5", "G6PD", "BRCA2"]
)
def test_approved_pharmacogenes_and_cancer_genes_are_known(symbol: str) -> None:
    assert canonical_gene(symbol.lower()) == symbol
    assert is_known_gene(symbol)


def test_variant_label_is_not_a_gene() -> None:
    assert canonical_gene("FLT3-ITD") is None
    assert not is_known_gene("FLT3-ITD")


def test_empty_and_unknown_symbols_resolve_to_none() -> None:
    assert canonical_gene("") is None
    assert canonical_gene("NOTAGENE1") is None


def test_punctuation_variants_resolve_when_unambiguous() -> None:
    assert canonical_gene("PDL-1") == "CD274"
    assert canonical_gene("HER 2") == "ERBB2"


def test_later_hgnc_renames_apply_to_the_2019_release() -> None:
    assert canonical_gene("H3F3A") == "H3-3A"
    assert canonical_gene("HIST1H3B") == "H3C2"
    assert canonical_gene("SEPT9") == "SEPTIN9"
    record = gene_record("H3F3A")
    assert record is not None
    assert record.previous[0] == "H3F3A"


def test_hgnc_id_lookup_accepts_prefixed_and_bare_ids() -> None:
    assert gene_by_hgnc_id("HGNC:12530") == "UGT1A1"
    assert gene_by_hgnc_id("4932") == "HLA-B"
    assert gene_by_hgnc_id("HGNC:0") is None


def test_gene_record_carries_location() -> None:
    record = gene_record("HER2")
    assert record is not None
    assert (record.hgnc_id, record.location) == ("HGNC:3430", "17q12")


def test_packaged_table_covers_oncology_and_pgx_scope() -> None:
    assert len(gene_table()) > 700


def test_ambiguous_alias_resolves_to_nothing() -> None:
    table = GeneTable(
        (
            GeneRecord("HGNC:1", "AAA1", "a", "1p1", aliases=("SHARED",)),
            GeneRecord("HGNC:2", "BBB2", "b", "2p2", aliases=("SHARED",), previous=("OLDB",)),
        ),
        "test",
        2,
    )
    assert table.resolve("SHARED") is None
    assert table.resolve("oldb") == "BBB2"


def test_previous_symbol_wins_over_alias_of_another_gene() -> None:
    table = GeneTable(
        (
            GeneRecord("HGNC:1", "AAA1", "a", "1p1", aliases=("X1",)),
            GeneRecord("HGNC:2", "BBB2", "b", "2p2", previous=("X1",)),
        ),
        "test",
        2,
    )
    assert table.resolve("X1") == "BBB2"


def test_missing_configured_hgnc_file_is_a_config_error(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv(HGNC_FILE_ENV, str(tmp_path / "absent.txt"))
    gene_table.cache_clear()
    try:
        with pytest.raises(ConfigError, match="INTEGROME_HGNC_FILE"):
            gene_table()
    finally:
        monkeypatch.delenv(HGNC_FILE_ENV)
        gene_table.cache_clear()

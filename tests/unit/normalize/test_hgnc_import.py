"""HGNC complete-set importer and the packaged subset derived from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.errors import InputError
from integrome.normalize.genes import HGNC_FILE_ENV, PACKAGED_HGNC_RELEASE, canonical_gene, gene_table
from integrome.normalize.hgnc_import import import_hgnc, packaged_symbols, write_gene_table

HEADER = "hgnc_id\tsymbol\tname\tstatus\tlocation\talias_symbol\tprev_symbol"


@pytest.fixture(scope="module")
def hgnc_2019(shared_data: Path):
    return import_hgnc(shared_data / "hgnc" / "hgnc_complete_set.2019-01-03.txt.gz")


@pytest.mark.shared
def test_importer_reads_every_row_of_the_2019_release(hgnc_2019) -> None:
    assert hgnc_2019.rows_read == 42741
    assert len(hgnc_2019) == 41562


@pytest.mark.shared
def test_full_import_resolves_clinical_aliases(hgnc_2019) -> None:
    assert hgnc_2019.resolve("HER2") == "ERBB2"
    assert hgnc_2019.resolve("MLL") == "KMT2A"
    assert hgnc_2019.resolve("PD-L1") == "CD274"


@pytest.mark.shared
def test_packaged_table_equals_subset_written_from_shared_release(hgnc_2019, tmp_path: Path) -> None:
    out = tmp_path / "genes.tsv"
    missing = write_gene_table(hgnc_2019, packaged_symbols(), out, PACKAGED_HGNC_RELEASE)
    packaged = Path(__file__).parents[3] / "src" / "integrome" / "normalize" / "data" / "genes.tsv"
    assert missing == []
    assert out.read_text(encoding="utf-8") == packaged.read_text(encoding="utf-8")


@pytest.mark.shared
def test_configured_full_hgnc_file_replaces_packaged_subset(
    shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(HGNC_FILE_ENV, str(shared_data / "hgnc" / "hgnc_complete_set.2019-01-03.txt.gz"))
    gene_table.cache_clear()
    try:
        assert len(gene_table()) == 41562
        assert canonical_gene("A1BG") == "A1BG"
        assert canonical_gene("H3F3A") == "H3-3A"
    finally:
        monkeypatch.delenv(HGNC_FILE_ENV)
        gene_table.cache_clear()
    assert canonical_gene("A1BG") is None


def test_plain_text_file_with_quoted_multi_values_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "hgnc.txt"
    path.write_text(
        f'{HEADER}\nHGNC:3430\tERBB2\terb-b2\tApproved\t17q12\t"NEU|HER2"\tNGL\n'
        "HGNC:9\tOLD~withdrawn\tx\tEntry Withdrawn\t\t\t\n",
        encoding="utf-8",
    )
    table = import_hgnc(path)
    assert (table.rows_read, len(table)) == (2, 1)
    assert table.resolve("her2") == "ERBB2"
    assert table.resolve("NGL") == "ERBB2"


def test_missing_column_names_the_header_line(tmp_path: Path) -> None:
    path = tmp_path / "hgnc.txt"
    path.write_text("hgnc_id\tsymbol\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"hgnc\.txt:line 1: expected HGNC columns name"):
        import_hgnc(path)


def test_short_row_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "hgnc.txt"
    path.write_text(f"{HEADER}\nHGNC:1\tA\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: expected 7 fields, found 2"):
        import_hgnc(path)


def test_bad_hgnc_id_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "hgnc.txt"
    path.write_text(f"{HEADER}\n1\tA\ta\tApproved\t1p\t\t\n", encoding="utf-8")
    with pytest.raises(InputError, match="expected an HGNC ID"):
        import_hgnc(path)


def test_unreadable_gzip_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "hgnc.txt.gz"
    path.write_bytes(b"not gzip")
    with pytest.raises(InputError, match="expected a readable HGNC"):
        import_hgnc(path)

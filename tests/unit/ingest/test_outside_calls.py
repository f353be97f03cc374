"""PharmCAT outside-call TSV → GenotypeCall(source="outside_call")."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.errors import InputError
from integrome.ingest.outside_calls import normalize_phenotype, parse_outside_calls, read_outside_calls


def _one(text: str) -> dict[str, object]:
    calls, _ = parse_outside_calls(text, file="calls.tsv")
    assert len(calls) == 1
    return calls[0].model_dump(exclude_none=True)


def test_diplotype_line_becomes_outside_call_with_line_provenance() -> None:
    calls, warnings = parse_outside_calls("# from the lab\n\nCYP2D6\t*1/*4\n", file="calls.tsv")
    assert [c.model_dump(exclude_none=True) for c in calls] == [
        {"gene": "CYP2D6", "diplotype": "*1/*4", "source": "outside_call", "provenance": "calls.tsv:line 3"}
    ]
    assert warnings == []


def test_hla_diplotype_is_kept_for_the_pgx_engine() -> None:
    assert _one("HLA-B\t*57:01/*08:01")["diplotype"] == "*57:01/*08:01"


def test_hla_gene_prefix_on_alleles_is_removed() -> None:
    assert _one("HLA-B\tHLA-B*57:01/HLA-B*08:01")["diplotype"] == "*57:01/*08:01"


def test_hla_single_allele_call_means_allele_present() -> None:
    call = _one("HLA-A\t*31:01")
    assert (call.get("diplotype"), call["allele"], call["present"]) == (None, "*31:01", True)


def test_hla_presence_phenotype_sets_allele_and_presence() -> None:
    positive = _one("HLA-B\t\t*57:01 positive")
    negative = _one("HLA-B\t\t*57:01 Negative")
    assert (positive["allele"], positive["present"], positive["phenotype"]) == (
        "*57:01",
        True,
        "*57:01 positive",
    )
    assert (negative["allele"], negative["present"]) == ("*57:01", False)


def test_activity_score_only_line() -> None:
    assert _one("CYP2C9\t\t\t2.0")["activity_score"] == 2.0


def test_activity_score_lower_bound_is_kept_with_a_warning() -> None:
    calls, warnings = parse_outside_calls("CYP2D6\t\t\t≥6.0", file="calls.tsv")
    assert calls[0].activity_score == 6.0
    assert warnings == ["calls.tsv:line 1: activity score '≥6.0' is a lower bound; kept as 6.0"]


def test_monoploid_single_allele_and_free_allele_names_are_accepted() -> None:
    assert _one("MT-RNR1\t1555A>G")["allele"] == "1555A>G"
    assert _one("G6PD\tB (wildtype)/B (wildtype)")["diplotype"] == "B (wildtype)/B (wildtype)"
    assert _one("DPYD\tc.1905+1G>A (*2A)/Reference")["diplotype"] == "c.1905+1G>A (*2A)/Reference"


def test_star_allele_copy_number_tandem_and_combination_syntax() -> None:
    assert _one("CYP2D6\t*1x2/*4")["diplotype"] == "*1x2/*4"
    assert _one("CYP2D6\t*2x≥3/*1")["diplotype"] == "*2x≥3/*1"
    assert _one("UGT1A1\t*28/*80+*28")["diplotype"] == "*28/*80+*28"
    assert _one("CYP2D6\t*1/[*6 + *8]")["diplotype"] == "*1/[*6 + *8]"


def test_gene_alias_resolves_to_approved_symbol() -> None:
    assert _one("ugt1a1\t*28/*28")["gene"] == "UGT1A1"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("PM", "Poor Metabolizer"),
        ("EM", "Normal Metabolizer"),
        ("ultrarapid metaboliser", "Ultrarapid Metabolizer"),
        ("CYP2D6 Ultrarapid Metabolizers (UM)", "Ultrarapid Metabolizer"),
        ("likely cyp2c19 poor metaboliser", "Likely Poor Metabolizer"),
        ("Extensive metabolizer", "Normal Metabolizer"),
        ("decreased function", "Decreased Function"),
        ("Deficient", "Deficient"),
    ],
)
def test_phenotype_is_normalized_as_pharmcat_documents(given: str, expected: str) -> None:
    assert normalize_phenotype(given) == expected


def test_phenotype_column_is_normalized_in_the_call() -> None:
    assert _one("CYP2C19\t*1/*2\tIM")["phenotype"] == "Intermediate Metabolizer"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "CYP2D6\t*1/*2\nFOO1\t*1/*1",
            "calls.tsv:line 2: expected an HGNC gene symbol such as CYP2D6, found 'FOO1'",
        ),
        ("#\n#\nCYP2D6\t1/2", "calls.tsv:line 3: expected a diplotype like *1/*2, found '1/2'"),
        ("CYP2D6\t*4", "calls.tsv:line 1: expected a diplotype like *1/*2, found '*4'"),
        ("CYP2D6\t*1/*2/*3", "calls.tsv:line 1: expected a diplotype like *1/*2, found '*1/*2/*3'"),
        (
            "HLA-B\t57:01/08:01",
            "calls.tsv:line 1: expected a diplotype like *57:01/*08:01, found '57:01/08:01'",
        ),
        (
            "CYP2D6 *1/*2",
            "calls.tsv:line 1: expected tab-separated GENE<TAB>DIPLOTYPE[<TAB>PHENOTYPE], found",
        ),
        (
            "CYP2D6\t\t\t",
            "calls.tsv:line 1: expected a diplotype, phenotype or activity score after 'CYP2D6'",
        ),
        ("CYP2C9\t\t\thigh", "calls.tsv:line 1: expected an activity score like 1.5, found 'high'"),
        ("CYP2D6\t*1/*2\t\t\tx", "calls.tsv:line 1: expected at most 4 tab-separated fields"),
        ("CYP2D6\t*1/*2\ncyp2d6\t*1/*1", "calls.tsv:line 2: CYP2D6 was already given on line 1"),
        ("# nothing\n\n", "calls.tsv: expected at least one GENE<TAB>DIPLOTYPE line, found none"),
    ],
)
def test_invalid_line_raises_input_error_naming_the_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_outside_calls(text, file="calls.tsv")
    assert str(caught.value).startswith(message)


def test_read_outside_calls_records_the_document(tmp_path: Path) -> None:
    path = tmp_path / "ugt1a1.tsv"
    path.write_text("UGT1A1\t*28/*28\n", encoding="utf-8")
    result = read_outside_calls(path)
    assert result.document.name == "ugt1a1.tsv"
    assert result.document.format == "outside_calls"
    assert result.document.size == 15
    assert [(g.gene, g.diplotype, g.provenance) for g in result.genotypes] == [
        ("UGT1A1", "*28/*28", "ugt1a1.tsv:line 1")
    ]


def test_non_utf8_file_names_line_and_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "calls.tsv"
    path.write_bytes(b"CYP2D6\t*1/*4\nG6PD\tB (wildtype)/Mediterranean \xe9\n")
    with pytest.raises(
        InputError, match=r"^calls.tsv:line 2: expected UTF-8 text, found byte 0xe9 at byte offset 45$"
    ):
        read_outside_calls(path)


@pytest.mark.shared
def test_pharmcat_example_outside_call_file_reads(shared_data: Path) -> None:
    result = read_outside_calls(shared_data / "pharmcat/examples/pharmcat.example.outsideCall.tsv")
    assert [(g.gene, g.diplotype, g.allele) for g in result.genotypes] == [
        ("CYP2D6", "*1/*3", None),
        ("HLA-B", "*15:02/*57:01", None),
        ("MT-RNR1", None, "1555A>G"),
    ]

"""The diagnostic hallmark-fusion table: packaged rows, validation errors, and its place in the KB version."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from integrome.errors import KnowledgeBaseError
from integrome.knowledge import load_knowledge_base
from integrome.knowledge.diagnostic_fusions import load_diagnostic_fusions, parse_diagnostic_fusions

HEADER = 'source: test\ndefaults:\n  reviewed: "2026-01-01"\nfusions:\n'
ROW = """\
  - id: {id}
    five_prime: [{five}]
    three_prime: [{three}]
    entity: test entity
    tumor_types: [{code}]
    strength: {strength}
    cited_as: WHO 2020
    statement: A test row.
    citations: [{citation}]
"""
CITATION = '{source: WHO, id: "Classification of Tumours: Soft Tissue and Bone Tumours, 5th edition (2020)"}'


def _row(
    id: str = "row-1", five: str = "EWSR1", three: str = "FLI1", code: str = "ES", strength: str = "defining"
) -> str:
    return ROW.format(id=id, five=five, three=three, code=code, strength=strength, citation=CITATION)


def _parse(*rows: str) -> None:
    parse_diagnostic_fusions([("diag/test.yaml", HEADER + "".join(rows))])


def test_packaged_table_matches_hallmark_fusions_in_their_orientation_only() -> None:
    table = load_diagnostic_fusions()
    assert [row.id for row in table.matching("EWSR1", "FLI1")] == ["ewing-sarcoma-FET-ETS"]
    assert [row.id for row in table.matching("FUS", "ERG")] == ["ewing-sarcoma-FET-ETS"]
    assert [row.id for row in table.matching("SS18", "SSX4")] == ["synovial-sarcoma-SS18-SSX"]
    assert table.matching("FLI1", "EWSR1") == ()
    assert table.matching("ERG", "TMPRSS2") == ()
    assert {row.id for row in table.matching("ASPSCR1", "TFE3")} == {
        "asps-ASPSCR1-TFE3",
        "tfe3-rearranged-rcc",
    }
    assert {"EWSR1", "FLI1", "BCR", "ABL1", "TMPRSS2", "NAB2"} <= table.genes


def test_every_packaged_row_cites_the_who_classification() -> None:
    """Rows are cited to the WHO 5th-edition volume that defines the entity (plus PMIDs of its summaries)."""
    rows = load_diagnostic_fusions().rows
    assert len(rows) >= 20
    for row in rows:
        who = [c for c in row.citations if c.source == "WHO"]
        assert who, row.id
        assert all("5th edition" in c.id for c in who), row.id
        assert row.cited_as.startswith("WHO 20"), row.id


def test_unknown_oncotree_code_names_file_line_row_and_field() -> None:
    with pytest.raises(KnowledgeBaseError) as error:
        _parse(_row(), _row(id="bad-code", code="NOTACODE"))
    message = str(error.value)
    assert message.startswith("diag/test.yaml: line 14: fusions[1] (bad-code): tumor_types:")
    assert "unknown OncoTree code 'NOTACODE'" in message


def test_legacy_oncotree_code_is_rejected_with_its_current_code() -> None:
    with pytest.raises(KnowledgeBaseError, match=r"'GBM' \(current code: GB\)"):
        _parse(_row(code="GBM"))


def test_unknown_gene_names_file_row_and_side() -> None:
    with pytest.raises(KnowledgeBaseError) as error:
        _parse(_row(three="NOTAGENE9"))
    assert str(error.value) == (
        "diag/test.yaml: line 5: fusions[0] (row-1): three_prime: "
        "gene 'NOTAGENE9' is not in the gene vocabulary"
    )


def test_previous_gene_symbol_is_rejected_with_the_approved_one() -> None:
    with pytest.raises(
        KnowledgeBaseError, match=r"five_prime: gene 'MKL1' is not the approved HGNC symbol \(MRTFA\)"
    ):
        _parse(_row(five="MKL1"))


def test_gene_on_both_sides_is_rejected() -> None:
    with pytest.raises(
        KnowledgeBaseError, match=r"fusions\[0\] \(row-1\): record: Value error, EWSR1 is both"
    ):
        _parse(_row(three="EWSR1"))


def test_unknown_strength_names_the_field() -> None:
    with pytest.raises(KnowledgeBaseError, match=r"fusions\[0\] \(row-1\): strength: Input should be"):
        _parse(_row(strength="typical"))


def test_row_without_citation_is_rejected() -> None:
    with pytest.raises(KnowledgeBaseError, match=r"\(row-1\): citations: List should have at least 1 item"):
        _parse(_row().replace(f"[{CITATION}]", "[]"))


def test_duplicate_id_points_to_the_first_definition() -> None:
    with pytest.raises(
        KnowledgeBaseError, match=r"line 14: fusions\[1\] \(row-1\): duplicate id, first defined at "
    ):
        _parse(_row(), _row(three="ERG"))


def test_unknown_top_level_key_is_rejected() -> None:
    with pytest.raises(KnowledgeBaseError, match=r"diag/test.yaml: unknown top-level key\(s\) \['records'\]"):
        parse_diagnostic_fusions([("diag/test.yaml", "source: test\nrecords: []\n")])


def test_diagnostic_folder_counts_in_the_kb_version_and_is_left_to_its_own_loader(tmp_path: Path) -> None:
    """The biomarker loader hashes diagnostic/ (core and extra layers) but does not parse it as records."""
    packaged = files("integrome.knowledge").joinpath("data", "diagnostic", "fusions.yaml")
    base = load_knowledge_base(extra_dir=tmp_path).version
    (tmp_path / "diagnostic").mkdir()
    (tmp_path / "diagnostic" / "fusions.yaml").write_bytes(packaged.read_bytes())
    with_table = load_knowledge_base(extra_dir=tmp_path)
    assert with_table.version != base
    assert not any("diagnostic" in f.name for f in with_table.files)

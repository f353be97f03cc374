"""Malformed knowledge files fail with one message naming the file, line, record and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.errors import KnowledgeBaseError
from integrome.knowledge import load_knowledge_base, parse_kb_file

RECORD = """\
  - id: TEST-EGFR-L858R
    gene: EGFR
    alteration: {type: protein_change, values: [L858R]}
    label: EGFR L858R
    diseases: [NSCLC]
    drugs: [osimertinib]
    direction: sensitivity
    evidence_level: A
    statement: A test record.
    citations: [{source: FDA, id: "TAGRISSO (osimertinib) prescribing information"}]
    reviewed: 2025-06-01
"""
HEADER = "kind: biomarkers\nsource: test\nrecords:\n"


def test_valid_file_parses_and_keeps_unquoted_dates_as_strings() -> None:
    parsed = parse_kb_file(HEADER + RECORD, "extra/test.yaml", "extra")
    assert parsed.biomarkers[0].reviewed == "2025-06-01"
    assert parsed.lines == (4,)


def test_invalid_yaml_names_file_and_line() -> None:
    with pytest.raises(KnowledgeBaseError, match=r"^bad\.yaml: line 6: invalid YAML"):
        parse_kb_file(HEADER + "  - id: X\n    drugs: [a, b\n    gene: KIT\n", "bad.yaml")


def test_uncited_record_names_file_record_id_and_field() -> None:
    text = HEADER + RECORD.replace(
        '[{source: FDA, id: "TAGRISSO (osimertinib) prescribing information"}]', "[]"
    )
    with pytest.raises(KnowledgeBaseError) as caught:
        parse_kb_file(text, "knowledge/data/biomarkers/lung.yaml")
    message = str(caught.value)
    assert message.startswith(
        "knowledge/data/biomarkers/lung.yaml: line 4: record 1 (TEST-EGFR-L858R): citations:"
    )
    assert "at least 1 item" in message


def test_unknown_field_is_rejected_with_its_name() -> None:
    with pytest.raises(KnowledgeBaseError, match=r"record 1 \(TEST-EGFR-L858R\): tier: Extra inputs"):
        parse_kb_file(HEADER + RECORD + "    tier: IA\n", "t.yaml")


def test_alteration_without_its_values_is_rejected() -> None:
    text = HEADER + RECORD.replace("{type: protein_change, values: [L858R]}", "{type: protein_change}")
    with pytest.raises(
        KnowledgeBaseError, match=r"alteration: Value error, alteration type 'protein_change' needs"
    ):
        parse_kb_file(text, "t.yaml")


def test_wrong_kind_is_rejected() -> None:
    with pytest.raises(KnowledgeBaseError, match=r"^t\.yaml: kind: expected one of"):
        parse_kb_file(HEADER.replace("biomarkers", "trials") + RECORD, "t.yaml")


def test_defaults_fill_fields_that_records_leave_out() -> None:
    text = "kind: biomarkers\nsource: test\ndefaults: {diseases: [LUAD]}\nrecords:\n" + RECORD.replace(
        "    diseases: [NSCLC]\n", ""
    )
    assert parse_kb_file(text, "t.yaml").biomarkers[0].diseases == ["LUAD"]


def _extra(tmp_path: Path, text: str, name: str = "extra.yaml") -> Path:
    folder = tmp_path / "kb"
    (folder / Path(name).parent).mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_duplicate_id_within_a_layer_is_an_error(tmp_path: Path) -> None:
    folder = _extra(tmp_path, HEADER + RECORD + RECORD)
    with pytest.raises(
        KnowledgeBaseError, match=r"record 2: duplicate id 'TEST-EGFR-L858R', first defined at"
    ):
        load_knowledge_base(extra_dir=folder)


def test_unknown_oncotree_code_is_an_error(tmp_path: Path) -> None:
    folder = _extra(tmp_path, HEADER + RECORD.replace("[NSCLC]", "[NSCL]"))
    with pytest.raises(
        KnowledgeBaseError, match=r"\(TEST-EGFR-L858R\): diseases: unknown OncoTree code 'NSCL'"
    ):
        load_knowledge_base(extra_dir=folder)


def test_extra_record_with_a_core_id_replaces_the_core_record(tmp_path: Path) -> None:
    core = load_knowledge_base()
    text = HEADER + RECORD.replace("TEST-EGFR-L858R", "EGFR-L858R-osimertinib").replace(
        "A test record.", "Override."
    )
    layered = load_knowledge_base(extra_dir=_extra(tmp_path, text))
    assert len(layered.biomarkers) == len(core.biomarkers)
    assert [r.statement for r in layered.for_gene("EGFR") if r.id == "EGFR-L858R-osimertinib"] == [
        "Override."
    ]
    assert layered.version != core.version


def test_extra_layer_adds_records_and_reports_its_file(tmp_path: Path) -> None:
    layered = load_knowledge_base(extra_dir=_extra(tmp_path, HEADER + RECORD))
    assert len(layered.biomarkers) == len(load_knowledge_base().biomarkers) + 1
    assert [f.layer for f in layered.info().files].count("extra") == 1


def test_pgx_subfolder_of_an_extra_layer_is_not_parsed_as_biomarkers(tmp_path: Path) -> None:
    folder = _extra(tmp_path, "genes: [CYP2C19]\n", name="pgx/definitions.yaml")
    layered = load_knowledge_base(extra_dir=folder)
    assert len(layered.biomarkers) == len(load_knowledge_base().biomarkers)
    assert layered.version != load_knowledge_base().version


def test_missing_extra_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="expected a folder"):
        load_knowledge_base(extra_dir=tmp_path / "absent")

"""The trial store: integrome's own trial files, the empty packaged store, imports and the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrome.cli.main import main
from integrome.errors import KnowledgeBaseError
from integrome.knowledge import load_knowledge_base
from integrome.knowledge.trials import (
    build_trial_store,
    example_trials,
    load_trial_store,
    parse_trial_set,
    trial_store,
    write_trial_set,
)
from integrome.model import TrialSet

_CTML = """
protocol_no: 24-100
status: Open to Accrual
treatment_list:
  step:
  - arm:
    - arm_code: A
      arm_suspended: N
      match:
      - and:
        - clinical: {oncotree_primary_diagnosis: Non-Small Cell Lung Cancer, age_numerical: '>=18'}
        - genomic: {hugo_symbol: KRAS, variant_category: Mutation, protein_change: p.G12C}
"""


def _trial(trial_id: str = "T-1", criteria: object = None, **extra: object) -> dict[str, object]:
    return {
        "id": trial_id,
        "title": "A trial",
        "source": "test",
        "arms": [{"id": "A", "criteria": criteria or {"diagnosis": {"codes": ["NSCLC"]}}}],
        **extra,
    }


def _document(*trials: dict[str, object]) -> str:
    return json.dumps({"schema": "integrome.trials/1", "source": "test", "trials": list(trials)})


def test_packaged_trial_store_is_empty() -> None:
    assert len(load_trial_store()) == 0


def test_example_trials_are_all_marked_fictional_and_unlinked() -> None:
    store = example_trials()
    assert len(store) >= 5
    for trial in store.trials:
        assert trial.id.startswith("EXAMPLE-")
        assert trial.title.startswith("FICTIONAL EXAMPLE")
        assert trial.nct_id is None
        assert trial.source == "integrome example (fictional)"


def test_yaml_and_json_trial_files_read_the_same() -> None:
    yaml_text = (
        "schema: integrome.trials/1\nsource: test\ntrials:\n"
        "- id: T-1\n  title: A trial\n  source: test\n"
        "  arms:\n  - id: A\n    criteria: {diagnosis: {codes: [NSCLC]}}\n"
    )
    assert parse_trial_set(yaml_text, "t.yaml") == parse_trial_set(_document(_trial()), "t.json")


def test_criteria_node_with_two_keys_is_rejected_with_its_pointer() -> None:
    bad = _trial(criteria={"age": ">=18", "sex": "female"})
    with pytest.raises(KnowledgeBaseError) as caught:
        parse_trial_set(_document(bad), "bad.json")
    message = str(caught.value)
    assert message.startswith(
        "bad.json: /trials/0/arms/0/criteria: Value error, a criteria node has exactly one"
    )
    assert "found age, sex" in message


def test_drug_names_must_be_lowercase_generic_names() -> None:
    with pytest.raises(
        KnowledgeBaseError, match=r"/trials/0/drugs: .*lowercase generic names, got 'Sotorasib'"
    ):
        parse_trial_set(_document(_trial(drugs=["Sotorasib"])), "drugs.json")


def test_invalid_json_is_rejected_with_line_and_column() -> None:
    with pytest.raises(KnowledgeBaseError, match=r"broken\.json: line 1 column 2: invalid JSON"):
        parse_trial_set("{,}", "broken.json")


def test_unknown_oncotree_code_is_rejected() -> None:
    trial_set = parse_trial_set(_document(_trial(criteria={"diagnosis": {"codes": ["NOTACODE"]}})), "x.json")
    with pytest.raises(KnowledgeBaseError) as caught:
        build_trial_store([("x.json", trial_set)])
    assert str(caught.value).startswith(
        "x.json: /trials/0 (T-1)/arms/0/criteria/diagnosis/codes: unknown OncoTree code 'NOTACODE'"
    )


def test_trial_id_defined_in_two_files_is_rejected() -> None:
    one = parse_trial_set(_document(_trial()), "one.json")
    with pytest.raises(
        KnowledgeBaseError,
        match=r"two\.json: /trials/0 \(T-1\): duplicate trial id, first defined in one\.json",
    ):
        build_trial_store([("one.json", one), ("two.json", one)])


def test_gene_symbol_outside_hgnc_is_a_warning() -> None:
    trial_set = parse_trial_set(_document(_trial(criteria={"genomic": {"gene": "NOTAGENE1"}})), "g.json")
    store = build_trial_store([("g.json", trial_set)])
    assert store.warnings == (
        "g.json: /trials/0 (T-1)/arms/0/criteria/genomic: gene 'NOTAGENE1' is not an approved HGNC "
        "symbol; the criterion matches only findings reported with exactly this symbol",
    )


def test_written_trial_file_reads_back_identically(tmp_path: Path) -> None:
    trial_set = _example_set()
    write_trial_set(trial_set, tmp_path / "trials" / "copy.json")
    assert parse_trial_set((tmp_path / "trials" / "copy.json").read_text(), "copy.json") == trial_set
    assert [p.name for p in (tmp_path / "trials").iterdir()] == ["copy.json"]


def _example_set() -> TrialSet:
    store = example_trials()
    return TrialSet(source="test", trials=list(store.trials))


def test_importing_trials_changes_the_kb_version_and_its_trial_store(tmp_path: Path) -> None:
    (tmp_path / "ctml").mkdir()
    (tmp_path / "ctml" / "kras.yaml").write_text(_CTML)
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    before = load_knowledge_base(extra_dir=kb_dir)
    assert len(trial_store(before)) == 0
    assert main(["kb", "import", "ctml", str(tmp_path / "ctml" / "kras.yaml"), "--kb-dir", str(kb_dir)]) == 0
    after = load_knowledge_base(extra_dir=kb_dir)
    assert after.version != before.version
    assert [trial.id for trial in trial_store(after).trials] == ["24-100"]


def test_kb_import_ctml_prints_what_it_imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "kras.yaml"
    source.write_text(_CTML)
    assert main(["kb", "import", "ctml", str(source), "--kb-dir", str(tmp_path / "kb")]) == 0
    output = capsys.readouterr().out
    expected = tmp_path / "kb" / "trials" / "ctml-kras.json"
    assert output.splitlines()[0] == f"imported 1 trials (1 arms, 1 open) from 1 file into {expected}"
    assert expected.is_file()


def test_kb_import_ctml_of_an_invalid_file_exits_2_with_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.yaml"
    source.write_text(_CTML.replace("protein_change: p.G12C", "protein_change: G12-ish"))
    assert main(["kb", "import", "ctml", str(source), "--kb-dir", str(tmp_path / "kb")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith(
        f"error: {source}: line 12: /treatment_list/step/0/arm/0/match/0/and/1/genomic/protein_change:"
    )
    assert "\n" not in error
    assert not (tmp_path / "kb").exists()


def test_kb_import_ctml_without_a_kb_folder_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INTEGROME_KB_PATH", raising=False)
    monkeypatch.chdir(tmp_path)
    source = tmp_path / "kras.yaml"
    source.write_text(_CTML)
    assert main(["kb", "import", "ctml", str(source)]) == 2
    assert "pass --kb-dir DIR or set INTEGROME_KB_PATH" in capsys.readouterr().err

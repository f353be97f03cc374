"""`integrome kb diff OLD NEW` and `integrome compare OLD NEW`, through `main` as a user calls them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from integrome.cli.main import main
from integrome.deliver import dump_analysis
from integrome.examples import DEMO_KB_DIR, demo_inputs
from integrome.insights.diff import AnalysisDiff
from integrome.knowledge import load_knowledge_base
from integrome.knowledge.diff import KbDiff
from integrome.model import Analysis
from integrome.pipeline import RunOptions, run_analysis

RECORD = "EGFR-L858R-erlotinib"


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich tables fit the terminal width; a wide one keeps ids on one line."""
    monkeypatch.setenv("COLUMNS", "240")


@pytest.fixture
def level_b_kb(tmp_path: Path) -> Path:
    record = next(r for r in load_knowledge_base().biomarkers if r.id == RECORD)
    data: dict[str, Any] = {**record.model_dump(mode="json", exclude_defaults=True), "evidence_level": "B"}
    folder = tmp_path / "kb"
    folder.mkdir()
    document = {"kind": "biomarkers", "source": "test copy", "records": [data]}
    (folder / "biomarkers.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def analysis_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo patient run against the packaged core (OLD) and with the example trials (NEW)."""
    folder = tmp_path_factory.mktemp("analyses")
    paths = []
    for name, kb_dir in (("old.json", None), ("new.json", DEMO_KB_DIR)):
        analysis = run_analysis(demo_inputs(), options=RunOptions(kb_dir=kb_dir, deterministic=True))
        path = folder / name
        path.write_text(dump_analysis(analysis), encoding="utf-8")
        paths.append(path)
    return paths[0], paths[1]


def test_kb_diff_json_names_the_changed_record_and_field(
    level_b_kb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kb", "diff", "packaged", str(level_b_kb), "--json"]) == 0
    diff = KbDiff.model_validate_json(capsys.readouterr().out)
    [change] = diff.biomarkers_changed
    assert change.id == RECORD
    assert [(c.field, c.old, c.new) for c in change.changes] == [("evidence_level", "A", "B")]
    assert diff.new_version == load_knowledge_base(extra_dir=level_b_kb).version


def test_kb_diff_table_lists_the_change(
    level_b_kb: Path, wide: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kb", "diff", str(level_b_kb), "packaged"]) == 0
    out = capsys.readouterr().out
    old_version = load_knowledge_base(extra_dir=level_b_kb).version
    assert out.splitlines()[0] == f"Knowledge base {old_version} → {load_knowledge_base().version}"
    row = next(line for line in out.splitlines() if RECORD in line)
    assert row.split("│")[1:6] == [" changed ", f" {RECORD} ", " evidence_level ", " B   ", " A   "]


def test_kb_diff_of_the_packaged_core_with_itself_reports_no_differences(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["kb", "diff", "packaged", "packaged"]) == 0
    assert "No differences in records, rules or counts." in capsys.readouterr().out


def test_kb_diff_with_a_missing_folder_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "diff", "packaged", "/nonexistent/kb"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: /nonexistent/kb")
    assert len(err.strip().splitlines()) == 1


def test_compare_json_lists_the_new_trial_insights(
    analysis_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = analysis_files
    assert main(["compare", str(old), str(new), "--json"]) == 0
    diff = AnalysisDiff.model_validate_json(capsys.readouterr().out)
    assert diff.insights_added
    assert {r.kind for r in diff.insights_added} == {"trial"}
    assert not diff.insights_removed
    assert not diff.insights_changed


def test_compare_table_names_each_new_insight(
    analysis_files: tuple[Path, Path], wide: None, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = analysis_files
    assert main(["compare", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("Patient SYN-DEMO-0001: knowledge base ")
    new_rows = [line for line in out.splitlines() if line.startswith("│ new ")]
    trials = [i for i in Analysis.model_validate_json(new.read_text()).insights if i.kind == "trial"]
    assert len(new_rows) == len(trials)
    assert all(f" {t.title}" in row for t, row in zip(trials, new_rows, strict=True))


def test_compare_of_an_analysis_with_itself_reports_no_changes(
    analysis_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, new = analysis_files
    assert main(["compare", str(new), str(new)]) == 0
    assert "No changes in insights or pharmacogene results." in capsys.readouterr().out


def test_compare_refuses_analyses_of_two_patients(
    analysis_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = analysis_files
    analysis = Analysis.model_validate_json(new.read_text())
    other = analysis.model_copy(update={"patient": analysis.patient.model_copy(update={"id": "SYN-OTHER"})})
    other_path = tmp_path / "other.json"
    other_path.write_text(dump_analysis(other), encoding="utf-8")
    assert main(["compare", str(old), str(other_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {other_path}:/patient/id: expected the patient of {old}")
    assert "'SYN-OTHER'" in err


def test_compare_with_a_file_that_is_not_an_analysis_is_a_one_line_error(
    analysis_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, _ = analysis_files
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema": "integrome.analysis/1"}', encoding="utf-8")
    assert main(["compare", str(old), str(broken)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {broken}:/")
    assert len(err.strip().splitlines()) == 1

"""End-to-end cases: every folder under tests/cases/ (and ../shared/acceptance/cases/) is analyzed
from its input files exactly as a user would, and the result is checked against its expected.json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from integrome.pipeline import RunOptions, run_analysis
from tests.casecheck import check

CASES = Path(__file__).resolve().parents[1] / "cases"


def _inputs(case: Path) -> list[Path]:
    return sorted(p for p in case.iterdir() if p.is_file() and p.name not in {"expected.json", "README.md"})


def _analyze(case: Path) -> dict[str, object]:
    analysis = run_analysis(_inputs(case), options=RunOptions(deterministic=True))
    return json.loads(analysis.to_json())


@pytest.mark.parametrize("case", sorted(p for p in CASES.iterdir() if p.is_dir()), ids=lambda p: p.name)
def test_case_meets_its_expectations(case: Path) -> None:
    expected = json.loads((case / "expected.json").read_text())
    failures = check(expected, _analyze(case))
    assert not failures, "\n".join(failures)


def test_shared_acceptance_cases_pass_the_official_checker(shared_acceptance: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    results.mkdir()
    for case in sorted(p for p in (shared_acceptance / "cases").iterdir() if p.is_dir()):
        (results / f"{case.name}.json").write_text(json.dumps(_analyze(case)))
    run = subprocess.run(
        [
            sys.executable,
            str(shared_acceptance / "check.py"),
            "--all",
            str(shared_acceptance / "cases"),
            str(results),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr

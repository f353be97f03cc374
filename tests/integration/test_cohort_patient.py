"""One cohort patient as every engine runs it: analysis.json or ERROR.txt, never both, and a bug
told apart from bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from integrome.batch import CohortRun, analyze_patient, read_cohort
from integrome.batch._patient import describe_failure
from integrome.batch.summary import failure_rows
from integrome.cli.cohort import cohort_lines, exit_status
from integrome.errors import InputError
from integrome.pipeline import RunOptions

CASE = Path(__file__).resolve().parents[1] / "cases" / "01-luad-egfr-exon19-deletion"
OPTIONS = RunOptions(deterministic=True)


@pytest.fixture
def cohort(tmp_path: Path) -> Path:
    patient = tmp_path / "cohort" / "luad"
    patient.mkdir(parents=True)
    for name in ("bundle.json", "variants.vcf"):
        shutil.copy(CASE / name, patient / name)
    return tmp_path / "cohort"


def test_rerun_after_an_input_error_replaces_the_error_file_with_the_analysis(
    cohort: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    vcf = cohort / "luad" / "variants.vcf"
    good = vcf.read_bytes()
    vcf.write_bytes(good[: len(good) // 2])
    [patient] = read_cohort(cohort)
    assert analyze_patient(patient, out, OPTIONS).row.status == "error"
    assert sorted(p.name for p in (out / "patients" / "luad").iterdir()) == ["ERROR.txt"]
    vcf.write_bytes(good)
    rows = analyze_patient(patient, out, OPTIONS)
    assert (rows.row.status, rows.row.oncotree) == ("ok", ["LUAD"])
    assert sorted(p.name for p in (out / "patients" / "luad").iterdir()) == ["analysis.json"]


def test_rerun_with_a_broken_input_removes_the_earlier_analysis(cohort: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    [patient] = read_cohort(cohort)
    assert analyze_patient(patient, out, OPTIONS).row.status == "ok"
    (cohort / "luad" / "bundle.json").write_text("{")
    assert analyze_patient(patient, out, OPTIONS).row.error_type == "InputError"
    assert sorted(p.name for p in (out / "patients" / "luad").iterdir()) == ["ERROR.txt"]


def test_patient_folder_without_inputs_is_an_input_error_naming_the_folder(tmp_path: Path) -> None:
    (tmp_path / "cohort" / "empty").mkdir(parents=True)
    [patient] = read_cohort(tmp_path / "cohort")
    rows = analyze_patient(patient, tmp_path / "out", OPTIONS)
    assert (rows.row.status, rows.row.error_type) == ("error", "InputError")
    error = (tmp_path / "out" / "patients" / "empty" / "ERROR.txt").read_text()
    assert error == f"{tmp_path / 'cohort' / 'empty'}: expected patient input files, found none\n"


def test_input_error_is_reported_as_its_one_line_message() -> None:
    status, text = describe_failure(InputError("variants.vcf", "line 15", "expected 10 columns,\nfound 7"))
    assert (status, text) == ("error", "variants.vcf:line 15: expected 10 columns, found 7")


def test_other_exception_is_a_crash_with_its_traceback() -> None:
    try:
        {}["CYP2C19"]
    except KeyError as exc:
        status, text = describe_failure(exc)
    assert status == "crash"
    assert text.startswith("crash: a bug in integrome")
    assert "Traceback (most recent call last)" in text
    assert text.endswith("KeyError: 'CYP2C19'")


def test_cohort_command_exits_1_only_when_a_patient_crashed(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    patients = read_cohort(tmp_path)
    errored = CohortRun(patients, [failure_rows(p.pseudonym, "error", "InputError") for p in patients], [])
    crashed = CohortRun(
        patients,
        [failure_rows("P0001", "error", "InputError"), failure_rows("P0002", "crash", "KeyError")],
        [],
    )
    assert exit_status(errored) == 0
    assert exit_status(crashed) == 1
    lines = cohort_lines(crashed, tmp_path / "out")
    assert lines[0] == "Cohort of 2 patients: 0 analyzed, 1 with input errors, 1 crashed"
    assert lines[2] == f"  crash P0002 b: {tmp_path / 'out' / 'patients' / 'b' / 'ERROR.txt'}"

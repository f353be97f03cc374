"""`integrome cohort` end to end on the example patients (tests/cases) plus one patient whose VCF
is truncated: per-patient outputs, the summary tables, exit statuses, and the same tables from
the local and the Spark engine."""

from __future__ import annotations

import json
import os
from contextlib import redirect_stdout
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from integrome.batch import spark_unavailable
from integrome.cli.main import main

CASES = Path(__file__).resolve().parents[1] / "cases"
BROKEN = "99-truncated-vcf"
"""Sorts after every example patient, so its pseudonym is the last one."""
EXAMPLES = sum(1 for case in CASES.iterdir() if case.is_dir())
LAST = f"P{EXAMPLES + 1:04d}"


@dataclass(frozen=True)
class Run:
    out: Path
    code: int
    stdout: str


def _cohort_command(cohort: Path, out: Path, *extra: str) -> Run:
    stdout = StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(stdout):
        patch.setenv("INTEGROME_DETERMINISTIC", "1")
        code = main(["cohort", str(cohort), "--out", str(out), "--exclude", "expected.json", *extra])
    return Run(out, code, stdout.getvalue())


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example patients (linked, not copied), README.md beside them, and a patient whose
    VCF ends in the middle of its last record."""
    root = tmp_path_factory.mktemp("cohort")
    for case in sorted(CASES.iterdir()):
        (root / case.name).symlink_to(case, target_is_directory=case.is_dir())
    broken = root / BROKEN
    broken.mkdir()
    source = CASES / "08-crc-kras-g12d-unannotated-vcf"
    (broken / "bundle.json").symlink_to(source / "bundle.json")
    vcf = (source / "variants.vcf").read_bytes()
    last_record = vcf.rstrip(b"\n").rfind(b"\n") + 1
    (broken / "variants.vcf").write_bytes(vcf[: last_record + 25])
    return root


@pytest.fixture(scope="module")
def local_run(cohort: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return _cohort_command(cohort, tmp_path_factory.mktemp("local") / "out", "--workers", "2")


@pytest.fixture(scope="module")
def summary(local_run: Run) -> pl.DataFrame:
    return pl.read_parquet(local_run.out / "summary.parquet")


def _row(summary: pl.DataFrame, pseudonym: str) -> dict[str, Any]:
    return summary.filter(pl.col("pseudonym") == pseudonym).row(0, named=True)


def _patients(cohort: Path) -> list[str]:
    return sorted(p.name for p in cohort.iterdir() if p.is_dir())


def test_every_patient_gets_its_analysis_and_the_broken_one_an_error_file(
    local_run: Run, cohort: Path
) -> None:
    folders = local_run.out / "patients"
    assert sorted(p.name for p in folders.iterdir()) == _patients(cohort)
    for name in _patients(cohort):
        expected = ["ERROR.txt"] if name == BROKEN else ["analysis.json"]
        assert sorted(p.name for p in (folders / name).iterdir()) == expected, name
    error = (folders / BROKEN / "ERROR.txt").read_text()
    assert error == "variants.vcf:line 15: expected 10 tab-separated columns for 1 sample, found 7\n"


def test_a_patient_input_error_does_not_fail_the_command(local_run: Run) -> None:
    assert local_run.code == 0
    assert (
        f"Cohort of {EXAMPLES + 1} patients: {EXAMPLES} analyzed, 1 with input errors, 0 crashed"
        in local_run.stdout
    )
    assert f"error {LAST} {BROKEN}: {local_run.out / 'patients' / BROKEN / 'ERROR.txt'}" in local_run.stdout


def test_summary_has_one_row_per_patient_in_pseudonym_order(summary: pl.DataFrame, local_run: Run) -> None:
    assert summary["pseudonym"].to_list() == [f"P{n:04d}" for n in range(1, EXAMPLES + 2)]
    assert summary["status"].value_counts(sort=True).rows() == [("ok", EXAMPLES), ("error", 1)]
    linkage = pl.read_csv(local_run.out / "linkage.tsv", separator="\t")
    assert linkage["pseudonym"].to_list() == summary["pseudonym"].to_list()
    assert linkage.filter(pl.col("patient") == BROKEN).row(0) == (
        LAST,
        BROKEN,
        "error",
        f"patients/{BROKEN}",
    )


def test_broken_patient_row_has_the_error_class_and_no_counts(summary: pl.DataFrame) -> None:
    row = _row(summary, LAST)
    assert (row["status"], row["error_type"]) == ("error", "InputError")
    assert row["n_findings"] is None
    assert row["n_therapy"] is None
    assert row["oncotree"] == []


def test_summary_row_reports_tumor_type_best_tier_and_tier_one_therapies(summary: pl.DataFrame) -> None:
    row = _row(summary, "P0001")  # 01-luad-egfr-exon19-deletion
    assert row["oncotree"] == ["LUAD"]
    assert row["top_tier"] == "IA"
    assert "osimertinib" in row["tier1_therapies"]
    assert row["n_therapy"] >= 1
    assert row["n_insights"] == sum(
        row[column]
        for column in summary.columns
        if column.startswith("n_") and column not in {"n_findings", "n_insights", "n_critical", "n_warnings"}
    )
    assert row["kb_version"].startswith("20")


def test_summary_row_counts_a_critical_pgx_alert(summary: pl.DataFrame) -> None:
    row = _row(summary, "P0032")  # 32-nstemi-clopidogrel-cyp2c19-poor-metabolizer
    assert row["n_pgx"] >= 1
    assert row["n_critical"] >= 1


def test_pgx_table_lists_called_and_not_assessed_genes(local_run: Run) -> None:
    pgx = pl.read_parquet(local_run.out / "pgx.parquet")
    poor = pgx.filter((pl.col("pseudonym") == "P0032") & (pl.col("gene") == "CYP2C19")).row(0, named=True)
    assert (poor["diplotype"], poor["phenotype"], poor["assessed"]) == ("*2/*2", "Poor Metabolizer", True)
    untested = pgx.filter((pl.col("pseudonym") == "P0035") & (pl.col("gene") == "CYP2C19")).row(0, named=True)
    assert (untested["phenotype"], untested["assessed"]) == ("Not assessed", False)


def test_summary_tables_hold_no_birth_dates_or_record_ids(local_run: Run, cohort: Path) -> None:
    tables = "".join((local_run.out / name).read_text() for name in ("summary.tsv", "pgx.tsv"))
    for name in _patients(cohort):
        analysis_file = local_run.out / "patients" / name / "analysis.json"
        if not analysis_file.exists():
            continue
        patient = json.loads(analysis_file.read_text())["patient"]
        assert patient["birth_date"] not in tables
        assert patient["id"] not in tables
        assert name not in tables


def test_age_is_a_ten_year_band_at_the_analysis_date(summary: pl.DataFrame) -> None:
    # 34-pediatric-all: born 2015-08-12, analyzed 2026-01-01 (deterministic mode) at age 10.
    assert _row(summary, "P0034")["age_band"] == "10-19"
    assert _row(summary, "P0001")["age_band"] == "50-59"  # born 1966-08-14: 59


def test_summary_tsv_holds_the_parquet_rows(local_run: Run, summary: pl.DataFrame) -> None:
    tsv = pl.read_csv(local_run.out / "summary.tsv", separator="\t", infer_schema=False)
    assert tsv.columns == summary.columns
    first = tsv.row(0, named=True)
    assert first["tier1_therapies"] == ";".join(_row(summary, "P0001")["tier1_therapies"])
    assert first["error_type"] is None
    broken = tsv.filter(pl.col("pseudonym") == LAST).row(0, named=True)
    assert (broken["n_findings"], broken["oncotree"], broken["tier1_therapies"]) == (None, None, None)


def test_output_folder_inside_the_cohort_is_refused(cohort: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cohort", str(cohort), "--out", str(cohort / "results")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {cohort / 'results'}: the output folder is inside")
    assert not (cohort / "results").exists()


def test_folder_without_patient_folders_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("Diagnosis: lung adenocarcinoma.\n")
    out = tmp_path.parent / f"{tmp_path.name}-out"
    assert main(["cohort", str(tmp_path), "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path}: expected one sub-folder per patient, found none\n"
    assert not out.exists()


@pytest.fixture(scope="module")
def spark_run(cohort: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    reason = spark_unavailable()
    if reason is not None:
        if os.environ.get("INTEGROME_REQUIRE_SPARK") == "1":
            pytest.fail(f"the Spark engine cannot run and INTEGROME_REQUIRE_SPARK=1: {reason}")
        pytest.skip(f"Spark engine unavailable: {reason}")
    return _cohort_command(
        cohort, tmp_path_factory.mktemp("spark") / "out", "--engine", "spark", "--workers", "2"
    )


def test_spark_engine_writes_the_same_tables_as_the_local_engine(spark_run: Run, local_run: Run) -> None:
    assert spark_run.code == 0
    for name in ("summary.tsv", "pgx.tsv", "linkage.tsv"):
        assert (spark_run.out / name).read_bytes() == (local_run.out / name).read_bytes(), name
    for name in ("summary.parquet", "pgx.parquet"):
        assert pl.read_parquet(spark_run.out / name).equals(pl.read_parquet(local_run.out / name)), name


def test_spark_engine_writes_the_same_patient_files_as_the_local_engine(
    spark_run: Run, local_run: Run
) -> None:
    local = sorted(
        p.relative_to(local_run.out) for p in (local_run.out / "patients").rglob("*") if p.is_file()
    )
    spark = sorted(
        p.relative_to(spark_run.out) for p in (spark_run.out / "patients").rglob("*") if p.is_file()
    )
    assert spark == local
    for path in local:
        assert (spark_run.out / path).read_bytes() == (local_run.out / path).read_bytes(), path


def test_spark_engine_without_java_stops_before_writing_anything(
    cohort: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("pyspark", reason="this checks the Java requirement that comes after pyspark's")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    out = tmp_path / "out"
    assert main(["cohort", str(cohort), "--out", str(out), "--engine", "spark"]) == 2
    assert capsys.readouterr().err == (
        "error: the spark engine cannot run here: Java is not installed "
        "(Spark needs Java 17 or later on PATH or in JAVA_HOME)\n"
    )
    assert not out.exists()

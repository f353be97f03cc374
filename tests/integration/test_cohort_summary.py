"""The de-identified summary row of one patient, computed from a real analysis of an example case."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from integrome.batch import SUMMARY_COLUMNS, age_band, patient_rows
from integrome.batch.summary import INSIGHT_KINDS, failure_rows, summary_records
from integrome.model import Analysis
from integrome.pipeline import RunOptions, run_analysis

CASE = Path(__file__).resolve().parents[1] / "cases" / "02-luad-egfr-l858r-t790m-after-erlotinib"


@pytest.fixture(scope="module")
def analysis() -> Analysis:
    """EGFR L858R + T790M after erlotinib: tier IA therapies and tier IA resistance."""
    inputs = sorted(p for p in CASE.iterdir() if p.name != "expected.json")
    return run_analysis(inputs, options=RunOptions(deterministic=True))


def test_tier_one_therapies_leave_out_drugs_with_tier_one_resistance(analysis: Analysis) -> None:
    row = patient_rows("P0001", analysis).row
    assert "osimertinib" in row.tier1_therapies
    assert not {"erlotinib", "gefitinib", "afatinib"} & set(row.tier1_therapies)
    assert row.tier1_therapies == sorted(row.tier1_therapies)


def test_top_tier_comes_from_any_insight_kind(analysis: Analysis) -> None:
    resistance_only = analysis.model_copy(
        update={"insights": [i for i in analysis.insights if i.kind == "resistance"]}
    )
    row = patient_rows("P0001", resistance_only).row
    resistance = sum(1 for i in analysis.insights if i.kind == "resistance")
    assert resistance >= 1
    assert (row.top_tier, row.tier1_therapies, row.insight_counts["resistance"]) == ("IA", [], resistance)


def test_patient_without_tiered_insights_has_no_top_tier(analysis: Analysis) -> None:
    untiered = analysis.model_copy(update={"insights": [i for i in analysis.insights if i.tier is None]})
    assert patient_rows("P0001", untiered).row.top_tier is None


def test_summary_row_carries_no_identifier_or_date(analysis: Analysis) -> None:
    dumped = patient_rows("P0007", analysis).row.model_dump_json()
    assert analysis.patient.id not in dumped
    assert str(analysis.patient.birth_date) not in dumped
    assert '"age_band":"70-79"' in dumped  # born 1951-11-30, analyzed 2026-01-01


def test_every_insight_kind_has_a_count_column_even_when_zero(analysis: Analysis) -> None:
    [record] = summary_records([patient_rows("P0001", analysis).row])
    assert list(record) == [name for name, _ in SUMMARY_COLUMNS]
    assert {kind: record[f"n_{kind}"] for kind in INSIGHT_KINDS}["trial"] == 0


def test_failed_patient_has_null_counts_not_zero() -> None:
    [record] = summary_records([failure_rows("P0002", "crash", "KeyError").row])
    assert (record["status"], record["error_type"]) == ("crash", "KeyError")
    assert all(record[f"n_{kind}"] is None for kind in INSIGHT_KINDS)
    assert record["n_findings"] is None


@pytest.mark.parametrize(
    ("birth_date", "band"),
    [
        ("1966-08-14", "50-59"),
        ("1966-01-01", "60-69"),  # 60th birthday on the analysis date
        ("2015-08-12", "10-19"),
        ("2025-06-01", "0-9"),
        ("1936-01-01", "90+"),
        ("1921-05-05", "90+"),
        ("1975", "50-59"),  # 50 or 51: one band either way
        ("1966", "unknown"),  # 59 or 60: the band depends on the unknown birthday
        ("1966-12", "50-59"),
        ("2027-01-01", "unknown"),
        ("1966-02-30", "unknown"),
        (None, "unknown"),
    ],
)
def test_age_band_on_the_analysis_date(birth_date: str | None, band: str) -> None:
    assert age_band(birth_date, date(2026, 1, 1)) == band

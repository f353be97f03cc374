"""The run summary printed after `analyze` and `demo`."""

from __future__ import annotations

from pathlib import Path

from tests.unit.deliver.sample import make_analysis

from integrome.cli._output import summary_lines
from integrome.model import Analysis


def test_summary_counts_insights_by_kind_and_severity() -> None:
    lines = summary_lines(make_analysis(), [])
    assert lines[0] == "Patient DEMO-0001: 5 insights (1 critical, 1 warning), knowledge base 2026.1.0"
    assert lines[1] == "  pgx: 1, resistance: 1, test_recommendation: 1, therapy: 1, trial: 1"


def test_summary_lists_critical_alerts_first() -> None:
    lines = summary_lines(make_analysis(), [])
    start = lines.index("Top alerts:")
    assert lines[start + 1].startswith("  CRITICAL Clopidogrel: CYP2C19 poor metabolizer:")
    assert lines[start + 2].startswith("  WARNING  Cetuximab resistance:")


def test_summary_says_where_files_went() -> None:
    written = [Path("out/analysis.json"), Path("out/report.html")]
    lines = summary_lines(make_analysis(), written)
    assert lines[-3:] == ["Wrote 2 files:", "  out/analysis.json", "  out/report.html"]


def test_summary_of_an_analysis_without_insights_is_one_line() -> None:
    analysis: Analysis = make_analysis(insights=[], warnings=[])
    assert summary_lines(analysis, []) == [
        "Patient DEMO-0001: 0 insights (0 critical, 0 warning), knowledge base 2026.1.0"
    ]

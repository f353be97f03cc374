"""Filters of the web report page over the file report's view (`deliver.html.build_view`)."""

from __future__ import annotations

from tests.unit.deliver.sample import make_analysis

from integrome.api.web_report import ReportFilters, filter_report
from integrome.deliver.html import ReportView, build_view


def _view() -> ReportView:
    return build_view(make_analysis())


def _titles(view: ReportView) -> list[str]:
    return [card.insight.title for section in view.sections for card in section.cards]


def test_no_filter_keeps_every_card_and_pgx_row() -> None:
    filtered = filter_report(_view(), ReportFilters())
    assert (filtered.shown, filtered.total) == (5, 5)
    assert [row.gene for row in filtered.view.pgx_rows] == ["CYP2C19", "CYP2C9"]


def test_critical_filter_keeps_the_critical_card_its_alert_and_its_gene_row() -> None:
    filtered = filter_report(_view(), ReportFilters(severity="critical"))
    assert _titles(filtered.view) == ["Clopidogrel: CYP2C19 poor metabolizer"]
    assert [alert.insight.title for alert in filtered.view.alerts] == [
        "Clopidogrel: CYP2C19 poor metabolizer"
    ]
    assert [row.gene for row in filtered.view.pgx_rows] == ["CYP2C19"]
    assert (filtered.shown, filtered.total) == (1, 5)


def test_warning_filter_includes_critical_cards() -> None:
    filtered = filter_report(_view(), ReportFilters(severity="warning"))
    assert sorted(_titles(filtered.view)) == ["Cetuximab resistance", "Clopidogrel: CYP2C19 poor metabolizer"]


def test_gene_filter_keeps_cards_naming_the_gene_in_every_section() -> None:
    filtered = filter_report(_view(), ReportFilters(gene="EGFR"))
    assert _titles(filtered.view) == ["Osimertinib for EGFR L858R", "FLAURA (NCT02296125)"]
    assert filtered.view.pgx_rows == []
    assert "pgx" not in [section.key for section in filtered.view.sections]


def test_section_filter_on_pgx_keeps_the_table_even_for_genes_without_cards() -> None:
    filtered = filter_report(_view(), ReportFilters(section="pgx"))
    assert [section.key for section in filtered.view.sections] == ["pgx"]
    assert [row.gene for row in filtered.view.pgx_rows] == ["CYP2C19", "CYP2C9"]


def test_text_filter_searches_drugs_and_rationale_case_insensitively() -> None:
    assert _titles(filter_report(_view(), ReportFilters(text="CETUXIMAB")).view) == ["Cetuximab resistance"]
    by_rationale = filter_report(_view(), ReportFilters(text="31% vaf")).view
    assert _titles(by_rationale) == ["Osimertinib for EGFR L858R"]


def test_findings_inputs_and_warnings_are_never_filtered() -> None:
    view = _view()
    filtered = filter_report(view, ReportFilters(gene="KRAS")).view
    assert filtered.findings == view.findings
    assert filtered.inputs == view.inputs
    assert filtered.warnings == view.warnings


def test_gene_choices_list_every_gene_of_insights_and_pgx() -> None:
    genes = filter_report(_view(), ReportFilters(gene="KRAS")).genes
    assert genes == ["CYP2C19", "CYP2C9", "DPYD", "EGFR", "KRAS"]


def test_unknown_query_values_are_ignored_and_gene_is_uppercased() -> None:
    filters = ReportFilters.from_query("no-such-section", "severe", " egfr ", "  ")
    assert filters == ReportFilters(gene="EGFR")
    assert filters.active
    assert not ReportFilters.from_query(None, None, None, None).active

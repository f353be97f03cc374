"""Filters of the web report page, applied to the same `ReportView` the file report renders.

Filtering happens on the server (a GET form), so the page works without scripts, the URL can be
shared with a colleague who has access, and the filtered page prints as shown. Insight cards are
filtered by section, minimum severity, gene and free text; the PGx table follows the section and
gene filters, and under a severity or text filter it keeps the genes of the cards still shown.
Variants, inputs and methods are never filtered: they are the context every insight rests on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from integrome.deliver.html import InsightView, PgxRow, ReportView, SectionView

__all__ = ["SECTION_CHOICES", "SEVERITY_CHOICES", "FilteredReport", "ReportFilters", "filter_report"]

SECTION_CHOICES: tuple[tuple[str, str], ...] = (
    ("actionable", "Actionable findings"),
    ("safety", "Resistance and safety"),
    ("pgx", "Pharmacogenomics"),
    ("tests", "Tests to consider"),
    ("trials", "Clinical trials"),
    ("other", "Germline, diagnostic and prognostic"),
)
SEVERITY_CHOICES: tuple[tuple[str, str], ...] = (
    ("critical", "Critical only"),
    ("warning", "Warning or critical"),
)
MinimumSeverity = Literal["critical", "warning"]
_AT_LEAST: dict[str, frozenset[str]] = {
    "critical": frozenset({"critical"}),
    "warning": frozenset({"critical", "warning"}),
}
MAX_TEXT = 100


@dataclass(frozen=True)
class ReportFilters:
    section: str | None = None
    severity: MinimumSeverity | None = None
    gene: str | None = None
    text: str | None = None

    @classmethod
    def from_query(
        cls, section: str | None, severity: str | None, gene: str | None, text: str | None
    ) -> ReportFilters:
        """Unknown values are ignored rather than refused: a stale bookmark still opens the report."""
        sections = {key for key, _ in SECTION_CHOICES}
        cleaned = (text or "").strip()[:MAX_TEXT]
        return cls(
            section=section if section in sections else None,
            severity="critical" if severity == "critical" else "warning" if severity == "warning" else None,
            gene=(gene or "").strip().upper() or None,
            text=cleaned or None,
        )

    @property
    def active(self) -> bool:
        return any((self.section, self.severity, self.gene, self.text))


@dataclass(frozen=True)
class FilteredReport:
    view: ReportView
    shown: int
    total: int
    genes: list[str]
    """Every gene the report's insights and PGx results name: the gene filter's choices."""


def _card_matches(card: InsightView, section: str, filters: ReportFilters) -> bool:
    insight = card.insight
    if filters.section is not None and section != filters.section:
        return False
    if filters.severity is not None and insight.severity not in _AT_LEAST[filters.severity]:
        return False
    if filters.gene is not None and filters.gene not in insight.genes:
        return False
    if filters.text is not None:
        needle = filters.text.casefold()
        haystack = [insight.title, insight.summary, *insight.genes, *insight.drugs, *insight.tests]
        haystack += insight.rationale
        return any(needle in value.casefold() for value in haystack)
    return True


def _row_matches(row: PgxRow, filters: ReportFilters, shown_genes: set[str]) -> bool:
    if filters.section not in (None, "pgx"):
        return False
    if filters.gene is not None and row.gene != filters.gene:
        return False
    if filters.severity is not None or filters.text is not None:
        text = (filters.text or "").casefold()
        direct = bool(text) and any(
            text in value.casefold() for value in (row.gene, row.phenotype, *row.drugs)
        )
        return direct or row.gene in shown_genes
    return True


def filter_report(view: ReportView, filters: ReportFilters) -> FilteredReport:
    """The report with only the matching cards (and alerts pointing at them) and PGx rows."""
    sections: list[SectionView] = []
    kept_ids: set[str] = set()
    total = sum(len(section.cards) for section in view.sections)
    for section in view.sections:
        cards = [card for card in section.cards if _card_matches(card, section.key, filters)]
        kept_ids.update(card.insight.id for card in cards)
        sections.append(replace(section, cards=cards))
    shown_genes = {gene for section in sections for card in section.cards for gene in card.insight.genes}
    rows = [row for row in view.pgx_rows if _row_matches(row, filters, shown_genes)]
    sections = [s for s in sections if s.cards or (s.key == "pgx" and rows)]
    genes = sorted(
        {gene for section in view.sections for card in section.cards for gene in card.insight.genes}
        | {row.gene for row in view.pgx_rows}
    )
    filtered = replace(
        view,
        sections=sections,
        pgx_rows=rows,
        alerts=[alert for alert in view.alerts if alert.insight.id in kept_ids],
    )
    return FilteredReport(view=filtered, shown=len(kept_ids), total=total, genes=genes)

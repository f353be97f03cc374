"""Browsing the knowledge the server analyzes with: biomarker records and catalog tests, filtered.

Pure functions over loaded records, so the pages and their tests share one filter. Citations
become links only for http(s) URLs (the report's rule, `deliver.html`), since imported sources
are data, not trusted markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from integrome.deliver.html import Link, _citation_link
from integrome.knowledge.catalog import CatalogEntry
from integrome.model import BiomarkerRecord

__all__ = [
    "PAGE_SIZE",
    "CatalogFilters",
    "CatalogRow",
    "KbFilters",
    "KbRow",
    "catalog_rows",
    "kb_rows",
]

PAGE_SIZE = 50
_DIRECTIONS = ("sensitivity", "resistance", "diagnostic", "prognostic")
_LEVELS = ("A", "B", "C", "D")


def _clean(value: str | None, limit: int = 100) -> str | None:
    text = (value or "").strip()[:limit]
    return text or None


@dataclass(frozen=True)
class KbFilters:
    gene: str | None = None
    drug: str | None = None
    disease: str | None = None
    level: str | None = None
    direction: str | None = None
    text: str | None = None

    @classmethod
    def from_query(
        cls,
        gene: str | None,
        drug: str | None,
        disease: str | None,
        level: str | None,
        direction: str | None,
        text: str | None,
    ) -> KbFilters:
        gene_text, drug_text, disease_text = _clean(gene), _clean(drug), _clean(disease)
        return cls(
            gene=gene_text.upper() if gene_text else None,
            drug=drug_text.lower() if drug_text else None,
            disease=disease_text.upper() if disease_text else None,
            level=level if level in _LEVELS else None,
            direction=direction if direction in _DIRECTIONS else None,
            text=_clean(text),
        )

    @property
    def active(self) -> bool:
        return any((self.gene, self.drug, self.disease, self.level, self.direction, self.text))


@dataclass(frozen=True)
class KbRow:
    record: BiomarkerRecord
    citations: list[Link]


def _record_matches(record: BiomarkerRecord, filters: KbFilters) -> bool:
    if filters.gene is not None and filters.gene not in (
        record.gene,
        (record.alteration.biomarker or "").upper(),
    ):
        return False
    if filters.drug is not None and not any(filters.drug in drug for drug in record.drugs):
        return False
    if filters.disease is not None and filters.disease not in record.diseases:
        return False
    if filters.level is not None and record.evidence_level != filters.level:
        return False
    if filters.direction is not None and record.direction != filters.direction:
        return False
    if filters.text is not None:
        needle = filters.text.casefold()
        haystack = [record.id, record.label, record.statement, record.setting or "", *record.drugs]
        haystack += [f"{c.source} {c.id}" for c in record.citations]
        return any(needle in value.casefold() for value in haystack)
    return True


def kb_rows(records: Iterable[BiomarkerRecord], filters: KbFilters) -> list[KbRow]:
    """Matching records, by gene then evidence level then id."""
    matching = [r for r in records if _record_matches(r, filters)]
    matching.sort(key=lambda r: (r.gene or r.alteration.biomarker or "", r.evidence_level, r.id))
    return [KbRow(record=r, citations=[_citation_link(c) for c in r.citations]) for r in matching]


@dataclass(frozen=True)
class CatalogFilters:
    target: str | None = None
    """A gene, IHC protein or named result the test detects (EGFR, PD-L1, MSI)."""
    method: str | None = None
    provider: str | None = None
    text: str | None = None

    @classmethod
    def from_query(
        cls, target: str | None, method: str | None, provider: str | None, text: str | None
    ) -> CatalogFilters:
        return cls(
            target=_clean(target, 40), method=_clean(method, 40), provider=_clean(provider), text=_clean(text)
        )

    @property
    def active(self) -> bool:
        return any((self.target, self.method, self.provider, self.text))


@dataclass(frozen=True)
class CatalogRow:
    entry: CatalogEntry
    detects: list[tuple[str, str]]
    """(what, targets) pairs: ('SNV/indel', 'EGFR, KRAS'), ('IHC', 'PD-L1')."""
    companion: list[str]
    turnaround: str
    price: str | None
    citations: list[Link]
    url: str | None


_DETECTS = (
    ("genes", "SNV/indel"),
    ("copy_number", "Copy number"),
    ("fusions", "Fusions"),
    ("proteins", "IHC"),
    ("results", "Results"),
    ("genotypes", "PGx genotypes"),
)


def _entry_matches(entry: CatalogEntry, filters: CatalogFilters) -> bool:
    test = entry.test
    if filters.target is not None:
        wanted = filters.target.casefold()
        if not any(part.target.casefold() == wanted for part in test.covers):
            return False
    if filters.method is not None and test.method != filters.method:
        return False
    if filters.provider is not None and filters.provider not in (entry.provider.id, entry.provider.name):
        return False
    if filters.text is not None:
        needle = filters.text.casefold()
        haystack = [test.id, test.name, entry.provider.name, entry.catalog, *test.specimens]
        return any(needle in value.casefold() for value in haystack)
    return True


def _turnaround(low: int | None, high: int | None) -> str:
    if low is None:
        return "—"
    return f"{low}–{high} days" if high and high != low else f"{low} days"


def catalog_rows(entries: Sequence[CatalogEntry], filters: CatalogFilters) -> list[CatalogRow]:
    """Matching tests, by provider then test name."""
    rows = []
    for entry in sorted(entries, key=lambda e: (e.provider.name.casefold(), e.test.name.casefold())):
        if not _entry_matches(entry, filters):
            continue
        test = entry.test
        url = test.url if test.url and test.url.startswith(("https://", "http://")) else None
        rows.append(
            CatalogRow(
                entry=entry,
                detects=[
                    (label, ", ".join(values)) for name, label in _DETECTS if (values := getattr(test, name))
                ],
                companion=[
                    f"{', '.join(claim.drugs)} ({', '.join(str(b) for b in claim.biomarkers)}; "
                    f"{', '.join(claim.diseases)})"
                    for claim in test.companion
                ],
                turnaround=_turnaround(test.turnaround_days, test.turnaround_max_days),
                price=None if test.price is None else f"{test.price.amount:g} {test.price.currency}",
                citations=[_citation_link(c) for c in test.citations],
                url=url,
            )
        )
    return rows

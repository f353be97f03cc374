"""Which catalog tests close a recommendation's gaps, best first, and the fewest that close them all.

Ranking: gaps closed (more first), then gaps closed with an FDA companion-diagnostic claim for a drug
the missing biomarker would select in this tumor type, then turnaround (shorter first, unknown last),
then price (within a currency, lower first, unknown last), then name. A test closes a gap when it is
of the gap's origin (tumor versus germline) and detects every part of one of the gap's alternatives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from integrome.knowledge.catalog import CatalogEntry
from integrome.match.wording import BEST_OPTION
from integrome.model import Assessable, CatalogTest, GuidelineBiomarker, TestOption
from integrome.normalize.diseases import OncoTree

__all__ = ["OPTION_LIMIT", "Ranked", "catalog_lines", "cover", "options", "rank"]
OPTION_LIMIT = 5
"""Options listed per recommendation; the cover line still considers the whole catalog."""
_UNKNOWN = 10**6


@dataclass(frozen=True)
class Ranked:
    entry: CatalogEntry
    closed: tuple[GuidelineBiomarker, ...]
    companion: tuple[GuidelineBiomarker, ...]
    """closed gaps backed by a companion-diagnostic claim for a relevant drug"""
    companion_drugs: tuple[str, ...]

    def key(self) -> tuple[int, int, int, str, float, str]:
        test = self.entry.test
        price = test.price
        return (
            -len(self.closed),
            -len(self.companion),
            test.turnaround_days if test.turnaround_days is not None else _UNKNOWN,
            price.currency if price is not None else "~",
            price.amount if price is not None else float(_UNKNOWN),
            test.name,
        )


def _closes(test: CatalogTest, covers: frozenset[Assessable], gap: GuidelineBiomarker) -> bool:
    return test.origin == gap.origin and any(all(part in covers for part in alt) for alt in gap.detect)


def _companion(
    test: CatalogTest,
    gap: GuidelineBiomarker,
    drugs: frozenset[str],
    codes: Sequence[str],
    tree: OncoTree,
) -> list[str]:
    parts: set[Assessable] = set(gap.parts)
    found: list[str] = []
    for claim in test.companion:
        if not parts.intersection(claim.biomarkers):
            continue
        if codes and not any(tree.is_a(code, disease) for code in codes for disease in claim.diseases):
            continue
        found.extend(drug for drug in claim.drugs if drug in drugs)
    return found


def rank(
    gaps: Sequence[GuidelineBiomarker],
    catalog: Sequence[CatalogEntry],
    drugs: frozenset[str],
    codes: Sequence[str],
    tree: OncoTree,
) -> list[Ranked]:
    """Every catalog test that closes at least one gap, best first."""
    ranked: list[Ranked] = []
    for entry in catalog:
        covers = entry.test.covers
        closed = tuple(gap for gap in gaps if _closes(entry.test, covers, gap))
        if not closed:
            continue
        companion: list[GuidelineBiomarker] = []
        companion_drugs: list[str] = []
        for gap in closed:
            found = _companion(entry.test, gap, drugs, codes, tree)
            if found:
                companion.append(gap)
                companion_drugs.extend(found)
        ranked.append(Ranked(entry, closed, tuple(companion), tuple(sorted(set(companion_drugs)))))
    return sorted(ranked, key=Ranked.key)


def cover(gaps: Sequence[GuidelineBiomarker], ranked: Sequence[Ranked]) -> list[Ranked]:
    """Greedy set cover in ranking order: the fewest tests a clinician would order to close the gaps."""
    remaining = {gap.id for gap in gaps}
    chosen: list[Ranked] = []
    while remaining:
        best = max(
            ranked,
            key=lambda r: (len(remaining & {g.id for g in r.closed}), [-x for x in r.key()[:3]]),
            default=None,
        )
        if best is None or not remaining & {g.id for g in best.closed}:
            break
        chosen.append(best)
        remaining -= {g.id for g in best.closed}
    return chosen


def options(ranked: Sequence[Ranked], total: int) -> list[TestOption]:
    return [
        TestOption(
            test_id=r.entry.test.id,
            name=r.entry.test.name,
            provider=r.entry.provider.name,
            covers=[gap.label for gap in r.closed],
            turnaround_days=r.entry.test.turnaround_days,
            companion_diagnostic=bool(r.companion),
            closes=len(r.closed),
            of=total,
            turnaround_max_days=r.entry.test.turnaround_max_days,
            method=r.entry.test.method,
            companion_drugs=list(r.companion_drugs),
            example=r.entry.test.example or r.entry.provider.example,
        )
        for r in ranked[:OPTION_LIMIT]
    ]


def _turnaround(test: CatalogTest) -> str:
    if test.turnaround_days is None:
        return ""
    if test.turnaround_max_days is not None and test.turnaround_max_days != test.turnaround_days:
        return f", {test.turnaround_days}–{test.turnaround_max_days} days"
    return f", {test.turnaround_days} days"


def _describe(r: Ranked, total: int) -> str:
    test = r.entry.test
    if total == 1:
        closes = "closes the gap"
    elif len(r.closed) == total:
        closes = f"closes all {total} gaps"
    else:
        closes = f"closes {len(r.closed)} of {total} gaps"
    line = f"{test.name} ({r.entry.provider.name}) {closes}"
    line += _turnaround(test)
    if r.companion_drugs:
        line += f"; FDA companion diagnostic for {', '.join(r.companion_drugs)}"
    if test.example or r.entry.provider.example:
        line += " (fictional example)"
    return line


def catalog_lines(gaps: Sequence[GuidelineBiomarker], ranked: Sequence[Ranked]) -> list[str]:
    """Rationale lines: the best option, the fewest tests closing everything, what no test covers."""
    if not ranked:
        return ["No catalog test covers these gaps"] if gaps else []
    total = len(gaps)
    lines = [f"{BEST_OPTION}: {_describe(ranked[0], total)}"]
    chosen = cover(gaps, ranked)
    closed = {gap.id for r in chosen for gap in r.closed}
    if len(chosen) > 1:
        names = " + ".join(f"{r.entry.test.name} ({r.entry.provider.name})" for r in chosen)
        lines.append(f"Fewest catalog tests closing {len(closed)} of {total} gaps: {names}")
    uncovered = [gap.label for gap in gaps if gap.id not in closed]
    if uncovered:
        lines.append(f"No catalog test covers: {', '.join(uncovered)}")
    examples = sorted({r.entry.catalog for r in ranked if r.entry.example_catalog})
    if examples:
        lines.append(
            f"Catalog '{', '.join(examples)}' is example data: confirm tests, turnaround and price with the "
            "laboratory"
        )
    return lines

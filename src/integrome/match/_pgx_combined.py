"""Two-gene CPIC recommendations: one insight per drug from both genes' phenotypes together.

For tricyclics (CYP2C19 + CYP2D6), thiopurines (TPMT + NUDT15), fluvastatin (CYP2C9 + SLCO1B1),
rosuvastatin (ABCG2 + SLCO1B1) and the volatile anesthetics (RYR1 + CACNA1S) CPIC recommends from
the pair of results, including "result not available" for one of them; pypgx's recommendation
table holds those texts keyed by both phenotypes ("None" when a gene was not tested).
"""

from __future__ import annotations

from collections.abc import Mapping

from integrome.knowledge.pgx import CpicDrug, PgxKnowledge
from integrome.match._pgx_state import GeneState, gene_rationale, guideline_citations
from integrome.match._pgx_text import classify, condense
from integrome.model import Citation, Insight

__all__ = ["combined_insight"]

_UNTESTED = "None"


def combined_insight(
    kb: PgxKnowledge,
    drug: str,
    pair: tuple[str, str],
    states: Mapping[str, GeneState],
    rows: Mapping[str, CpicDrug | None],
) -> Insight | None:
    """The CPIC recommendation for `drug` given both genes of `pair` (assessed or not)."""
    assessed = [states[g] for g in pair if g in states and states[g].assessed]
    if not assessed:
        return None
    keys = [states[g].used_phenotype if g in states and states[g].assessed else _UNTESTED for g in pair]
    text = kb.two_gene_recommendations.get((drug, pair[0], keys[0], pair[1], keys[1]))
    citations: list[Citation] = []
    for gene in pair:
        for citation in guideline_citations(rows.get(gene), None):
            if citation not in citations:
                citations.append(citation)
    if text is None or not citations:
        return None
    severity, headline = classify(text)
    rationale: list[str] = []
    for state in assessed:
        rationale.extend(gene_rationale(state))
    rationale.extend(
        f"{g} not assessed: CPIC's recommendation for a missing result applies"
        for g, k in zip(pair, keys, strict=True)
        if k == _UNTESTED
    )
    rationale.append(f"CPIC recommendation for {' and '.join(pair)} together: {text}")
    what = ", ".join(f"{s.gene} {s.used_phenotype.lower()}" for s in assessed)
    levels = sorted({row.level for row in rows.values() if row is not None and row.pmids})
    if any(state.functional_phenotype for state in assessed):
        citations.append(kb.inhibitor_citation)
    return Insight(
        id="pending",
        kind="contraindication" if severity == "critical" else "pgx",
        title=f"{drug.capitalize()}: {what} — {headline}",
        summary=condense(text),
        severity=severity,
        genes=[s.gene for s in assessed],
        drugs=[drug],
        evidence_level=f"CPIC {'/'.join(levels)}" if levels else None,
        rationale=rationale,
        citations=citations,
    )

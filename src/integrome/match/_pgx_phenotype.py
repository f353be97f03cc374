"""Diplotype → CPIC phenotype and activity score, and phenoconversion by strong inhibitors."""

from __future__ import annotations

from collections.abc import Iterable

from integrome.knowledge.pgx import PgxKnowledge
from integrome.match._pgx_call import Candidate

__all__ = ["HLA_RISK_ALLELES", "INDETERMINATE", "phenoconvert", "phenotype_of", "phenotype_of_diplotype"]

INDETERMINATE = "Indeterminate"

HLA_RISK_ALLELES: dict[str, tuple[str, ...]] = {
    "HLA-A": ("*31:01",),
    "HLA-B": ("*15:02", "*57:01", "*58:01"),
}
"""HLA alleles with CPIC level A guidance (abacavir, allopurinol, carbamazepine, oxcarbazepine,
phenytoin/fosphenytoin)."""

_CONVERTIBLE = frozenset(
    {
        "Normal Metabolizer",
        "Intermediate Metabolizer",
        "Likely Intermediate Metabolizer",
        "Rapid Metabolizer",
        "Ultrarapid Metabolizer",
    }
)


def _hap_activity(kb: PgxKnowledge, gene: str, hap: Iterable[str]) -> float | None:
    """Activity of one haplotype; for DPYD the lowest-function variant counts (CPIC 2017)."""
    values = [kb.allele_activity.get((gene, name)) for name in hap]
    if any(v is None for v in values):
        return None
    known = [v for v in values if v is not None]
    if gene == "DPYD":
        return min(known)
    return known[0] if len(known) == 1 else None


def phenotype_of(kb: PgxKnowledge, gene: str, candidate: Candidate) -> tuple[str, float | None]:
    """CPIC phenotype and activity score (score genes only) for one called diplotype."""
    if gene in kb.score_genes:
        haps = [candidate.hap1] + ([candidate.hap2] if candidate.hap2 is not None else [])
        activities = [_hap_activity(kb, gene, hap) for hap in haps]
        if any(a is None for a in activities) or candidate.hap2 is None:
            return INDETERMINATE, None
        score = sum(a for a in activities if a is not None)
        return kb.phenotype_for_score(gene, score) or INDETERMINATE, score
    if candidate.hap2 is None or len(candidate.hap1) != 1 or len(candidate.hap2) != 1:
        return INDETERMINATE, None
    key = "/".join(sorted((candidate.hap1[0], candidate.hap2[0])))
    return kb.diplotype_phenotype.get((gene, key), INDETERMINATE), None


def phenotype_of_diplotype(kb: PgxKnowledge, gene: str, diplotype: str) -> tuple[str, float | None]:
    """Phenotype of a diplotype given as text by an outside caller (`*1/*4`, `*28/*28`)."""
    first, sep, second = diplotype.partition("/")
    if not sep:
        return INDETERMINATE, None
    haps = [tuple(part.strip() for part in side.split("+")) for side in (first, second)]
    return phenotype_of(kb, gene, Candidate(haps[0], haps[1], 0))


def phenoconvert(
    kb: PgxKnowledge, gene: str, phenotype: str, score: float | None, active_drugs: Iterable[str]
) -> tuple[str, float | None, list[str]] | None:
    """A strong inhibitor among current drugs makes the enzyme behave as in a poor metabolizer.

    Returns the functional phenotype, its activity score (0 for score genes) and the inhibitors,
    or None when no conversion applies (no inhibitor, or already a poor metabolizer).
    """
    inhibitors = sorted(set(active_drugs) & kb.strong_inhibitors.get(gene, frozenset()))
    if not inhibitors or phenotype not in _CONVERTIBLE:
        return None
    return "Poor Metabolizer", (0.0 if score is not None else None), inhibitors

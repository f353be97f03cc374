"""One gene's pharmacogenomic state for matching, and the rationale lines every PGx insight shares."""

from __future__ import annotations

from dataclasses import dataclass, field

from integrome.knowledge.pgx import CpicDrug, CuratedRule
from integrome.match._pgx_phenotype import INDETERMINATE
from integrome.model import Citation

__all__ = ["GeneState", "gene_rationale", "guideline_citations"]

_SOURCES = {"vcf": "VCF", "fhir": "FHIR record", "outside_call": "outside call", "notes": "clinical notes"}
"""How the genotype line names where a gene's result came from ('fhir+vcf': sites from both)."""


@dataclass
class GeneState:
    """One gene's phenotype for matching, and what the PgxResult will report."""

    gene: str
    assessed: bool
    diplotype: str | None = None
    phenotype: str = INDETERMINATE
    activity_score: float | None = None
    alternatives: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    not_assessable: list[str] = field(default_factory=list)
    """Defined alleles the input could not test (all their positions missing)."""
    source: str | None = None
    note: str | None = None
    functional_phenotype: str | None = None
    functional_score: float | None = None
    inhibitors: list[str] = field(default_factory=list)
    inhibitor_strength: str | None = None
    hla_positive: frozenset[str] = frozenset()
    hla_tested: frozenset[str] = frozenset()
    conflicts: list[str] = field(default_factory=list)
    """Definition positions the inputs contradict: why the phenotype is Indeterminate."""

    @property
    def used_phenotype(self) -> str:
        return self.functional_phenotype or self.phenotype

    @property
    def used_score(self) -> float | None:
        return self.functional_score if self.functional_phenotype else self.activity_score


def guideline_citations(cpic: CpicDrug | None, rule: CuratedRule | None) -> list[Citation]:
    """A curated rule's own citations, else the drug's CPIC guideline (none without a PMID or URL)."""
    if rule is not None and rule.citations:
        return list(rule.citations)
    if cpic is not None and (cpic.pmids or cpic.guideline_url):
        return [cpic.citation()]
    return []


def gene_rationale(state: GeneState) -> list[str]:
    """What was called and from where, phenoconversion, and the caller's notes."""
    lines = []
    parts = (state.source or "").split("+")
    source = " + ".join(_SOURCES.get(part, part) for part in parts) if state.source else "input"
    called = f"{state.gene} {state.diplotype or 'result'} ({source}) → {state.phenotype}"
    if state.activity_score is not None:
        called += f", activity score {state.activity_score:g}"
    lines.append(called)
    if state.functional_phenotype:
        how = (
            "makes the enzyme behave as in a poor metabolizer"
            if state.inhibitor_strength == "strong"
            else "lowers the phenotype one step (integrome's rule for moderate inhibitors)"
        )
        lines.append(
            f"phenoconversion: {', '.join(state.inhibitors)} ({state.inhibitor_strength} {state.gene} "
            f"inhibitor, FDA table) {how}: functional phenotype {state.functional_phenotype}; "
            "the recommendation uses it"
        )
    if state.note:
        lines.append(state.note)
    return lines

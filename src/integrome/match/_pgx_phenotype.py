"""Diplotype → CPIC phenotype and activity score, genotype results, and phenoconversion."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from integrome.knowledge.pgx import PgxKnowledge, VariantGene
from integrome.knowledge.pgx_defs import GeneDefinition
from integrome.match._pgx_call import Candidate

__all__ = [
    "HLA_RISK_ALLELES",
    "INDETERMINATE",
    "Conversion",
    "display_diplotype",
    "phenoconvert",
    "phenotype_of",
    "phenotype_of_diplotype",
    "variant_copies",
]

INDETERMINATE = "Indeterminate"

HLA_RISK_ALLELES: dict[str, tuple[str, ...]] = {
    "HLA-A": ("*31:01",),
    "HLA-B": ("*15:02", "*57:01", "*58:01"),
}
"""HLA alleles with CPIC level A guidance (abacavir, allopurinol, carbamazepine, oxcarbazepine,
phenytoin/fosphenytoin)."""

_LADDER = (
    "Poor Metabolizer",
    "Intermediate Metabolizer",
    "Normal Metabolizer",
    "Rapid Metabolizer",
    "Ultrarapid Metabolizer",
)
_LIKELY_DOWN = {"Likely Intermediate Metabolizer": "Likely Poor Metabolizer"}


@dataclass(frozen=True)
class Conversion:
    """The functional phenotype a co-medication produces, and why."""

    phenotype: str
    score: float | None
    inhibitors: list[str]
    strength: str
    """'strong' or 'moderate' (FDA classification of the inhibitors that decided it)."""


def _hap_activity(kb: PgxKnowledge, gene: str, hap: Iterable[str]) -> float | None:
    """Activity of one haplotype; for DPYD the lowest-function variant counts (CPIC 2017)."""
    values = [kb.allele_activity.get((gene, name)) for name in hap]
    if any(v is None for v in values):
        return None
    known = [v for v in values if v is not None]
    if gene == "DPYD":
        return min(known)
    return known[0] if len(known) == 1 else None


def _variant_index(definition: GeneDefinition, rsid: str) -> int | None:
    return next((i for i, p in enumerate(definition.positions) if p.rsid == rsid), None)


def _carries(definition: GeneDefinition, index: int, name: str, variant: VariantGene) -> bool | None:
    """Whether the allele called `name` carries the variant (None: unknown name)."""
    position = definition.positions[index]
    reference = definition.reference().cells[index]
    for allele in definition.alleles:
        if allele.name == name:
            return index in allele.cells and allele.cells[index] != reference
    if variant.pharmcat_names and name.startswith(f"{variant.rsid} reference ("):
        return False
    if variant.pharmcat_names and name.startswith(f"{variant.rsid} variant (") and position.snv:
        return True
    return None


def variant_copies(kb: PgxKnowledge, gene: str, haplotypes: Sequence[Sequence[str]]) -> int | None:
    """Copies of the reported variant of a genotype-result gene (VKORC1 rs9923231) in a diplotype."""
    variant = kb.variant_genes.get(gene)
    definition = kb.definitions.get(gene)
    if variant is None or definition is None or len(haplotypes) != 2:
        return None
    index = _variant_index(definition, variant.rsid)
    if index is None:
        return None
    copies = 0
    for hap in haplotypes:
        flags = [_carries(definition, index, name, variant) for name in hap]
        if any(flag is None for flag in flags):
            return None
        copies += any(flags)
    return copies


def _variant_base(definition: GeneDefinition, index: int) -> str | None:
    reference = definition.reference().cells[index]
    for allele in definition.alleles:
        cell = allele.cells.get(index)
        if cell is not None and cell != reference and len(cell) == 1:
            return next(iter(cell))
    return None


def display_diplotype(kb: PgxKnowledge, gene: str, candidate: Candidate) -> str:
    """The diplotype as reported: PharmCAT's names for genotype-result genes, else star alleles.

    pypgx names VKORC1's alleles 'Reference' and 'rs9923231'; PharmCAT and CPIC reports say
    'rs9923231 reference (C)' and 'rs9923231 variant (T)', which is what a clinician will recognize.
    """
    variant = kb.variant_genes.get(gene)
    definition = kb.definitions.get(gene)
    if variant is None or not variant.pharmcat_names or definition is None or candidate.hap2 is None:
        return candidate.name
    index = _variant_index(definition, variant.rsid)
    copies = variant_copies(kb, gene, [candidate.hap1, candidate.hap2])
    if index is None or copies is None:
        return candidate.name
    alt = _variant_base(definition, index)
    if alt is None:
        return candidate.name
    ref_name = f"{variant.rsid} reference ({definition.positions[index].ref})"
    alt_name = f"{variant.rsid} variant ({alt})"
    return "/".join([ref_name] * (2 - copies) + [alt_name] * copies)


def phenotype_of(kb: PgxKnowledge, gene: str, candidate: Candidate) -> tuple[str, float | None]:
    """CPIC phenotype (or genotype result) and activity score (score genes only) for one diplotype."""
    variant = kb.variant_genes.get(gene)
    if variant is not None:
        if candidate.hap2 is None:
            return INDETERMINATE, None
        copies = variant_copies(kb, gene, [candidate.hap1, candidate.hap2])
        return (INDETERMINATE if copies is None else variant.results[copies]), None
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


def _one_step_down(kb: PgxKnowledge, gene: str, phenotype: str) -> str | None:
    """The next lower CPIC phenotype this gene uses (CYP2D6 has no rapid metabolizer)."""
    terms = kb.phenotype_terms.get(gene, frozenset(_LADDER))
    if phenotype in _LIKELY_DOWN:
        lower = _LIKELY_DOWN[phenotype]
        return lower if lower in terms else "Poor Metabolizer"
    if phenotype not in _LADDER or phenotype == _LADDER[0]:
        return None
    for candidate in reversed(_LADDER[: _LADDER.index(phenotype)]):
        if candidate in terms:
            return candidate
    return None


def phenoconvert(
    kb: PgxKnowledge, gene: str, phenotype: str, score: float | None, active_drugs: Iterable[str]
) -> Conversion | None:
    """The functional phenotype under the patient's active inhibitors (FDA classification).

    A strong inhibitor makes the enzyme behave as in a poor metabolizer (activity score 0 for
    score genes). A moderate inhibitor lowers the phenotype one step; the activity score of the
    converted phenotype is not defined, so it is left empty and score-based rules do not apply.
    None when no inhibitor is active or the phenotype cannot go lower.
    """
    active = set(active_drugs)
    strong = sorted(active & kb.strong_inhibitors.get(gene, frozenset()))
    if strong:
        if phenotype not in _LADDER[1:] and phenotype not in _LIKELY_DOWN:
            return None
        return Conversion("Poor Metabolizer", 0.0 if score is not None else None, strong, "strong")
    moderate = sorted(active & kb.moderate_inhibitors.get(gene, frozenset()))
    lower = _one_step_down(kb, gene, phenotype) if moderate else None
    if lower is None:
        return None
    return Conversion(lower, None, moderate, "moderate")

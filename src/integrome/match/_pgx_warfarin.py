"""Warfarin: one recommendation from CYP2C9, VKORC1 and CYP4F2 together.

CPIC's warfarin guideline (Johnson JA et al., Clin Pharmacol Ther 2017; PMID 28198005) makes no
per-gene phenotype recommendation: it asks for a validated pharmacogenetic algorithm that uses the
CYP2C9 and VKORC1 genotypes together, adjusts for CYP4F2*3, and treats African ancestry apart
(CYP2C9 *5/*6/*8/*11, rs12777823). The COUMADIN label's Table 1 gives the expected maintenance dose
for each CYP2C9 *1/*2/*3 and VKORC1 -1639G>A combination. The PatientProfile records no ancestry,
so the rationale states the African-ancestry branch with what the panel did not test.
"""

from __future__ import annotations

from collections.abc import Mapping

from integrome.knowledge.pgx import CpicDrug, PgxKnowledge, WarfarinKnowledge
from integrome.match._pgx_call import _natural
from integrome.match._pgx_phenotype import INDETERMINATE
from integrome.match._pgx_state import GeneState, gene_rationale
from integrome.model import Insight
from integrome.model.common import Severity

__all__ = ["WARFARIN", "warfarin_insight"]

WARFARIN = "warfarin"
_REDUCED = frozenset({"Intermediate Metabolizer", "Poor Metabolizer"})


def _usable(state: GeneState | None, *, needs_diplotype: bool = False) -> GeneState | None:
    """An assessed, interpretable result; CYP2C9 also needs its diplotype (the label table's key)."""
    if state is None or not state.assessed or state.phenotype == INDETERMINATE:
        return None
    return None if needs_diplotype and not state.diplotype else state


def _star_diplotype(diplotype: str) -> str:
    return "/".join(sorted((part.strip() for part in diplotype.split("/")), key=_natural))


def _label_dose(table: WarfarinKnowledge, cyp2c9: str | None, vkorc1: str | None) -> str | None:
    """The label's dose range; with one gene unknown, only when every row (column) agrees."""
    if cyp2c9 is None and vkorc1 is None:
        return None
    ranges = {
        dose
        for (column, row), dose in table.doses.items()
        if (cyp2c9 is None or column == cyp2c9) and (vkorc1 is None or row == vkorc1)
    }
    return ranges.pop() if len(ranges) == 1 else None


def _mg(dose: str) -> str:
    return dose.replace("-", "–") + " mg/day"


def warfarin_insight(
    kb: PgxKnowledge, states: Mapping[str, GeneState], rows: Mapping[str, CpicDrug | None]
) -> Insight | None:
    """The warfarin dosing insight, or None when neither the label table nor CPIC can be applied."""
    table = kb.warfarin
    vkorc1_gene = kb.variant_genes.get("VKORC1")
    cyp4f2_gene = kb.variant_genes.get("CYP4F2")
    if table is None or vkorc1_gene is None:
        return None
    cyp = _usable(states.get("CYP2C9"), needs_diplotype=True)
    vkorc1 = _usable(states.get("VKORC1"))
    cyp4f2 = _usable(states.get("CYP4F2"))
    if vkorc1 is not None and vkorc1.phenotype not in vkorc1_gene.results:
        vkorc1 = None
    diplotype = _star_diplotype(cyp.diplotype) if cyp is not None and cyp.diplotype else None
    result = vkorc1.phenotype if vkorc1 is not None else None
    dose = _label_dose(table, diplotype, result)
    if dose is None and (cyp is None or vkorc1 is None):
        return None
    poor = cyp is not None and cyp.phenotype == "Poor Metabolizer"
    sensitive = (cyp is not None and cyp.phenotype in _REDUCED) or result in vkorc1_gene.results[1:]
    lower = dose != table.usual_dose if dose is not None else sensitive
    severity: Severity = "warning" if lower or poor else "info"
    headline = "lower dose requirement" if lower else "usual dose range"

    if dose is not None:
        action = (
            "dose with a validated algorithm or consider an alternative agent (CPIC)"
            if poor
            else "calculate the dose with a validated CYP2C9/VKORC1 algorithm (CPIC)"
        )
        summary = f"Expected maintenance dose {_mg(dose)} (FDA label table); {action}."
    else:
        summary = (
            "Dose with a validated pharmacogenetic algorithm using CYP2C9 and VKORC1 (CPIC); this "
            "CYP2C9 genotype is outside the FDA label dose table."
        )

    rationale: list[str] = []
    for state in (cyp, vkorc1, cyp4f2):
        if state is not None:
            rationale.extend(gene_rationale(state))
    if dose is not None:
        rationale.append(
            f"COUMADIN label Table 1: CYP2C9 {diplotype or '(any genotype)'} with VKORC1 "
            f"{result or '(any genotype)'} → expected maintenance dose {_mg(dose)} (CYP2C9 *1/*1 with "
            f"-1639 GG: {_mg(table.usual_dose)}); ranges come from published clinical studies"
        )
    elif diplotype is not None:
        rationale.append(table.statements["outside_table"])
    rationale += [table.statements["algorithm"], table.statements["target_inr"]]
    if diplotype in table.slow_to_maximal_effect:
        rationale.append(table.statements["slow_effect"])
    if poor:
        rationale.append(table.statements["poor_metabolizer"])
    if cyp4f2 is not None and cyp4f2_gene is not None and cyp4f2.phenotype in cyp4f2_gene.results:
        carrier = cyp4f2_gene.results.index(cyp4f2.phenotype) > 0
        rationale.append(table.statements["cyp4f2_carrier" if carrier else "cyp4f2_noncarrier"])
    else:
        rationale.append("CYP4F2 not assessed: CPIC's optional CYP4F2*3 adjustment cannot be applied")
    african = table.statements["african"]
    if cyp is not None:
        untested = [a for a in table.african_ancestry_alleles if a in cyp.not_assessable]
        african += (
            f" This panel did not test CYP2C9 {', '.join(untested)}."
            if untested
            else f" CYP2C9 {', '.join(table.african_ancestry_alleles)} were tested."
        )
    rationale.append(african)

    called = [
        f"CYP2C9 {diplotype} ({cyp.phenotype.lower()})"
        if cyp is not None and diplotype
        else "CYP2C9 not tested",
        f"VKORC1 {result}" if result is not None else "VKORC1 not tested",
    ]
    levels = sorted({row.level for row in rows.values() if row is not None and row.pmids})
    return Insight(
        id="pending",
        kind="pgx",
        title=f"Warfarin: {' + '.join(called)} — {headline}",
        summary=summary,
        severity=severity,
        genes=[s.gene for s in (cyp, vkorc1, cyp4f2) if s is not None],
        drugs=[WARFARIN],
        evidence_level=f"CPIC {'/'.join(levels)}" if levels else None,
        classification="strong",
        rationale=rationale,
        citations=[table.cpic_citation, table.label_citation],
    )

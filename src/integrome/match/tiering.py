"""AMP/ASCO/CAP 2017 somatic variant tiers (Li MM et al., J Mol Diagn 2017; PMID 27993330).

Tier I is strong clinical significance: level A (FDA-approved therapy or professional guideline)
or level B (well-powered studies with expert consensus) *in this tumor type*. Tier II is potential
clinical significance: level C (FDA-approved for a different tumor type, investigational therapy,
or multiple small studies) or level D (preclinical studies, case reports). Evidence from another
tumor type is therefore never better than level C, so an approved indication elsewhere is IIC.
Tier III (variant of unknown significance) has no knowledge-base record and yields no insight.
"""

from __future__ import annotations

from collections.abc import Sequence

from integrome.model import BiomarkerRecord, PriorTherapyCheck

__all__ = ["TIER_ORDER", "assign_tier", "chemotherapy_count", "line_rank", "tier_rank"]

TIER_ORDER: tuple[str, ...] = ("IA", "IB", "IIC", "IID", "III")


def assign_tier(record: BiomarkerRecord, in_indication: bool) -> tuple[str, str]:
    """(tier, evidence level) for one record applied to this patient's tumor type.

    In the record's own tumor type the evidence level carries over (A→IA, B→IB, C→IIC, D→IID).
    Outside it (or when the tumor type is unknown) A, B and C evidence all become level C,
    tier IIC, and D stays IID (AMP/ASCO/CAP 2017, evidence levels table).
    """
    level = record.evidence_level
    if level == "D":
        return "IID", "D"
    if not in_indication or level == "C":
        return "IIC", "C"
    return ("IA", "A") if level == "A" else ("IB", "B")


def tier_rank(tier: str | None) -> int:
    """Sort key: IA first, unknown tiers last."""
    return TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER)


_LINE_ORDER = {"met": 0, "unknown": 2, "not_met": 3}
"""No requirement ranks 1: between an option whose prior therapy the patient had and one whose
prior therapy is not on record."""


_SUPERSEDED = 4
"""A first-line approval after progression on a drug of its class ranks after every other line."""


def line_rank(check: PriorTherapyCheck | None, progressed_on: Sequence[str] = ()) -> int:
    """Sort key within a tier by line of therapy: an option the patient's treatment history qualifies
    for (approved after a therapy they received) first, then options without a prior-therapy
    requirement, then those whose requirement cannot be confirmed (no medication history), then
    those approved after a therapy the record shows no trace of (a later line than the patient's),
    then first-line approvals the disease has outgrown (progression on a drug of the same class)."""
    if progressed_on:
        return _SUPERSEDED
    return 1 if check is None else _LINE_ORDER[check.status]


CYTOTOXIC_CLASSES = frozenset(
    {
        "alkylating agent",
        "anthracycline",
        "antifolate",
        "antimetabolite",
        "antitumor antibiotic",
        "fluoropyrimidine",
        "microtubule inhibitor",
        "platinum",
        "purine analog",
        "taxane",
        "thiopurine",
        "topoisomerase I inhibitor",
        "topoisomerase II inhibitor",
        "vinca alkaloid",
    }
)
"""Drug-table classes (normalize/data/drugs.tsv) of cytotoxic chemotherapy."""


def chemotherapy_count(drugs: Sequence[str]) -> int:
    """Sort key within a tier and line: how many cytotoxic drugs a regimen adds. Between options of
    equal evidence and line, a chemotherapy-free targeted regimen is read before one that adds
    chemotherapy (osimertinib before amivantamab + carboplatin + pemetrexed after an EGFR TKI): it
    spares chemotherapy toxicity, and the chemotherapy combination stays listed."""
    from integrome.normalize.drugs import drug_classes

    return sum(1 for drug in drugs if CYTOTOXIC_CLASSES.intersection(drug_classes(drug)))

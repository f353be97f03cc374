"""Order insights the way a physician should read them, then number them i1..in.

Safety comes first (a critical contraindication or a resistance to a drug the patient takes or is
about to take), then therapies from the strongest evidence down (AMP/ASCO/CAP tier IA, IB, IIC,
IID) and, within a tier, by line of therapy (an option approved after a therapy the patient had,
then options without a prior-therapy requirement, then those approved after a therapy that cannot
be confirmed or is not on record, then first-line approvals after progression on a drug of their
class: `line_rank`) and, for one gene, chemotherapy-free regimens before those adding chemotherapy
(`chemotherapy_count`), then warnings, germline findings, diagnostic and
prognostic markers, tests to order, trials, and plain information. Ties break on gene, drugs and
title so the order never depends on input order; trials keep the (deterministic) order of the trial matcher.
"""

from __future__ import annotations

from collections.abc import Iterable

from integrome.insights.tiering import tier_rank
from integrome.match.tiering import chemotherapy_count, line_rank
from integrome.model import Insight

__all__ = ["rank_insights"]

_LATER_KINDS = ("germline", "diagnostic", "prognostic", "test_recommendation", "trial")


def _group(insight: Insight) -> int:
    if insight.severity == "critical":
        return 0
    if insight.kind == "therapy":
        return 1
    if insight.severity == "warning":
        return 2
    if insight.kind in _LATER_KINDS:
        return 3 + _LATER_KINDS.index(insight.kind)
    return 3 + len(_LATER_KINDS)


def _key(
    insight: Insight, in_use: frozenset[str]
) -> tuple[int, int, int, int, tuple[str, ...], int, tuple[str, ...], str, str]:
    if insight.kind == "trial":
        # The trial matcher already orders eligible arms before near misses, then by criteria met;
        # the stable sort keeps that order inside the group.
        return (_group(insight), 0, 0, 0, (), 0, (), "", "")
    return (
        _group(insight),
        tier_rank(insight.tier),
        0 if in_use & set(insight.drugs) else 1,
        line_rank(insight.prior_therapy, insight.progressed_on),
        tuple(insight.genes),
        chemotherapy_count(insight.drugs) if insight.kind == "therapy" else 0,
        tuple(insight.drugs),
        insight.title,
        insight.kind,
    )


def rank_insights(insights: Iterable[Insight], *, in_use: Iterable[str] = ()) -> list[Insight]:
    """The insights in reading order with ids i1, i2, ... assigned in that order.

    `in_use` names the drugs the patient takes or is about to take: among options of the same tier,
    the one the care team has already chosen is read first, so a planned osimertinib is not listed
    after six alternatives of equal evidence. Line of therapy comes next: for a patient with no EGFR
    TKI on record, amivantamab + carboplatin + pemetrexed (approved after one) follows the first-line
    options of its tier; after osimertinib it leads them.
    """
    drugs = frozenset(in_use)
    ordered = sorted(insights, key=lambda insight: _key(insight, drugs))
    return [insight.model_copy(update={"id": f"i{index}"}) for index, insight in enumerate(ordered, start=1)]

"""Reading order of insights: safety first, then therapies by tier, then the rest; ids i1..in."""

from __future__ import annotations

from typing import Any

from integrome.insights.rank import rank_insights
from integrome.model import Citation, Insight

CITE = [Citation(source="PMID", id="27993330")]


def insight(title: str, kind: str = "therapy", **extra: Any) -> Insight:
    return Insight(id="", kind=kind, title=title, summary=title, citations=CITE, **extra)


def titles(insights: list[Insight]) -> list[str]:
    return [i.title for i in insights]


def test_critical_resistance_comes_before_tier_ia_therapy() -> None:
    ranked = rank_insights(
        [
            insight("therapy IA", tier="IA"),
            insight("resistance on current drug", kind="resistance", severity="critical", tier="IA"),
        ]
    )
    assert titles(ranked) == ["resistance on current drug", "therapy IA"]


def test_therapies_are_ordered_by_tier() -> None:
    ranked = rank_insights(
        [
            insight("IID", tier="IID"),
            insight("IIC", tier="IIC"),
            insight("IA", tier="IA"),
            insight("IB", tier="IB"),
        ]
    )
    assert titles(ranked) == ["IA", "IB", "IIC", "IID"]


def test_pgx_warning_comes_after_therapies_and_before_prognostic() -> None:
    ranked = rank_insights(
        [
            insight("prognostic", kind="prognostic", tier="IB"),
            insight("pgx warning", kind="pgx", severity="warning"),
            insight("therapy IID", tier="IID"),
        ]
    )
    assert titles(ranked) == ["therapy IID", "pgx warning", "prognostic"]


def test_test_recommendations_and_trials_come_after_diagnostic_markers() -> None:
    ranked = rank_insights(
        [
            insight("trial", kind="trial"),
            insight("test", kind="test_recommendation"),
            insight("diagnostic", kind="diagnostic"),
            insight("pgx info", kind="pgx"),
        ]
    )
    assert titles(ranked) == ["diagnostic", "test", "trial", "pgx info"]


def test_ties_break_on_gene_then_drugs_regardless_of_input_order() -> None:
    items = [
        insight("b", tier="IA", genes=["KRAS"], drugs=["sotorasib"]),
        insight("a", tier="IA", genes=["KRAS"], drugs=["adagrasib"]),
        insight("c", tier="IA", genes=["EGFR"], drugs=["osimertinib"]),
    ]
    assert titles(rank_insights(items)) == ["c", "a", "b"]
    assert titles(rank_insights(reversed(items))) == ["c", "a", "b"]


def test_ids_are_assigned_in_reading_order() -> None:
    ranked = rank_insights([insight("IB", tier="IB"), insight("IA", tier="IA")])
    assert [(i.id, i.title) for i in ranked] == [("i1", "IA"), ("i2", "IB")]


def test_trials_keep_the_matchers_order_eligible_before_near_miss() -> None:
    ranked = rank_insights(
        [
            insight("EXAMPLE-009: eligible", kind="trial", genes=["KRAS"]),
            insight("EXAMPLE-001: near miss", kind="trial", genes=["ALK"]),
            insight("a test", kind="test_recommendation"),
        ]
    )
    assert titles(ranked) == ["a test", "EXAMPLE-009: eligible", "EXAMPLE-001: near miss"]


def test_a_planned_drug_leads_its_tier() -> None:
    ranked = rank_insights(
        [
            insight("Afatinib for EGFR L858R", tier="IA", drugs=["afatinib"], genes=["EGFR"]),
            insight("Osimertinib for EGFR L858R", tier="IA", drugs=["osimertinib"], genes=["EGFR"]),
            insight("Erlotinib for EGFR L858R", tier="IB", drugs=["erlotinib"], genes=["EGFR"]),
        ],
        in_use=["osimertinib", "clopidogrel"],
    )
    assert titles(ranked) == [
        "Osimertinib for EGFR L858R",
        "Afatinib for EGFR L858R",
        "Erlotinib for EGFR L858R",
    ]

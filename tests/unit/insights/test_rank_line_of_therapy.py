"""Line of therapy in the reading order: within a tier, an option the treatment history qualifies
for comes first and one approved after a therapy not on record comes last (never dropped)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from integrome.insights.rank import rank_insights
from integrome.model import Citation, Insight, PriorTherapyCheck
from integrome.pipeline import RunOptions, run_analysis

CITE = [Citation(source="FDA", id="fixture label")]
CASES = Path(__file__).resolve().parents[2] / "cases"


def therapy(title: str, tier: str = "IA", status: str | None = None, **extra: Any) -> Insight:
    check = None if status is None else PriorTherapyCheck(requirement="an EGFR TKI", status=status)
    return Insight(
        id="",
        kind="therapy",
        title=title,
        summary=title,
        tier=tier,
        citations=CITE,
        prior_therapy=check,
        **extra,
    )


def titles(insights: list[Insight]) -> list[str]:
    return [i.title for i in insights]


def test_within_a_tier_met_leads_then_no_requirement_then_unknown_then_not_met() -> None:
    ranked = rank_insights(
        [
            therapy("a not met", status="not_met"),
            therapy("b unknown", status="unknown"),
            therapy("c first line"),
            therapy("d met", status="met"),
        ]
    )
    assert titles(ranked) == ["d met", "c first line", "b unknown", "a not met"]


def test_line_of_therapy_never_lifts_an_option_above_a_stronger_tier() -> None:
    ranked = rank_insights([therapy("IB first line", tier="IB"), therapy("IA not met", status="not_met")])
    assert titles(ranked) == ["IA not met", "IB first line"]


def test_the_drug_the_care_team_chose_leads_before_line_of_therapy() -> None:
    ranked = rank_insights(
        [therapy("post-TKI met", status="met"), therapy("planned", drugs=["osimertinib"])],
        in_use=["osimertinib"],
    )
    assert titles(ranked) == ["planned", "post-TKI met"]


def _therapies(case: str) -> list[dict[str, Any]]:
    folder = CASES / case
    inputs = sorted(p for p in folder.iterdir() if p.is_file() and p.name != "expected.json")
    analysis = json.loads(run_analysis(inputs, options=RunOptions(deterministic=True)).to_json())
    return [i for i in analysis["insights"] if i["kind"] == "therapy"]


@pytest.mark.parametrize(
    ("case", "first", "post_tki_status"),
    [
        ("38-luad-egfr-l858r-after-osimertinib", ["amivantamab", "carboplatin", "pemetrexed"], "met"),
        ("39-luad-egfr-l858r-treatment-naive", ["osimertinib"], "not_met"),
    ],
)
def test_case_reads_the_option_of_the_patients_line_first(
    case: str, first: list[str], post_tki_status: str
) -> None:
    therapies = _therapies(case)
    assert therapies[0]["drugs"] == first
    (post_tki,) = [i for i in therapies if i["drugs"] == ["amivantamab", "carboplatin", "pemetrexed"]]
    assert post_tki["prior_therapy"]["status"] == post_tki_status
    if post_tki_status == "not_met":
        tier_ia = [i for i in therapies if i["tier"] == "IA"]
        assert tier_ia[-1] is post_tki
        assert len(tier_ia) > 2


def test_chemotherapy_free_regimen_leads_a_chemotherapy_combination_of_the_same_tier_and_line() -> None:
    ranked = rank_insights(
        [
            therapy(
                "Amivantamab + carboplatin + pemetrexed for EGFR L858R",
                status="met",
                genes=["EGFR"],
                drugs=["amivantamab", "carboplatin", "pemetrexed"],
            ),
            therapy("Osimertinib for EGFR T790M", status="met", genes=["EGFR"], drugs=["osimertinib"]),
        ]
    )
    assert titles(ranked) == [
        "Osimertinib for EGFR T790M",
        "Amivantamab + carboplatin + pemetrexed for EGFR L858R",
    ]


def test_regimens_without_chemotherapy_keep_their_drug_order() -> None:
    ranked = rank_insights(
        [
            therapy("Dabrafenib + trametinib", genes=["BRAF"], drugs=["dabrafenib", "trametinib"]),
            therapy("Dabrafenib", genes=["BRAF"], drugs=["dabrafenib"]),
        ]
    )
    assert titles(ranked) == ["Dabrafenib", "Dabrafenib + trametinib"]


def test_first_line_option_after_progression_on_its_class_ranks_last_in_its_tier() -> None:
    ranked = rank_insights(
        [
            therapy("Erlotinib", genes=["EGFR"], drugs=["erlotinib"], progressed_on=["osimertinib"]),
            therapy("Post-TKI not met", status="not_met", genes=["EGFR"], drugs=["x"]),
            therapy("Amivantamab chemo", status="met", genes=["EGFR"], drugs=["amivantamab"]),
            therapy("Tier IIC", tier="IIC", genes=["EGFR"], drugs=["y"]),
        ]
    )
    assert titles(ranked) == ["Amivantamab chemo", "Post-TKI not met", "Erlotinib", "Tier IIC"]

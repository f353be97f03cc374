"""AMP/ASCO/CAP 2017 tiers from a record's evidence level and the patient's tumor type."""

from __future__ import annotations

import pytest

from integrome.insights.tiering import assign_tier, tier_rank
from integrome.model import Alteration, BiomarkerRecord, Citation


def record(level: str) -> BiomarkerRecord:
    return BiomarkerRecord(
        id=f"test-erbb2-amp-{level}",
        gene="ERBB2",
        alteration=Alteration(type="amplification"),
        label="ERBB2 amplification",
        diseases=["BREAST"],
        drugs=["trastuzumab"],
        direction="sensitivity",
        evidence_level=level,
        fda_approved=level == "A",
        statement="Test record.",
        citations=[Citation(source="FDA", id="HERCEPTIN (trastuzumab) label")],
        reviewed="2026-11-01",
    )


def test_level_a_in_approved_tumor_type_is_tier_ia() -> None:
    assert assign_tier(record("A"), in_indication=True) == ("IA", "A")


def test_same_level_a_record_outside_its_tumor_type_is_tier_iic() -> None:
    assert assign_tier(record("A"), in_indication=False) == ("IIC", "C")


def test_level_b_in_tumor_type_is_tier_ib() -> None:
    assert assign_tier(record("B"), in_indication=True) == ("IB", "B")


def test_level_b_in_another_tumor_type_is_tier_iic() -> None:
    assert assign_tier(record("B"), in_indication=False) == ("IIC", "C")


@pytest.mark.parametrize("in_indication", [True, False])
def test_level_c_is_tier_iic_anywhere(in_indication: bool) -> None:
    assert assign_tier(record("C"), in_indication) == ("IIC", "C")


@pytest.mark.parametrize("in_indication", [True, False])
def test_level_d_is_tier_iid_anywhere(in_indication: bool) -> None:
    assert assign_tier(record("D"), in_indication) == ("IID", "D")


def test_tier_rank_orders_ia_before_iid_and_unknown_last() -> None:
    tiers = [None, "IID", "IA", "IIC", "IB"]
    assert sorted(tiers, key=tier_rank) == ["IA", "IB", "IIC", "IID", None]

"""Result grades shared by every reader that states a biomarker status, so a FHIR Observation, a
clinical note and a TMB computed from the variants grade the same number the same way."""

from __future__ import annotations

from typing import Literal

__all__ = ["TMB_HIGH", "tmb_status"]

TMB_HIGH = 10.0
"""Mutations per megabase from which tumour mutational burden is high."""


def tmb_status(mut_per_mb: float) -> Literal["positive", "negative"]:
    """TMB-high (positive) at >= 10 mutations/megabase, the threshold of the KEYTRUDA label's TMB-H
    indication (FDA 2020, FoundationOne CDx); below it negative."""
    return "positive" if mut_per_mb >= TMB_HIGH else "negative"

"""The public result document, schema `integrome.analysis/1` (ARCHITECTURE.md).

Other tools read this JSON: fields may be added, never renamed or removed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from integrome.model.common import Citation, DateTimeStr, GeneSymbol, Severity, StrictModel
from integrome.model.patient import (
    CopyNumberSegment,
    ExpressionMeasurement,
    Finding,
    InputDocument,
    OmicsLayer,
    Patient,
)

__all__ = [
    "NOT_ASSESSED",
    "SCHEMA",
    "Analysis",
    "Insight",
    "InsightKind",
    "LayerConcordance",
    "LayerEvidence",
    "PgxResult",
    "PriorTherapyCheck",
    "TestOption",
]

SCHEMA = "integrome.analysis/1"

InsightKind = Literal[
    "therapy",
    "resistance",
    "pgx",
    "contraindication",
    "test_recommendation",
    "germline",
    "trial",
    "diagnostic",
    "prognostic",
]

NOT_ASSESSED = "Not assessed"


class PgxResult(StrictModel):
    """One pharmacogene: what was called, what it means, and what could not be assessed."""

    gene: GeneSymbol
    diplotype: str | None = None
    phenotype: str = Field(description="CPIC term, or 'Not assessed' — never a silent 'Normal'")
    activity_score: float | None = None
    assessed: bool
    missing_positions: list[str] = Field(default=[], description="chr:pos (rsID) absent from the input")
    alternatives: list[str] = Field(default=[], description="other diplotypes consistent with unphased data")
    source: str | None = Field(default=None, description="vcf, fhir, outside_call")
    functional_phenotype: str | None = Field(
        default=None, description="phenotype after phenoconversion by a co-medication, when different"
    )
    note: str | None = None


class TestOption(StrictModel):
    """A catalog test that would close some of the patient's gaps (filled by the gaps matcher)."""

    __test__ = False  # a catalog test, not a pytest test class

    test_id: str
    name: str
    provider: str
    covers: list[str]
    turnaround_days: int | None = None
    companion_diagnostic: bool = False
    closes: int | None = Field(default=None, description="how many of the recommendation's gaps it closes")
    of: int | None = Field(default=None, description="how many gaps the recommendation has")
    turnaround_max_days: int | None = Field(default=None, description="upper end of a turnaround range")
    method: str | None = Field(default=None, description="ngs_panel, liquid_biopsy, ihc, fish, pcr, ...")
    companion_drugs: list[str] = Field(default=[], description="drugs it is an FDA companion diagnostic for")
    example: bool = Field(default=False, description="fictional test of the example catalog")


class PriorTherapyCheck(StrictModel):
    """Whether the medication history meets the prior therapy an FDA indication requires: the line of
    therapy the approval belongs to ('approved after an EGFR TKI')."""

    requirement: str = Field(description="what the label requires first, e.g. 'an EGFR TKI'")
    status: Literal["met", "not_met", "unknown"] = Field(
        description="met: a recorded drug (taken now or before) satisfies it; not_met: the medication "
        "list has none; unknown: the inputs hold no medication history"
    )
    received: list[str] = Field(default=[], description="the patient's drugs that satisfy it (generic names)")
    missing: list[str] = Field(default=[], description="parts of the requirement no recorded drug satisfies")


class Insight(StrictModel):
    """One actionable statement for the physician, with why and where it comes from."""

    id: str
    kind: InsightKind
    title: str
    summary: str = Field(max_length=140)
    severity: Severity = "info"
    genes: list[GeneSymbol] = []
    drugs: list[str] = Field(default=[], description="lowercase generic names; a combination lists all")
    tests: list[str] = []
    tier: str | None = Field(default=None, description="AMP/ASCO/CAP 2017 tier: IA, IB, IIC, IID, III")
    evidence_level: str | None = Field(default=None, description="A-D (AMP) or CPIC level/strength")
    rationale: list[str] = []
    finding_ids: list[str] = []
    citations: list[Citation] = Field(min_length=1)
    classification: str | None = Field(default=None, description="CPIC strength: strong, moderate, optional")
    alternatives: list[str] = Field(default=[], description="alternative drugs (lowercase generic)")
    options: list[TestOption] = Field(default=[], description="catalog tests for a test recommendation")
    urgency: Literal["routine", "soon", "urgent"] | None = None
    specimen: str | None = None
    prior_therapy: PriorTherapyCheck | None = Field(
        default=None, description="for a therapy approved only after another therapy: did the patient have it"
    )
    progressed_on: list[str] = Field(
        default=[],
        description="for a first-line approval: drugs of the same class, aimed at the same gene, on which "
        "the disease progressed (generic names); the option is then not the patient's line and ranks last "
        "in its tier",
    )

    @field_validator("drugs", "alternatives")
    @classmethod
    def _lowercase_drugs(cls, value: list[str]) -> list[str]:
        for name in value:
            if name != name.lower():
                raise ValueError(f"drug names are lowercase generic names, got {name!r}")
        return value


class LayerEvidence(StrictModel):
    """What one omics layer says about a gene or biomarker."""

    layer: OmicsLayer
    result: str = Field(description="'ERBB2 amplification (copy number 12)', 'HER2 IHC 2+', 'TPM 0.2'")
    supports: bool | None = Field(
        default=None, description="True when it supports the alteration, False when it argues against it"
    )
    finding_id: str | None = None


class LayerConcordance(StrictModel):
    """Agreement between DNA, RNA and protein results for one gene (concordance is evidence,
    discordance is a flag for the physician)."""

    gene: GeneSymbol
    topic: str = Field(description="what is compared, e.g. 'ERBB2 amplification / HER2 overexpression'")
    verdict: Literal["concordant", "discordant", "partial"]
    layers: list[LayerEvidence]
    note: str
    citations: list[Citation] = []


class Analysis(StrictModel):
    """The result of `analyze(profile, kb)`: deterministic for the same profile and KB version."""

    schema_: Literal["integrome.analysis/1"] = Field(default="integrome.analysis/1", alias="schema")
    kb_version: str
    generated_at: DateTimeStr
    patient: Patient
    findings: list[Finding] = []
    pgx: list[PgxResult] = []
    insights: list[Insight] = []
    warnings: list[str] = []
    inputs: list[InputDocument] = []
    segments: list[CopyNumberSegment] = Field(default=[], description="copy-number segments, for plotting")
    expression: list[ExpressionMeasurement] = Field(default=[], description="RNA and protein levels")
    concordance: list[LayerConcordance] = Field(default=[], description="agreement across omics layers")

    model_config = StrictModel.model_config | {"populate_by_name": True}

    def to_json(self) -> str:
        """The contract JSON (2-space indent, `schema` key, no nulls dropped)."""
        return self.model_dump_json(by_alias=True, indent=2)

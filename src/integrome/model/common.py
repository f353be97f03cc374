"""Shared value types: the strict base model, codes, citations and enumerations.

Every model is `strict`, forbids unknown fields and is frozen, so a typo in a producer or a
hand-written JSON file fails loudly instead of silently dropping data (vrs-python's lesson,
taken one step further).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

__all__ = [
    "Build",
    "Citation",
    "Coding",
    "DateStr",
    "DateTimeStr",
    "GeneSymbol",
    "Origin",
    "Severity",
    "Source",
    "StrictModel",
    "Zygosity",
]


class StrictModel(BaseModel):
    """Base for every integrome model: strict types, no unknown fields, immutable."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


DateStr = Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]
"""An ISO-8601 date, possibly partial (FHIR allows YYYY and YYYY-MM)."""

DateTimeStr = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")]
"""A UTC timestamp written with a trailing Z."""

GeneSymbol = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9\-\.@/]*$", max_length=40)]
"""An HGNC-style gene symbol (normalized to the current approved symbol by `normalize/`)."""

Build = Literal["GRCh38", "GRCh37"]
Origin = Literal["somatic", "germline", "unknown"]
Zygosity = Literal["heterozygous", "homozygous", "hemizygous", "unknown"]
Severity = Literal["info", "warning", "critical"]
Source = Literal["vcf", "maf", "fhir", "phenopacket", "notes", "outside_call", "table"]
"""Where a fact about the patient came from (`table`: CNV/fusion/expression tables)."""


class Coding(StrictModel):
    """A code from a terminology (FHIR Coding without version)."""

    system: str = Field(description="Terminology URI or short name, e.g. http://loinc.org")
    code: str
    display: str | None = None


class Citation(StrictModel):
    """The public source of a medical fact: FDA label, CPIC guideline, PMID, named guideline."""

    source: str = Field(description="FDA, CPIC, DPWG, PMID, NCCN, ESMO, ASCO/CAP, CIViC, ...", min_length=1)
    id: str = Field(description="Identifier within the source, e.g. PMID number or label name", min_length=1)
    url: str | None = None

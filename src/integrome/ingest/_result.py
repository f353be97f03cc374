"""The parts of a patient profile that one input file contributes."""

from __future__ import annotations

from dataclasses import dataclass, field

from integrome.model import (
    Coding,
    CopyNumberSegment,
    Coverage,
    Diagnosis,
    ExpressionMeasurement,
    Finding,
    GenotypeCall,
    InputDocument,
    LabObservation,
    Medication,
    SiteGenotype,
)

__all__ = ["IngestResult", "PatientFacts"]


@dataclass(frozen=True)
class PatientFacts:
    """Demographics one input states about the patient (None = not stated)."""

    id: str | None = None
    sex: str | None = None
    birth_date: str | None = None
    reference: str | None = None
    """The FHIR record's `Patient/<resource id>`, when the input is a FHIR record."""


@dataclass
class IngestResult:
    """What one input file yields. Finding ids are provisional; `load_inputs` renumbers them.

    `warnings` are one-line messages that already name the file and place ("notes.txt:line 4: ...").
    """

    document: InputDocument
    patient: PatientFacts = field(default_factory=PatientFacts)
    diagnoses: list[Diagnosis] = field(default_factory=list)
    medications: list[Medication] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    genotypes: list[GenotypeCall] = field(default_factory=list)
    sites: list[SiteGenotype] = field(default_factory=list)
    observations: list[LabObservation] = field(default_factory=list)
    phenotypes: list[Coding] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    structural_records: int = 0
    """VCF records with symbolic or breakend ALT alleles left for the structural-variant reader."""
    segments: list[CopyNumberSegment] = field(default_factory=list)
    expression: list[ExpressionMeasurement] = field(default_factory=list)

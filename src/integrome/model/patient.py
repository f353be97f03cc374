"""What integrome knows about one patient after ingest and normalization.

A `PatientProfile` is the versioned document between the input stages and `analyze`: it can be
written to JSON, inspected and fed back in (PharmCAT's staged-pipeline lesson). Findings are a
discriminated union on `kind`, so each later omics layer adds one class without touching others.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from integrome.model.common import (
    Build,
    Coding,
    DateStr,
    GeneSymbol,
    Origin,
    Source,
    StrictModel,
    Zygosity,
)

__all__ = [
    "BiomarkerFinding",
    "CopyNumberFinding",
    "Coverage",
    "Diagnosis",
    "Finding",
    "FusionFinding",
    "GenotypeCall",
    "InputDocument",
    "LabObservation",
    "Medication",
    "MedicationStatus",
    "NegativeFinding",
    "Patient",
    "PatientProfile",
    "SiteGenotype",
    "VariantFinding",
]

MedicationStatus = Literal["active", "planned", "stopped"]


class Diagnosis(StrictModel):
    """A coded or free-text diagnosis; `oncotree` is filled by normalization when it maps."""

    system: str = Field(description="icd-10-cm, snomedct, doid, oncotree, text, hpo ...")
    code: str
    display: str
    oncotree: str | None = None
    source: Source = "fhir"
    stage: str | None = Field(
        default=None, description="stage as recorded (FHIR Condition.stage summary), e.g. 'Stage IVB'"
    )


class Medication(StrictModel):
    """A drug the patient takes, has taken, or is planned to take."""

    name: str = Field(description="lowercase generic name (ingredient)")
    rxnorm: str | None = Field(default=None, description="RxNorm ingredient code")
    status: MedicationStatus
    text: str | None = Field(default=None, description="the original wording, for the report")
    source: Source = "fhir"


class Patient(StrictModel):
    id: str
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    birth_date: DateStr | None = None
    diagnoses: list[Diagnosis] = []
    medications: list[Medication] = []


class _FindingBase(StrictModel):
    id: str = Field(description="stable within one analysis: f1, f2, ... after sorting")
    source: Source
    origin: Origin = "unknown"
    provenance: str | None = Field(
        default=None, description="file and place the finding came from, e.g. tumor.vcf:line 52"
    )


class VariantFinding(_FindingBase):
    """A small variant (SNV/indel) with whatever annotation the input carried."""

    kind: Literal["variant"] = "variant"
    gene: GeneSymbol | None = None
    hgvs_c: str | None = None
    hgvs_p: str | None = Field(default=None, description="three-letter HGVS protein change, p.Leu858Arg")
    chrom: str | None = None
    pos: int | None = None
    ref: str | None = None
    alt: str | None = None
    build: Build | None = None
    zygosity: Zygosity = "unknown"
    vaf: float | None = Field(default=None, ge=0.0, le=1.0)
    depth: int | None = None
    consequence: str | None = Field(default=None, description="Sequence Ontology term, e.g. missense_variant")
    exon: int | None = None
    annotation: Literal["input", "knowledge_base", "none"] = Field(
        default="input",
        description="where gene/HGVS came from: the input's own annotation, a knowledge-base genomic key, "
        "or nowhere (the variant stayed unannotated)",
    )


class CopyNumberFinding(_FindingBase):
    kind: Literal["copy_number"] = "copy_number"
    gene: GeneSymbol
    call: Literal["amplification", "gain", "loss", "deep_deletion", "neutral"]
    copy_number: float | None = None


class FusionFinding(_FindingBase):
    kind: Literal["fusion"] = "fusion"
    gene: GeneSymbol = Field(description="the actionable partner when known, else the 5' gene")
    partner: GeneSymbol | None = None
    five_prime: GeneSymbol | None = None
    three_prime: GeneSymbol | None = None
    in_frame: bool | None = None


class BiomarkerFinding(_FindingBase):
    """A non-variant biomarker result: IHC, MSI/MMR, TMB, PD-L1, expression or protein level."""

    kind: Literal["biomarker"] = "biomarker"
    biomarker: str = Field(description="canonical name: HER2, ER, PR, PD-L1, MSI, MMR, TMB, ALK, ...")
    gene: GeneSymbol | None = None
    method: str | None = Field(default=None, description="IHC, ISH, NGS, PCR, computed ...")
    scoring: str | None = Field(default=None, description="scheme: IHC 0-3+, TPS, CPS, % nuclei, mut/Mb")
    value: str = Field(description="the result as reported, e.g. '3+', '20%', 'MSI-H'")
    numeric: float | None = None
    unit: str | None = None
    status: Literal["positive", "negative", "equivocal", "low", "unknown"] = Field(
        description="positive = the biomarker is present/high (HER2 3+, MSI-H, dMMR, TMB-H)"
    )


class NegativeFinding(_FindingBase):
    """A test that was done and found nothing: 'no KRAS mutation', 'ALK negative'.

    Kept apart from absence of data so that gaps can tell "tested negative" from "not covered".
    """

    kind: Literal["negative"] = "negative"
    gene: GeneSymbol
    alteration: str = Field(default="any", description="what was excluded: any, mutation, fusion, V600E ...")
    method: str | None = None


Finding = Annotated[
    VariantFinding | CopyNumberFinding | FusionFinding | BiomarkerFinding | NegativeFinding,
    Field(discriminator="kind"),
]


class GenotypeCall(StrictModel):
    """A pharmacogene result given by the record or an outside caller (CYP2D6, HLA, UGT1A1*28)."""

    gene: GeneSymbol
    diplotype: str | None = Field(default=None, description="e.g. *28/*28")
    allele: str | None = Field(default=None, description="a single tested allele, e.g. *57:01")
    present: bool | None = Field(default=None, description="for allele presence tests (HLA-B*57:01)")
    phenotype: str | None = Field(default=None, description="a phenotype stated by the source, if any")
    activity_score: float | None = None
    source: Source
    provenance: str | None = None


class SiteGenotype(StrictModel):
    """A germline genotype at one position of interest, including explicit reference (0/0) calls.

    Present means assessed; a position absent from the VCF is simply not in the list.
    """

    chrom: str
    pos: int
    ref: str
    alts: list[str] = []
    alleles: list[str | None] = Field(description="called alleles as bases; None for a no-call ('.')")
    phased: bool = False
    build: Build = "GRCh38"
    filter_pass: bool = True


class Coverage(StrictModel):
    """What one genomic input could have detected, for 'not covered' versus 'tested negative'."""

    input: str
    assay: Literal["vcf", "maf", "fhir", "notes", "phenopacket", "table"]
    origin: Origin = "unknown"
    genes: list[GeneSymbol] | None = Field(
        default=None, description="genes covered; None = unknown (e.g. whole-genome or no target list)"
    )
    build: Build | None = None


class LabObservation(StrictModel):
    """A laboratory or clinical observation not interpreted as a biomarker (kept for the report)."""

    code: Coding | None = None
    text: str
    value: str | None = None
    numeric: float | None = None
    unit: str | None = None
    date: DateStr | None = None


class InputDocument(StrictModel):
    name: str = Field(description="file name as given (no directories, to avoid leaking paths)")
    format: Literal["fhir", "phenopacket", "vcf", "bcf", "maf", "notes", "outside_calls"]
    sha256: str
    size: int
    role: Origin = "unknown"


class PatientProfile(StrictModel):
    """Everything ingested for one patient, normalized, ready for `analyze`."""

    schema_: Literal["integrome.profile/1"] = Field(default="integrome.profile/1", alias="schema")
    patient: Patient
    findings: list[Finding] = []
    genotypes: list[GenotypeCall] = []
    sites: list[SiteGenotype] = []
    observations: list[LabObservation] = []
    phenotypes: list[Coding] = []
    coverage: list[Coverage] = []
    inputs: list[InputDocument] = []
    warnings: list[str] = []

    model_config = StrictModel.model_config | {"populate_by_name": True}

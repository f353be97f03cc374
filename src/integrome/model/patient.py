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
    "CopyNumberSegment",
    "Coverage",
    "Diagnosis",
    "ExpressionMeasurement",
    "Finding",
    "FusionFinding",
    "GenotypeCall",
    "InputDocument",
    "InputFormat",
    "LabObservation",
    "Medication",
    "MedicationStatus",
    "NegativeFinding",
    "OmicsLayer",
    "Patient",
    "PatientProfile",
    "SiteGenotype",
    "VariantFinding",
]

MedicationStatus = Literal["active", "planned", "stopped"]

OmicsLayer = Literal["dna", "rna", "protein"]
"""The molecule a result was measured on, so concordance across layers can be judged."""


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
    setting: Literal["adjuvant", "neoadjuvant"] | None = Field(
        default=None, description="perioperative setting the record states (FHIR reasonCode)"
    )
    stop_reason: Literal["completed", "progression", "intolerance"] | None = Field(
        default=None,
        description="why a stopped drug ended: the record's status reason, else 'completed' for a course the "
        "record marks completed; None when it does not say",
    )
    ended: DateStr | None = Field(default=None, description="when it ended (FHIR effectivePeriod.end)")


class Patient(StrictModel):
    id: str
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    birth_date: DateStr | None = None
    diagnoses: list[Diagnosis] = []
    medications: list[Medication] = []
    record_reference: str | None = Field(
        default=None,
        description="the FHIR record's own reference to this patient (Patient/<resource id>); `id` may be "
        "an MRN, so FHIR output points back to the record with this",
    )


class _FindingBase(StrictModel):
    id: str = Field(description="stable within one analysis: f1, f2, ... after sorting")
    source: Source
    origin: Origin = "unknown"
    provenance: str | None = Field(
        default=None, description="file and place the finding came from, e.g. tumor.vcf:line 52"
    )
    omics_layer: OmicsLayer | None = Field(
        default=None, description="dna, rna or protein when the input says which molecule was measured"
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
    intron: int | None = Field(
        default=None,
        description="intron number in the annotated transcript (VEP INTRON, SnpEff Rank of an intronic "
        "effect): where a splice-site variant lies, e.g. 13 for the MET exon 14 splice acceptor",
    )
    label: str | None = Field(
        default=None,
        description="the conventional name a report uses instead of an HGVS change: 'ITD' (FLT3 internal "
        "tandem duplication), 'TKD' (FLT3 tyrosine kinase domain mutation)",
    )
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
    log2_ratio: float | None = Field(default=None, description="segment or gene log2 copy ratio, if given")
    basis: str | None = Field(
        default=None, description="the threshold rule that made the call, e.g. 'CN 12 >= 2.5 x ploidy 2'"
    )


class FusionFinding(_FindingBase):
    kind: Literal["fusion"] = "fusion"
    gene: GeneSymbol = Field(description="the actionable partner when known, else the 5' gene")
    partner: GeneSymbol | None = None
    five_prime: GeneSymbol | None = None
    three_prime: GeneSymbol | None = None
    in_frame: bool | None = None
    five_prime_breakpoint: str | None = Field(default=None, description="chr2:42295554 (as reported)")
    three_prime_breakpoint: str | None = None
    supporting_reads: int | None = Field(default=None, description="junction + spanning reads, as reported")
    kinase_domain_retained: bool | None = Field(
        default=None, description="False when the orientation leaves the kinase/functional domain out"
    )
    caller: str | None = Field(default=None, description="STAR-Fusion, Arriba, VCF SV, ...")


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


class CopyNumberSegment(StrictModel):
    """One segment of a copy-number profile, kept for the genome-wide plot."""

    chrom: str = Field(description="chr1..chr22, chrX, chrY")
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    build: Build | None = None
    log2_ratio: float | None = None
    copy_number: float | None = None
    input: str = Field(description="file name the segment came from")


class ExpressionMeasurement(StrictModel):
    """One gene's RNA or protein level, against a reference distribution when one was given.

    Kept apart from findings: a level is a measurement; it becomes evidence only through
    concordance with other layers or as an outlier call.
    """

    gene: GeneSymbol
    layer: Literal["rna", "protein"]
    value: float
    unit: str = Field(description="TPM, FPKM, counts, log2 ratio, normalized intensity ...")
    call: Literal["high", "low", "not_expressed", "within_range", "not_assessed"]
    z_score: float | None = Field(default=None, description="robust z of log2(value+1) against the reference")
    percentile: float | None = Field(default=None, ge=0.0, le=100.0)
    reference_median: float | None = None
    reference: str | None = Field(default=None, description="what the patient was compared with")
    provenance: str | None = None


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
    source: Source = Field(
        default="vcf",
        description="vcf (a called record), or fhir (a Genomics Reporting variant Observation with a "
        "genomic position and allelic state: it asserts only the positions it lists)",
    )
    provenance: str | None = Field(
        default=None,
        description="where the genotype was stated: the input file, and for FHIR the resource "
        "('bundle.json#Observation/obs-2'); inputs stating the same genotype joined by '; also '",
    )
    conflict: bool = Field(
        default=False,
        description="true for the no-call ingest makes where inputs state different genotypes (the "
        "provenance names them): the PGx caller reports the gene Indeterminate rather than calling "
        "it from its other positions; a single input's './.' is not a conflict",
    )


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


InputFormat = Literal[
    "fhir",
    "phenopacket",
    "vcf",
    "bcf",
    "maf",
    "notes",
    "outside_calls",
    "copy_number",
    "fusions",
    "expression",
    "proteomics",
    "signatures",
]
"""Every input format integrome detects by content (ingest.detect) and records per input file."""


class InputDocument(StrictModel):
    name: str = Field(description="file name as given (no directories, to avoid leaking paths)")
    format: InputFormat
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
    segments: list[CopyNumberSegment] = Field(default=[], description="copy-number segments, for plotting")
    expression: list[ExpressionMeasurement] = Field(default=[], description="RNA and protein levels")

    model_config = StrictModel.model_config | {"populate_by_name": True}

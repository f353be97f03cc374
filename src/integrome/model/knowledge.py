"""Typed knowledge-base records: what a biomarker means for which drugs in which diseases.

The curated YAML in `knowledge/data/` is validated into these classes at load, so a malformed or
uncited record stops the load with a `KnowledgeBaseError` naming the file and record.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from integrome.model.common import Build, Citation, DateStr, GeneSymbol, StrictModel

__all__ = [
    "AbsentAlteration",
    "Alteration",
    "AlterationType",
    "BiomarkerRecord",
    "Direction",
    "EvidenceLevel",
    "HotspotVariant",
    "PriorTherapy",
]

AlterationType = Literal[
    "protein_change",
    "codon",
    "exon_deletion",
    "exon_insertion",
    "exon_mutation",
    "exon_skipping",
    "any_mutation",
    "loss_of_function",
    "amplification",
    "deletion",
    "fusion",
    "biomarker",
]
"""How a record's biomarker is recognized in a patient's findings.

protein_change: exact changes in `values` (one-letter, no 'p.': V600E, E746_A750del)
codon: any missense change at `codons` (minus `exclude_values`)
exon_deletion / exon_insertion: in-frame deletion / insertion within `exons`
exon_mutation: any protein-altering change within `exons`
exon_skipping: splice-site or RNA evidence of skipping `exons` (MET exon 14)
any_mutation: any protein-altering change in the gene
loss_of_function: truncating change (nonsense, frameshift, canonical splice, start loss, deep deletion)
amplification / deletion: copy-number amplification / deep deletion
fusion: a fusion involving the gene (with one of `partners` when given)
biomarker: a non-variant biomarker (`biomarker` name) with `status`, `levels` or a numeric range
"""

Direction = Literal["sensitivity", "resistance", "diagnostic", "prognostic"]
EvidenceLevel = Literal["A", "B", "C", "D"]
"""AMP/ASCO/CAP 2017 levels: A FDA-approved or guideline in this tumor type; B well-powered
studies with expert consensus; C FDA-approved in another tumor type, or multiple small studies;
D preclinical or case reports."""


class Alteration(StrictModel):
    type: AlterationType
    values: list[str] = Field(default=[], description="protein changes, one-letter without 'p.'")
    exclude_values: list[str] = []
    codons: list[int] = []
    exons: list[int] = []
    partners: list[GeneSymbol] = []
    biomarker: str | None = Field(default=None, description="HER2, ER, PR, PD-L1, MSI, MMR, TMB, ...")
    status: Literal["positive", "negative", "equivocal", "low"] | None = None
    levels: list[str] = Field(default=[], description="accepted reported levels, e.g. ['3+']")
    scoring: str | None = Field(default=None, description="TPS, CPS, IHC 0-3+, mut/Mb ...")
    min_value: float | None = None
    max_value: float | None = None
    origin: Literal["somatic", "germline", "any"] = "any"

    @model_validator(mode="after")
    def _complete(self) -> Alteration:
        needs = {
            "protein_change": bool(self.values),
            "codon": bool(self.codons),
            "exon_deletion": bool(self.exons),
            "exon_insertion": bool(self.exons),
            "exon_mutation": bool(self.exons),
            "exon_skipping": bool(self.exons),
            "biomarker": self.biomarker is not None,
        }
        if not needs.get(self.type, True):
            raise ValueError(f"alteration type {self.type!r} needs its values/codons/exons/biomarker")
        return self


class AbsentAlteration(StrictModel):
    """An alteration that must NOT be present for a record to apply.

    Labels limit some indications to tumors without another driver: KEYTRUDA's and LIBTAYO's
    first-line NSCLC indications require no EGFR or ALK (LIBTAYO: nor ROS1) genomic aberration.
    Others are limited to a receptor status: PIQRAY's, TRUQAP's and ITOVEBI's breast cancer
    indications are HR-positive, HER2-negative, so HER2 positivity on record demotes them.
    """

    gene: GeneSymbol | None = None
    alteration: Alteration
    label: str = Field(description="how reports name it: 'EGFR sensitizing mutation'")
    when_found: Literal["withhold", "demote"] = Field(
        default="withhold",
        description="withhold: the record is not listed (a warning says why); demote: it is listed as "
        "off-label for this patient (tier IIC) with a line saying why, for indications limited to a "
        "receptor status ('HER2-negative')",
    )
    requirement: str | None = Field(
        default=None, description="the label's limit in its own terms, for demote: 'HER2-negative disease'"
    )

    @model_validator(mode="after")
    def _gene_unless_biomarker(self) -> AbsentAlteration:
        if self.gene is None and self.alteration.type != "biomarker":
            raise ValueError("only 'biomarker' alterations may omit the gene")
        if self.when_found == "demote" and self.requirement is None:
            raise ValueError("a demoting limit states the label's requirement ('HER2-negative disease')")
        return self


class PriorTherapy(StrictModel):
    """A therapy an FDA indication requires the patient to have received first (line of therapy).

    RYBREVANT with carboplatin and pemetrexed is indicated after progression on an EGFR tyrosine
    kinase inhibitor: met by any drug named in `drugs` or belonging to one of `classes` (the drug
    classes of the packaged drug table, checked at knowledge-base load).
    """

    label: str = Field(description="how the label names it: 'an EGFR tyrosine kinase inhibitor'")
    drugs: list[str] = Field(default=[], description="lowercase generic names; any one of them")
    classes: list[str] = Field(default=[], description="drug classes, e.g. 'EGFR TKI'; any drug of them")

    @model_validator(mode="after")
    def _names_a_therapy(self) -> PriorTherapy:
        if not self.drugs and not self.classes:
            raise ValueError("a prior therapy names at least one drug or drug class")
        for name in self.drugs:
            if name != name.lower():
                raise ValueError(f"drug names are lowercase generic names, got {name!r}")
        return self


class BiomarkerRecord(StrictModel):
    """One cited statement: this alteration in these diseases means this for these drugs."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:\-]*$")
    gene: GeneSymbol | None = Field(default=None, description="None only for gene-less biomarkers (TMB)")
    alteration: Alteration
    label: str = Field(description="how the biomarker is named in reports: 'EGFR exon 19 deletion'")
    diseases: list[str] = Field(
        min_length=1, description="OncoTree codes (descendants included); SOLID = any solid tumor; ANY"
    )
    excluded_diseases: list[str] = []
    drugs: list[str] = Field(default=[], description="lowercase generic names; all given together")
    direction: Direction
    evidence_level: EvidenceLevel
    fda_approved: bool = False
    setting: str | None = Field(default=None, description="line/setting, e.g. 'first line, metastatic'")
    requires_absent: list[AbsentAlteration] = Field(
        default=[], description="applies only when none of these is found in the patient (label limitation)"
    )
    prior_therapy: list[PriorTherapy] = Field(
        default=[],
        description="therapies the cited label requires before this one ('after ...'), every one of them; "
        "only where every indication the record covers says so",
    )
    statement: str = Field(description="one or two sentences in our own words")
    citations: list[Citation] = Field(min_length=1)
    reviewed: DateStr

    @model_validator(mode="after")
    def _drugs_for_predictive(self) -> BiomarkerRecord:
        if self.direction in ("sensitivity", "resistance") and not self.drugs:
            raise ValueError("sensitivity/resistance records name at least one drug")
        if self.gene is None and self.alteration.type != "biomarker":
            raise ValueError("only 'biomarker' alterations may omit the gene")
        for name in self.drugs:
            if name != name.lower():
                raise ValueError(f"drug names are lowercase generic names, got {name!r}")
        return self


class HotspotVariant(StrictModel):
    """A known variant's genomic key on one build, so unannotated VCFs still match the KB."""

    gene: GeneSymbol
    hgvs_p: str = Field(description="one-letter protein change without 'p.', e.g. G12C")
    hgvs_c: str | None = None
    transcript: str | None = None
    build: Build
    chrom: str = Field(pattern=r"^chr([1-9]|1[0-9]|2[0-2]|X|Y|M)$")
    pos: int = Field(gt=0)
    ref: str = Field(pattern=r"^[ACGT]+$")
    alt: str = Field(pattern=r"^[ACGT]+$")
    citations: list[Citation] = Field(min_length=1)

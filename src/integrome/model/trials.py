"""Clinical trials as integrome stores them: trials, arms and their eligibility criteria trees.

One model serves both the documented trial file format (`knowledge/data/trials/README.md`, schema
`integrome.trials/1`) and what the CTML importer produces, so an imported MatchMiner trial and a
hand-written one are matched by the same code. A criteria node is a mapping with exactly one key:
`all` / `any` (lists of nodes) or one criterion, which keeps hand-written files short and lets a
reader see the boolean structure at a glance (CTML's `and` / `or` trees map onto it one to one).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from integrome.model.common import GeneSymbol, StrictModel

__all__ = [
    "TRIALS_SCHEMA",
    "BiomarkerCriterion",
    "CnvCall",
    "CriteriaNode",
    "DiagnosisCriterion",
    "GenomicCriterion",
    "PriorTherapyCriterion",
    "Trial",
    "TrialArm",
    "TrialSet",
    "TrialSite",
    "TrialStatus",
    "VariantCategory",
    "VariantClassification",
]

TRIALS_SCHEMA = "integrome.trials/1"

TrialStatus = Literal["open", "closed", "unknown"]
"""open: recruiting; closed: not recruiting (closed, suspended, completed ...); unknown: not given."""

VariantCategory = Literal["mutation", "cnv", "sv", "any"]
"""CTML variant_category: Mutation, Copy Number Variation, Structural Variation, Any Variation."""

CnvCall = Literal["amplification", "gain", "loss", "deep_deletion"]
"""CTML cnv_call in the copy-number vocabulary of `CopyNumberFinding`: High Amplification,
Low Amplification (gain), Heterozygous Deletion (loss), Homozygous Deletion (deep deletion)."""

VariantClassification = Literal[
    "missense",
    "nonsense",
    "frameshift",
    "inframe_deletion",
    "inframe_insertion",
    "splice_site",
    "start_lost",
    "stop_lost",
    "synonymous",
    "noncoding",
]
"""MAF Variant_Classification groups a criterion may require (In_Frame_Del → inframe_deletion ...)."""

_COMPARISON = r"^(>=|<=|==|>|<)\s*\d+(\.\d+)?$"
"""CTML numeric comparisons: '>=18', '<21', '==40'."""


def _lowercase(names: list[str]) -> list[str]:
    for name in names:
        if name != name.lower():
            raise ValueError(f"drug names are lowercase generic names, got {name!r}")
    return names


DrugNames = Annotated[list[str], AfterValidator(_lowercase)]


class GenomicCriterion(StrictModel):
    """One alteration the patient must (or, negated, must not) carry.

    Fields narrow the alteration together (protein_change and exon both apply). `negated` is CTML's
    '!' (the patient must not carry it); `wildtype` is CTML's `wildtype: true` (the gene was tested
    and found wild type). Both need the gene to have been tested to be met.
    """

    gene: GeneSymbol | None = Field(default=None, description="None: any gene (fusions with a partner)")
    variant_category: VariantCategory = "mutation"
    protein_change: str | None = Field(default=None, description="one-letter, no 'p.': G12C")
    wildcard_protein_change: str | None = Field(
        default=None,
        description="a residue and codon, any change at it: V600",
        pattern=r"^[ACDEFGHIKLMNPQRSTVWY]\d+$",
    )
    exon: int | None = Field(default=None, gt=0)
    variant_classification: VariantClassification | None = None
    cnv_call: CnvCall | None = None
    fusion_partner: str | None = Field(
        default=None, description="partner gene symbol, 'any' or 'intergenic' (structural variants)"
    )
    negated: bool = False
    wildtype: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> GenomicCriterion:
        mutation_fields = (
            self.protein_change,
            self.wildcard_protein_change,
            self.exon,
            self.variant_classification,
        )
        if self.variant_category in ("cnv", "sv") and any(f is not None for f in mutation_fields):
            raise ValueError(
                "protein_change, wildcard_protein_change, exon and variant_classification describe "
                "mutations; variant_category must be mutation or any"
            )
        if self.cnv_call is not None and self.variant_category != "cnv":
            raise ValueError("cnv_call needs variant_category cnv")
        if self.fusion_partner is not None and self.variant_category != "sv":
            raise ValueError("fusion_partner needs variant_category sv")
        if self.gene is None and (self.variant_category != "sv" or self.fusion_partner is None):
            raise ValueError("gene may be omitted only for a structural variant with a fusion_partner")
        if self.negated and self.wildtype:
            raise ValueError("use either negated or wildtype, not both")
        return self


class BiomarkerCriterion(StrictModel):
    """A non-variant biomarker result: HER2/ER/PR status, MSI, MMR, TMB or a mutational signature."""

    name: str = Field(min_length=1, description="HER2, ER, PR, MSI, MMR, TMB, APOBEC signature ...")
    status: Literal["positive", "negative", "low"] | None = Field(
        default=None, description="positive: present/high (HER2 3+, MSI-H, dMMR)"
    )
    value: str | None = Field(default=None, pattern=_COMPARISON, description="numeric, e.g. '>=10' (TMB)")
    negated: bool = False

    @model_validator(mode="after")
    def _one_test(self) -> BiomarkerCriterion:
        if (self.status is None) == (self.value is None):
            raise ValueError("give exactly one of status or value")
        return self


class DiagnosisCriterion(StrictModel):
    """The tumor type: OncoTree codes, descendants included; SOLID, LIQUID and ANY are pseudo-codes.

    `codes` empty with a `name` records a diagnosis name the importer could not resolve; such a
    criterion is never met or failed, only unknown, so the gap is visible instead of guessed.
    """

    codes: list[str] = []
    name: str | None = Field(default=None, description="the diagnosis as the source wrote it")
    exclude: bool = Field(default=False, description="CTML '!': the patient must not have it")

    @model_validator(mode="after")
    def _named(self) -> DiagnosisCriterion:
        if not self.codes and not self.name:
            raise ValueError("give OncoTree codes (or the source's name when no code could be found)")
        return self


class PriorTherapyCriterion(StrictModel):
    """Drugs the patient must have received (`received: true`) or must not have received."""

    drugs: DrugNames = Field(min_length=1, description="lowercase generic names; any one of them")
    received: bool = True


class CriteriaNode(StrictModel):
    """Exactly one of: `all` (every child), `any` (at least one child) or one criterion."""

    all: list[CriteriaNode] | None = Field(default=None, min_length=1)
    any: list[CriteriaNode] | None = Field(default=None, min_length=1)
    genomic: GenomicCriterion | None = None
    biomarker: BiomarkerCriterion | None = None
    diagnosis: DiagnosisCriterion | None = None
    age: str | None = Field(default=None, pattern=_COMPARISON, description="years, e.g. '>=18'")
    sex: Literal["female", "male"] | None = None
    prior_therapy: PriorTherapyCriterion | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> CriteriaNode:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            keys = ", ".join(type(self).model_fields)
            raise ValueError(f"a criteria node has exactly one key of {keys}; found {found}")
        return self


class TrialSite(StrictModel):
    name: str | None = None
    city: str | None = None
    country: str | None = None


class TrialArm(StrictModel):
    """One cohort, arm or dose level with its own eligibility tree and recruitment status."""

    id: str = Field(min_length=1, description="arm code, or 'arm code / dose level' for dose levels")
    title: str | None = None
    drugs: DrugNames = Field(default=[], description="lowercase generic names given in this arm")
    status: Literal["open", "closed"] = "open"
    criteria: CriteriaNode
    not_evaluated: list[str] = Field(
        default=[], description="criteria kept for the reader that integrome cannot evaluate (disease status)"
    )


class Trial(StrictModel):
    """A trial with its arms; `source` and `source_file` say where it was read (for citations)."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/\-]*$", description="NCT number or protocol number")
    nct_id: str | None = Field(default=None, pattern=r"^NCT\d{8}$", description="ClinicalTrials.gov id")
    title: str = Field(min_length=1)
    phase: str | None = None
    status: TrialStatus = "unknown"
    sites: list[TrialSite] = []
    drugs: DrugNames = Field(default=[], description="lowercase generic names of the trial's drugs")
    arms: list[TrialArm] = Field(min_length=1)
    source: str = Field(min_length=1, description="'CTML import', or who curated the trial")
    source_file: str | None = Field(default=None, description="file name the trial was read from")

    @model_validator(mode="after")
    def _unique_arms(self) -> Trial:
        ids = [arm.id for arm in self.arms]
        duplicates = sorted({arm for arm in ids if ids.count(arm) > 1})
        if duplicates:
            raise ValueError(f"arm ids must be unique within a trial; repeated: {duplicates}")
        return self


class TrialSet(StrictModel):
    """One trial file (schema `integrome.trials/1`)."""

    schema_: Literal["integrome.trials/1"] = Field(default="integrome.trials/1", alias="schema")
    source: str = Field(min_length=1, description="where the trials come from")
    source_version: str | None = None
    trials: list[Trial] = []

    model_config = StrictModel.model_config | {"populate_by_name": True}

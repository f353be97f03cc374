"""Diagnostic testing knowledge: what guidelines say to test, and which laboratory tests can do it.

Two record families share one vocabulary, the `Assessable`: something an assay can detect
("EGFR:mutation", "ALK:fusion", "PD-L1:protein", "MSI"). A `GuidelineBiomarker` names what a guideline
requires as alternatives of assessables (ALK rearrangement = an ALK fusion call *or* ALK IHC with the
D5F3 companion diagnostic); a `CatalogTest` lists what one laboratory test detects. The gaps matcher
compares both with what the patient's record shows, so "not covered" (no data), "tested negative"
and "tested positive" stay apart, and a DNA-only panel covering ALK is never taken for a fusion test.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import Field, field_validator, model_validator

from integrome.model.common import Citation, DateStr, GeneSymbol, StrictModel
from integrome.model.knowledge import Alteration

__all__ = [
    "CATALOG_SCHEMA",
    "GENE_KINDS",
    "AssessKind",
    "Assessable",
    "Catalog",
    "CatalogTest",
    "CompanionClaim",
    "GuidelineBiomarker",
    "GuidelineRule",
    "GuidelineRuleItem",
    "Price",
    "Provider",
    "Urgency",
]

CATALOG_SCHEMA = "integrome.catalog/1"

AssessKind = Literal["mutation", "copy_number", "fusion", "protein", "genotype", "result"]
"""mutation: SNV/indel calls in the gene; copy_number: amplification/deletion calls; fusion: rearrangement
calls (RNA, break-apart FISH or a DNA panel with fusion calling); protein: IHC for the named protein;
genotype: pharmacogenomic star-allele typing; result: a named non-gene result (MSI, TMB, HRD, 1p/19q,
MGMT, IGHV, del(17p))."""

_NAMED_KINDS: dict[str, AssessKind] = {kind: kind for kind in get_args(AssessKind) if kind != "result"}
GENE_KINDS: frozenset[str] = frozenset({"mutation", "copy_number", "fusion", "genotype"})
"""Kinds whose target is an HGNC gene symbol."""

Urgency = Literal["routine", "soon", "urgent"]
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:/()\-]*$"
_SLUG = r"^[a-z0-9][a-z0-9\-]*$"


class Assessable(StrictModel):
    """One detectable thing, written 'TARGET:kind' ('EGFR:mutation') or 'TARGET' for a named result."""

    target: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9\-./()@]*$")
    kind: AssessKind

    @classmethod
    def parse(cls, text: str) -> Assessable:
        """'ALK:fusion' → (ALK, fusion); 'MSI' → (MSI, result). ValueError names the accepted kinds."""
        target, separator, kind = text.strip().partition(":")
        if not separator:
            return cls(target=target, kind="result")
        known = _NAMED_KINDS.get(kind)
        if known is None:
            raise ValueError(f"{text!r}: unknown kind {kind!r}; expected one of {', '.join(_NAMED_KINDS)}")
        return cls(target=target, kind=known)

    def __str__(self) -> str:
        return self.target if self.kind == "result" else f"{self.target}:{self.kind}"

    @property
    def is_gene(self) -> bool:
        return self.kind in GENE_KINDS


def _parse_assessables(value: Any) -> Any:
    if isinstance(value, list):
        return [Assessable.parse(item) if isinstance(item, str) else item for item in value]
    return value


class GuidelineBiomarker(StrictModel):
    """A biomarker a guideline asks for, satisfied by any one alternative (all parts of it assessed).

    Written in YAML as strings: `detect: ["ALK:fusion", "ALK:protein"]`; '+' joins the parts of one
    alternative (`"NTRK1:fusion+NTRK2:fusion+NTRK3:fusion"`).
    """

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)
    detect: list[list[Assessable]] = Field(min_length=1)
    test: str = Field(
        default="ngs",
        min_length=1,
        description="'ngs': a line of the rule's NGS panel; 'germline': the germline panel; else the name "
        "of a stand-alone test ('PD-L1 IHC (22C3)')",
    )
    reflex_test: str | None = Field(default=None, description="what to order after an equivocal result")
    origin: Literal["somatic", "germline"] = "somatic"
    qualifies: Alteration | None = Field(
        default=None,
        description="which mutations of the detected genes make it positive (BRAF V600: codon 600); "
        "another variant of the gene shows the gene was tested, not that the biomarker is present",
    )

    @field_validator("detect", mode="before")
    @classmethod
    def _alternatives(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [
                _parse_assessables(item.split("+")) if isinstance(item, str) else _parse_assessables(item)
                for item in value
            ]
        return value

    @model_validator(mode="after")
    def _consistent(self) -> GuidelineBiomarker:
        if any(not alternative for alternative in self.detect):
            raise ValueError("detect: every alternative names at least one assessable")
        if (self.origin == "germline") != (self.test == "germline"):
            raise ValueError("germline biomarkers (and only they) are ordered as test 'germline'")
        return self

    @property
    def parts(self) -> list[Assessable]:
        """Every assessable of every alternative, first-seen order."""
        return list(dict.fromkeys(part for alternative in self.detect for part in alternative))

    @property
    def genes(self) -> list[str]:
        return list(dict.fromkeys(part.target for part in self.parts if part.is_gene))


class GuidelineRuleItem(StrictModel):
    """One biomarker of a rule, optionally ordered as a different test or only under a condition."""

    biomarker: str = Field(description="a GuidelineBiomarker id")
    test: str | None = Field(default=None, description="overrides the biomarker's default test")
    when: dict[str, Literal["positive", "negative"]] = Field(
        default={}, description="required status of other biomarkers (TNBC: ER, PR, HER2 negative)"
    )
    note: str | None = Field(default=None, description="why, in a few words ('PARP inhibitor eligibility')")
    driver: bool = Field(
        default=False,
        description="an oncogenic driver; drivers rarely co-occur, so once one is positive the rule's other "
        "drivers are completed routinely rather than urgently",
    )


class GuidelineRule(StrictModel):
    """Guideline-recommended testing for tumor types (OncoTree codes, descendants included)."""

    id: str = Field(pattern=_ID)
    title: str
    diseases: list[str] = Field(min_length=1, description="OncoTree codes; SOLID = any solid tumor")
    excluded_diseases: list[str] = []
    applies_when: Literal["metastatic", "any"] = "any"
    urgency: Urgency = "routine"
    specimen: str
    panel: str = Field(default="Comprehensive NGS panel", description="how the NGS line is named")
    biomarkers: list[GuidelineRuleItem] = Field(min_length=1)
    statement: str
    citations: list[Citation] = Field(min_length=1)
    reviewed: DateStr


# --- laboratory test catalog ---------------------------------------------------------------------

TestMethod = Literal[
    "ngs_panel",
    "liquid_biopsy",
    "rna_fusion",
    "wes",
    "wgs",
    "ihc",
    "fish",
    "pcr",
    "genotyping",
    "methylation",
]
FdaStatus = Literal["companion_diagnostic", "approved", "cleared", "not_fda_reviewed"]
Accreditation = Literal["CLIA", "CAP", "ISO 15189", "NYS CLEP"]


class Provider(StrictModel):
    """A laboratory (or kit manufacturer) that offers tests."""

    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1)
    accreditation: list[Accreditation] = []
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    url: str | None = None
    example: bool = Field(default=False, description="a fictional laboratory of the example catalog")


class CompanionClaim(StrictModel):
    """An FDA companion-diagnostic claim: this test selects patients for these drugs."""

    drugs: list[str] = Field(min_length=1, description="lowercase generic names")
    biomarkers: list[Assessable] = Field(min_length=1)
    diseases: list[str] = Field(min_length=1, description="OncoTree codes; SOLID for tumor-agnostic")

    @field_validator("biomarkers", mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        return _parse_assessables(value)

    @field_validator("drugs")
    @classmethod
    def _lowercase(cls, value: list[str]) -> list[str]:
        for name in value:
            if name != name.lower():
                raise ValueError(f"drug names are lowercase generic names, got {name!r}")
        return value


class Price(StrictModel):
    amount: float = Field(gt=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")


class CatalogTest(StrictModel):
    """One orderable test and everything it detects."""

    id: str = Field(pattern=_SLUG)
    name: str = Field(min_length=1)
    provider: str = Field(description="a Provider id of the same catalog")
    method: TestMethod
    origin: Literal["somatic", "germline"]
    specimens: list[str] = Field(min_length=1)
    genes: list[GeneSymbol] = Field(default=[], description="SNV/indel calling")
    copy_number: list[GeneSymbol] = []
    fusions: list[GeneSymbol] = []
    proteins: list[str] = Field(default=[], description="IHC targets: PD-L1, HER2, MMR, ALK, ER, PR ...")
    results: list[str] = Field(default=[], description="named results: MSI, TMB, HRD, 1p/19q, MGMT ...")
    genotypes: list[GeneSymbol] = Field(default=[], description="pharmacogenes typed to star alleles")
    turnaround_days: int | None = Field(default=None, gt=0)
    turnaround_max_days: int | None = Field(default=None, gt=0)
    fda_status: FdaStatus | None = None
    companion: list[CompanionClaim] = []
    price: Price | None = None
    url: str | None = None
    citations: list[Citation] = []
    example: bool = Field(default=False, description="a fictional test of the example catalog")

    @model_validator(mode="after")
    def _consistent(self) -> CatalogTest:
        if not self.covers:
            raise ValueError(
                "a test detects something: give genes, copy_number, fusions, proteins, results or genotypes"
            )
        if self.turnaround_max_days is not None and (
            self.turnaround_days is None or self.turnaround_max_days < self.turnaround_days
        ):
            raise ValueError("turnaround_max_days needs turnaround_days and must not be smaller")
        if self.companion and self.fda_status != "companion_diagnostic":
            raise ValueError("companion claims need fda_status: companion_diagnostic")
        if self.fda_status in ("companion_diagnostic", "approved", "cleared") and not self.citations:
            raise ValueError(f"fda_status {self.fda_status!r} needs a citation (the FDA list or decision)")
        for claim in self.companion:
            missing = [str(part) for part in claim.biomarkers if part not in self.covers]
            if missing:
                raise ValueError(
                    f"companion claim for {', '.join(claim.drugs)} names {missing}, which the "
                    "test does not list as detected"
                )
        return self

    @property
    def covers(self) -> frozenset[Assessable]:
        """Everything the test detects, as assessables."""
        groups: tuple[tuple[list[str], AssessKind], ...] = (
            (self.genes, "mutation"),
            (self.copy_number, "copy_number"),
            (self.fusions, "fusion"),
            (self.proteins, "protein"),
            (self.results, "result"),
            (self.genotypes, "genotype"),
        )
        return frozenset(
            Assessable(target=target, kind=kind) for targets, kind in groups for target in targets
        )


class Catalog(StrictModel):
    """One catalog file (schema `integrome.catalog/1`), versioned by its publisher."""

    schema_: Literal["integrome.catalog/1"] = Field(alias="schema")
    version: str = Field(min_length=1)
    name: str = Field(min_length=1)
    description: str | None = None
    example: bool = Field(default=False, description="the whole catalog is illustrative example data")
    providers: list[Provider] = Field(min_length=1)
    tests: list[CatalogTest] = Field(min_length=1)

    model_config = StrictModel.model_config | {"populate_by_name": True}

    @model_validator(mode="after")
    def _references(self) -> Catalog:
        provider_ids = [provider.id for provider in self.providers]
        duplicates = sorted({p for p in provider_ids if provider_ids.count(p) > 1})
        if duplicates:
            raise ValueError(f"duplicate provider id(s) {duplicates}")
        test_ids = [test.id for test in self.tests]
        duplicates = sorted({t for t in test_ids if test_ids.count(t) > 1})
        if duplicates:
            raise ValueError(f"duplicate test id(s) {duplicates}")
        known = set(provider_ids)
        for index, test in enumerate(self.tests):
            if test.provider not in known:
                raise ValueError(
                    f"tests.{index}.provider: {test.provider!r} is not a provider id of this catalog "
                    f"(known: {sorted(known)})"
                )
        return self

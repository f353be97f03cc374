"""What the record shows for each assessable: tested positive, tested negative, or nothing.

Every finding is read as the assessables it answers: a variant answers 'GENE:mutation', a fusion
'GENE:fusion', an IHC result 'PROTEIN:protein', a break-apart FISH 'GENE:fusion', HER2 ISH
'ERBB2:copy_number', a negative statement what it excludes ("no ALK fusion", "EGFR wild type").
An input's gene coverage (a VCF target list, the genes of a MAF) answers 'GENE:mutation' only: a DNA
variant file says nothing about rearrangements, copy number or protein expression; a copy-number
table's genes answer 'GENE:copy_number'. Coverage stated by a FHIR input is derived from its own
findings, which are read directly, so it adds nothing here.

A finding of the gene that does not make the biomarker what the guideline asks for is read as
"not actionable as reported": a fusion whose orientation leaves the kinase domain out (NTRK1 as the 5′
partner of TPM3), a variant outside the biomarker's qualifying alteration (BRAF p.R509* for "BRAF
V600"). It shows the gene was tested, so the test is not re-recommended, but never counts as positive.

Origin matters for germline questions only: a somatic question is answered by any positive result
(a germline variant is in the tumor too) and by negative results of somatic or unknown-origin
assays; a germline question only by germline results.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from integrome.match._alterations import biomarker_key, finding_matches
from integrome.match.wording import describe_finding, finding_place, unique
from integrome.model import (
    Assessable,
    BiomarkerFinding,
    CopyNumberFinding,
    Finding,
    FusionFinding,
    GuidelineBiomarker,
    NegativeFinding,
    PatientProfile,
    VariantFinding,
)
from integrome.model.catalog import AssessKind
from integrome.model.common import Origin
from integrome.normalize.genes import canonical_gene

__all__ = ["BiomarkerState", "Evidence", "Result", "Status", "evaluate"]

ResultStatus = Literal["positive", "not_actionable", "negative", "equivocal", "unknown"]
Status = Literal["positive", "not_actionable", "negative", "reported", "equivocal", "not_covered"]
"""reported: a result is on record but was not graded (a TMB value without a cut-off): the test was done,
so it is not re-recommended, yet it cannot decide a 'when' condition. not_actionable: the gene was
tested and something was found, but not the biomarker as the guideline means it (module docstring)."""


_RESULTS = {
    "MSI": "MSI",
    "MSIH": "MSI",
    "MSS": "MSI",
    "TMB": "TMB",
    "HRD": "HRD",
    "1P19Q": "1p/19q",
    "1P19QCODELETION": "1p/19q",
    "MGMT": "MGMT",
    "IGHV": "IGHV",
    "DEL17P": "del(17p)",
}
"""biomarker_key of a reported result name → the result target of the catalog vocabulary."""

_PROTEINS = {
    "PDL1": "PD-L1",
    "HER2": "HER2",
    "MMR": "MMR",
    "DMMR": "MMR",
    "PMMR": "MMR",
    "ER": "ER",
    "PR": "PR",
    "PGR": "PR",
    "ALK": "ALK",
    "ROS1": "ROS1",
    "KIT": "KIT",
    "CD117": "KIT",
    "SDHB": "SDHB",
    "CLDN18": "CLDN18",
    "CLDN182": "CLDN18",
    "P53": "p53",
    "TP53": "p53",
    "PANTRK": "pan-TRK",
}
"""biomarker_key of an IHC name (or its gene) → the protein target of the catalog vocabulary."""

_LOW_IS_POSITIVE = frozenset({"ER", "PR"})
"""'Low' ER/PR (1-10% of nuclei) is ER/PR low positive (ASCO/CAP 2020); 'low' HER2 is HER2-negative."""

_BREAK_APART_GENES = frozenset({"ALK", "ROS1", "RET", "NTRK1", "NTRK2", "NTRK3", "FGFR2", "FGFR3", "NRG1"})
"""Genes whose FISH is a break-apart (rearrangement) assay; FISH/ISH of other genes counts copies."""

_ISH = ("ISH", "FISH", "SISH", "CISH", "DISH")
_SEQUENCING = ("NGS", "PCR", "SEQUENCING", "SANGER")
_FUSION_WORDS = ("fusion", "rearrang", "translocation")
_COPY_WORDS = ("amplif", "copy", "cnv")
_PROTEIN_WORDS = ("express", "protein", "ihc")
_COVERAGE_ASSAYS = frozenset({"vcf", "maf", "phenopacket"})
_KIND_WORDS: dict[AssessKind, str] = {
    "fusion": "rearrangements",
    "copy_number": "copy number",
    "protein": "protein expression",
    "genotype": "star-allele genotype",
    "result": "this result",
    "mutation": "SNV/indel",
}


@dataclass(frozen=True)
class Result:
    """One piece of evidence about one assessable."""

    status: ResultStatus
    origin: Origin
    text: str
    finding_id: str | None = None
    coverage_of: str | None = None
    """the input whose gene coverage this is inferred from (nothing reported there), else None"""


def _where(finding: Finding) -> str:
    return f" ({finding_place(finding)})"


def _protein_target(name: str, gene: str | None) -> str | None:
    return _PROTEINS.get(biomarker_key(name)) or (_PROTEINS.get(biomarker_key(gene)) if gene else None)


def _gene_of(name: str, gene: str | None) -> str | None:
    return gene or canonical_gene(name)


def _biomarker_parts(finding: BiomarkerFinding) -> list[Assessable]:
    key = biomarker_key(finding.biomarker)
    method = (finding.method or "").upper()
    if key in _RESULTS:
        return [Assessable(target=_RESULTS[key], kind="result")]
    if any(word in method for word in _ISH):
        gene = _gene_of(finding.biomarker, finding.gene)
        if gene is None:
            return []
        return [Assessable(target=gene, kind="fusion" if gene in _BREAK_APART_GENES else "copy_number")]
    if method in _SEQUENCING:
        gene = _gene_of(finding.biomarker, finding.gene)
        if gene is None:
            return []
        return [Assessable(target=gene, kind="copy_number" if key == "HER2" else "mutation")]
    protein = _protein_target(finding.biomarker, finding.gene)
    return [Assessable(target=protein, kind="protein")] if protein else []


def _biomarker_status(finding: BiomarkerFinding, part: Assessable) -> ResultStatus:
    if finding.status == "low":
        return "positive" if part.target in _LOW_IS_POSITIVE else "negative"
    return finding.status


def _negative_parts(finding: NegativeFinding) -> list[Assessable]:
    """What a 'tested, nothing found' statement excludes ('ALK negative' excludes the rearrangement too)."""
    excluded = finding.alteration.lower()
    method = (finding.method or "").upper()
    gene = finding.gene
    if any(word in excluded for word in _FUSION_WORDS):
        return [Assessable(target=gene, kind="fusion")]
    if any(word in excluded for word in _COPY_WORDS):
        return [Assessable(target=gene, kind="copy_number")]
    if method == "IHC" or any(word in excluded for word in _PROTEIN_WORDS):
        protein = _protein_target(gene, gene)
        return [Assessable(target=protein, kind="protein")] if protein else []
    if excluded in ("any", "", "negative", "alteration", "alterations"):
        return [Assessable(target=gene, kind=kind) for kind in ("mutation", "fusion", "copy_number")]
    return [Assessable(target=gene, kind="mutation")]


@dataclass
class Evidence:
    """Results per assessable, built once per profile."""

    by_part: dict[Assessable, list[Result]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, profile: PatientProfile) -> Evidence:
        evidence = cls()
        for finding in profile.findings:
            evidence._read(finding)
        copy_number_inputs = {doc.name for doc in profile.inputs if doc.format == "copy_number"}
        for coverage in profile.coverage:
            if coverage.genes is None:
                continue
            if coverage.assay in _COVERAGE_ASSAYS:
                kind: AssessKind = "mutation"
            elif coverage.input in copy_number_inputs:
                kind = "copy_number"
            else:
                continue
            for gene in coverage.genes:
                evidence.by_part[Assessable(target=gene, kind=kind)].append(
                    Result(
                        status="negative",
                        origin=coverage.origin,
                        text=f"{coverage.input} covers {gene} ({_KIND_WORDS[kind]}), no alteration reported",
                        coverage_of=coverage.input,
                    )
                )
        return evidence

    findings: dict[str, Finding] = field(default_factory=dict)
    """finding id → finding, so a biomarker's qualifying alteration can be checked (`evaluate`)"""

    def _add(
        self, part: Assessable, status: ResultStatus, finding: Finding, text: str, note: str = ""
    ) -> None:
        self.by_part[part].append(Result(status, finding.origin, text + _where(finding) + note, finding.id))

    def _read(self, finding: Finding) -> None:
        self.findings[finding.id] = finding
        text = describe_finding(finding)
        if isinstance(finding, VariantFinding):
            if finding.gene is not None:
                self._add(Assessable(target=finding.gene, kind="mutation"), "positive", finding, text)
        elif isinstance(finding, CopyNumberFinding):
            status: ResultStatus = "negative" if finding.call == "neutral" else "positive"
            self._add(Assessable(target=finding.gene, kind="copy_number"), status, finding, text)
        elif isinstance(finding, FusionFinding):
            genes = {finding.gene, finding.partner, finding.five_prime, finding.three_prime}
            for gene in sorted(g for g in genes if g is not None):
                if finding.kinase_domain_retained is False and gene == finding.gene:
                    note = f": {gene} kinase domain not in the fusion product as reported"
                    self._add(Assessable(target=gene, kind="fusion"), "not_actionable", finding, text, note)
                else:
                    self._add(Assessable(target=gene, kind="fusion"), "positive", finding, text)
        elif isinstance(finding, BiomarkerFinding):
            for part in _biomarker_parts(finding):
                self._add(part, _biomarker_status(finding, part), finding, text)
        else:
            for part in _negative_parts(finding):
                self._add(part, "negative", finding, text)

    def results(self, part: Assessable, origin: Literal["somatic", "germline"]) -> list[Result]:
        found = self.by_part.get(part, [])
        if origin == "germline":
            return [r for r in found if r.origin == "germline"]
        return [r for r in found if r.status == "positive" or r.origin != "germline"]

    def qualified(
        self, part: Assessable, biomarker: GuidelineBiomarker, results: Sequence[Result]
    ) -> list[Result]:
        """Positive mutation results that miss the biomarker's qualifying alteration become
        not actionable; a germline one then no longer answers a somatic question."""
        if biomarker.qualifies is None or part.kind != "mutation":
            return list(results)
        kept: list[Result] = []
        for result in results:
            finding = self.findings.get(result.finding_id or "")
            if (
                result.status == "positive"
                and finding is not None
                and not finding_matches(biomarker.qualifies, part.target, finding)
            ):
                if result.origin == "germline" and biomarker.origin != "germline":
                    continue
                result = replace(
                    result, status="not_actionable", text=f"{result.text}: not a {biomarker.label}"
                )
            kept.append(result)
        return kept

    def mutation_coverage(self, gene: str) -> list[Result]:
        """Inputs that cover the gene for SNV/indel calling only (no variant reported there)."""
        return [r for r in self.by_part.get(Assessable(target=gene, kind="mutation"), []) if r.coverage_of]


@dataclass(frozen=True)
class BiomarkerState:
    """One guideline biomarker against the record."""

    biomarker: GuidelineBiomarker
    status: Status
    known: list[str]
    """the results that answer it (or partly answer it), for the rationale"""
    finding_ids: list[str]
    caveats: list[str]
    """why an input that looks relevant does not answer it"""


def _part_status(results: Sequence[Result]) -> Status:
    statuses = {r.status for r in results}
    for status in ("positive", "not_actionable", "negative", "unknown", "equivocal"):
        if status in statuses:
            return "reported" if status == "unknown" else status
    return "not_covered"


def _alternative_status(statuses: Sequence[Status]) -> Status:
    if "positive" in statuses:
        return "positive"
    if "not_actionable" in statuses:
        return "not_actionable"
    if all(status in ("negative", "reported") for status in statuses):
        return "reported" if "reported" in statuses else "negative"
    return "equivocal" if "equivocal" in statuses else "not_covered"


def evaluate(biomarker: GuidelineBiomarker, evidence: Evidence) -> BiomarkerState:
    """Positive when any part of any alternative is positive; not actionable when something was found
    but none of it qualifies; negative when one alternative is fully assessed (reported when one of its
    results is ungraded); equivocal when an equivocal result is all there is; otherwise not covered."""
    origin = biomarker.origin
    used: list[Result] = []
    alternatives: list[Status] = []
    for alternative in biomarker.detect:
        parts = [evidence.qualified(part, biomarker, evidence.results(part, origin)) for part in alternative]
        used.extend(result for results in parts for result in results)
        alternatives.append(_alternative_status([_part_status(results) for results in parts]))
    status: Status = "not_covered"
    for candidate in ("positive", "not_actionable", "negative", "reported", "equivocal"):
        if candidate in alternatives:
            status = candidate
            break
    caveats: list[str] = []
    if status == "not_covered":
        caveats = _caveats(biomarker, evidence)
    elif status != "reported":
        used = [result for result in used if result.status == status]
    return BiomarkerState(
        biomarker=biomarker,
        status=status,
        known=unique(result.text for result in used),
        finding_ids=unique(result.finding_id for result in used if result.finding_id is not None),
        caveats=caveats,
    )


def _caveats(biomarker: GuidelineBiomarker, evidence: Evidence) -> list[str]:
    lines: list[str] = []
    for part in biomarker.parts:
        if part.kind in ("fusion", "copy_number") or (part.kind == "protein" and canonical_gene(part.target)):
            for result in evidence.mutation_coverage(part.target):
                lines.append(
                    f"{result.coverage_of} covers {part.target} for SNV/indel only; it does not assess "
                    f"{_KIND_WORDS[part.kind]}"
                )
        if biomarker.origin == "germline":
            for result in evidence.by_part.get(part, []):
                if result.status == "positive" and result.origin != "germline":
                    lines.append(
                        f"{result.text}: found in tumor testing with {result.origin} origin; "
                        "germline testing tells whether it is inherited"
                    )
    return unique(lines)

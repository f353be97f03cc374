"""Plain-language pieces of an insight: how a finding, a regimen and a summary are worded.

Physicians read these lines in the report and in CDS Hooks cards, where a summary must stay under
140 characters (CDS Hooks 2.0, Card.summary), so every summary goes through `clamp`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import assert_never

from integrome.model import (
    BiomarkerFinding,
    CopyNumberFinding,
    Finding,
    FusionFinding,
    NegativeFinding,
    VariantFinding,
)
from integrome.model.common import Source

__all__ = [
    "BEST_OPTION",
    "SUMMARY_LIMIT",
    "clamp",
    "describe_finding",
    "finding_place",
    "regimen",
    "sentence_case",
    "unique",
]

SUMMARY_LIMIT = 140

BEST_OPTION = "Best catalog option"
"""Lead of a test recommendation's rationale line naming the top-ranked catalog test; a report that
shows the options table already says it there."""

_SOURCE_NAMES: dict[Source, str] = {
    "vcf": "VCF",
    "maf": "MAF",
    "fhir": "FHIR record",
    "phenopacket": "phenopacket",
    "notes": "clinical notes",
    "outside_call": "outside genotype call",
    "table": "results table",
}
"""How a finding's input kind is named when the input gave no file and place."""


def regimen(drugs: Iterable[str]) -> str:
    """A combination as one regimen, in the record's order: 'encorafenib + cetuximab'."""
    return " + ".join(drugs)


def sentence_case(text: str) -> str:
    """Capitalize the first letter only, keeping gene symbols and drug names as written."""
    return text[:1].upper() + text[1:]


def clamp(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """Cut at a word boundary with an ellipsis so the text fits `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:—- ")
    return cut + "…"


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.0f}%"


def describe_finding(finding: Finding) -> str:
    """'BRAF p.Val600Glu at VAF 42%', 'ERBB2 amplification (copy number 14)', 'HER2 IHC 3+'."""
    if isinstance(finding, VariantFinding):
        parts = [finding.gene or "", finding.hgvs_p or finding.hgvs_c or finding.label or ""]
        if not finding.hgvs_p and not finding.hgvs_c and not finding.label:
            if finding.chrom is not None:
                parts.append(f"{finding.chrom}:{finding.pos} {finding.ref}>{finding.alt}")
            elif finding.consequence:
                parts.append(_consequence(finding.consequence))
        text = " ".join(part for part in parts if part)
        if finding.exon is not None:
            text += f" (exon {finding.exon})"
        if finding.vaf is not None:
            text += f" at VAF {_percent(finding.vaf)}"
        return text
    if isinstance(finding, CopyNumberFinding):
        call = finding.call.replace("_", " ")
        if finding.copy_number is not None:
            return f"{finding.gene} {call} (copy number {finding.copy_number:g})"
        return f"{finding.gene} {call}"
    if isinstance(finding, FusionFinding):
        return _fusion(finding)
    if isinstance(finding, BiomarkerFinding):
        method = f" {finding.method}" if finding.method else ""
        return f"{finding.biomarker}{method} {finding.value}"
    if isinstance(finding, NegativeFinding):
        alteration = "" if finding.alteration in ("any", "") else f" {finding.alteration}"
        return f"{finding.gene}{alteration} negative"
    assert_never(finding)


def _fusion(finding: FusionFinding) -> str:
    """'EML4–ALK fusion'; a table row naming one side only ('--NTRK3') says the other was not named
    rather than pairing the gene with itself."""
    if finding.partner is None and (finding.five_prime is None) != (finding.three_prime is None):
        missing = "5′" if finding.five_prime is None else "3′"
        return f"{finding.gene} fusion ({missing} partner not named)"
    five = finding.five_prime or finding.gene
    three = finding.three_prime or finding.partner
    return f"{five}–{three} fusion" if three else f"{finding.gene} fusion"


def _consequence(term: str) -> str:
    """'exon_loss_variant' → 'exon loss': a Sequence Ontology term as a report names the change."""
    return term.removesuffix("_variant").replace("_", " ")


def finding_place(finding: Finding) -> str:
    """Where a finding was read, short enough for a sentence: 'tumor.vcf line 19, bundle.json
    DiagnosticReport'.

    The full provenance (with FHIR resource ids) stays in the report's variants table and the JSON;
    a physician scanning a card needs the file and the kind of record, not a UUID.
    """
    if not finding.provenance:
        return _SOURCE_NAMES[finding.source]
    places = []
    for place in finding.provenance.split("; also "):
        file, _, pointer = place.partition("#")
        if pointer:
            # FHIR 'Observation/<id>' keeps the resource type; a JSON pointer keeps the file only.
            resource = pointer.split("/", 1)[0]
            places.append(f"{file} {resource}" if resource else file)
            continue
        file, _, location = place.partition(":")
        places.append(f"{file} {location}" if location and not location.startswith("/") else file)
    return ", ".join(unique(places))


def unique(items: Iterable[str]) -> list[str]:
    """Items in first-seen order without repeats (rationale lines, warnings)."""
    return list(dict.fromkeys(items))

"""Code systems, LOINC codes and profile URLs of the HL7 Genomics Reporting IG used by the writer.

Every code here appears in the IG's own FHIR Shorthand (CGFindings.fsh, CGImplications.fsh,
CGGeneral.fsh, CGValueSets.fsh, CGCodeSystem.fsh) or its example bundles. A concept the IG gives
no code for is written as text only: an invented code would be worse than none.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ALLELIC_STATE",
    "BUILDS",
    "GENOMIC_SOURCE",
    "HGNC",
    "HGVS",
    "LOINC",
    "PHENOTYPE_ANSWERS",
    "RECOMMENDED_ACTION",
    "REFSEQ",
    "RELATED_ARTIFACT",
    "RXNORM",
    "SEQUENCE_ONTOLOGY",
    "TBD",
    "UCUM",
    "categories",
    "coding",
    "concept",
    "loinc",
    "profile",
    "report_categories",
    "tbd",
]

LOINC = "http://loinc.org"
HGNC = "http://www.genenames.org/geneId"
"""HGNC as the IG's examples and HL7 Terminology name it (gene-studied codings carry `HGNC:<n>`)."""
HGVS = "http://varnomen.hgvs.org"
REFSEQ = "http://www.ncbi.nlm.nih.gov/refseq"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
SEQUENCE_ONTOLOGY = "http://www.sequenceontology.org"
TBD = "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs"
"""The IG's 'to be determined' code system (therapeutic-implication, conclusion-string, ...)."""
_IG = "http://hl7.org/fhir/uv/genomics-reporting"
RECOMMENDED_ACTION = f"{_IG}/StructureDefinition/recommended-action"
RELATED_ARTIFACT = "http://hl7.org/fhir/StructureDefinition/workflow-relatedArtifact"
_OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
_DIAGNOSTIC_SERVICE = "http://terminology.hl7.org/CodeSystem/v2-0074"

BUILDS = {"GRCh38": ("LA26806-2", "GRCh38"), "GRCh37": ("LA14029-5", "GRCh37")}
"""62374-4 answers (LOINC LL1040-6)."""
GENOMIC_SOURCE = {"somatic": ("LA6684-0", "Somatic"), "germline": ("LA6683-2", "Germline")}
"""48002-0 answers (LOINC LL378-1)."""
ALLELIC_STATE = {
    "heterozygous": ("LA6706-1", "Heterozygous"),
    "homozygous": ("LA6705-3", "Homozygous"),
    "hemizygous": ("LA6707-9", "Hemizygous"),
}
"""53034-5 answers (LOINC LL381-5)."""
PHENOTYPE_ANSWERS = {
    "ultrarapid metabolizer": ("LA10315-2", "Ultrarapid metabolizer"),
    "rapid metabolizer": ("LA25390-8", "Rapid metabolizer"),
    "normal metabolizer": ("LA25391-6", "Normal metabolizer"),
    "intermediate metabolizer": ("LA10317-8", "Intermediate metabolizer"),
    "poor metabolizer": ("LA9657-3", "Poor metabolizer"),
    "increased function": ("LA25392-4", "Increased function"),
    "normal function": ("LA25393-2", "Normal function"),
    "decreased function": ("LA25395-7", "Decreased function"),
    "poor function": ("LA25394-0", "Poor function"),
    "high risk": ("LA19541-4", "High Risk"),
    "low risk": ("LA19542-2", "Low Risk"),
    "responsive": ("LA6677-4", "Responsive"),
    "resistant": ("LA6676-6", "Resistant"),
}
"""Therapeutic-implication answers of the IG's GeneticTherapeuticImplicationsVS (CGValueSets.fsh)."""


def profile(name: str) -> str:
    """Canonical URL of an IG profile, e.g. `variant`, `genotype`, `therapeutic-implication`."""
    return f"{_IG}/StructureDefinition/{name}"


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(*codings: dict[str, Any], text: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if codings:
        found["coding"] = list(codings)
    if text:
        found["text"] = text
    return found


def loinc(code: str, display: str | None = None) -> dict[str, Any]:
    return concept(coding(LOINC, code, display))


def tbd(code: str, display: str | None = None) -> dict[str, Any]:
    return concept(coding(TBD, code, display))


def categories() -> list[dict[str, Any]]:
    """The two categories GenomicBase requires: observation-category laboratory and v2-0074 GE."""
    return [
        concept(coding(_OBSERVATION_CATEGORY, "laboratory", "Laboratory")),
        concept(coding(_DIAGNOSTIC_SERVICE, "GE", "Genetics")),
    ]


def report_categories() -> list[dict[str, Any]]:
    """GenomicReport requires v2-0074 GE; LAB says it is a laboratory report as well."""
    return [
        concept(coding(_DIAGNOSTIC_SERVICE, "GE", "Genetics")),
        concept(coding(_DIAGNOSTIC_SERVICE, "LAB", "Laboratory")),
    ]

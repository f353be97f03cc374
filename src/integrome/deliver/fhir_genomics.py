"""An `Analysis` as a FHIR R4 Bundle following HL7 Genomics Reporting IG STU3 (3.0.0).

The bundle (type `collection`) holds one GenomicReport (DiagnosticReport, LOINC 51969-4) whose
results are the findings — Variant, MolecularBiomarker and Genotype observations — and the
implications derived from them; recommended follow-up tests are proposed ServiceRequests reached
through the report's `recommended-action` extension and FollowupRecommendation Tasks. Profiles,
component codes and answers follow the IG's FHIR Shorthand; where the STU4 draft shipped with the
shared data differs from STU3 (the MolecularBiomarker category slice, coded report notes) the
STU3 shape is written.

Every resource id is a UUID derived from its content and place in the analysis, so the same
analysis always gives the same bundle, byte for byte. Genes the inputs did not cover are never
written as genotypes: the report's conclusion names them as not assessed (never "normal").
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, assert_never

from integrome.deliver._fhir_codes import (
    LOINC,
    RECOMMENDED_ACTION,
    coding,
    concept,
    profile,
    report_categories,
)
from integrome.deliver._fhir_findings import (
    biomarker_observation,
    copy_number_observation,
    fusion_observation,
    genotype_observation,
    molecular_consequence_observation,
    negative_observation,
    presence_observations,
    variant_observation,
)
from integrome.deliver._fhir_implications import (
    followup_task,
    implication_observation,
    phenotype_observation,
)
from integrome.deliver.service_request import service_request
from integrome.errors import DeliveryError
from integrome.model import (
    Analysis,
    BiomarkerFinding,
    CopyNumberFinding,
    Finding,
    FusionFinding,
    NegativeFinding,
    VariantFinding,
)

__all__ = ["analysis_to_fhir", "render_fhir_bundle", "validate_fhir_bundle"]

Json = dict[str, Any]

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://integrome/fhir-genomics")
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_SHOWN_INSIGHTS = 5
_PGX_KINDS = ("pgx", "contraindication")


class _Entries:
    """Bundle entries in order, each with a content-derived `urn:uuid` fullUrl and matching id."""

    def __init__(self) -> None:
        self.entries: list[Json] = []

    def add(self, resource: Json, key: str, *, first: bool = False) -> str:
        canonical = json.dumps(resource, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        rid = str(uuid.uuid5(_NAMESPACE, f"{key}\n{canonical}"))
        identified = {"resourceType": resource["resourceType"], "id": rid} | resource
        entry = {"fullUrl": f"urn:uuid:{rid}", "resource": identified}
        if first:
            self.entries.insert(0, entry)
        else:
            self.entries.append(entry)
        return str(entry["fullUrl"])


def analysis_to_fhir(analysis: Analysis, *, patient_reference: str | None = None) -> Json:
    """The analysis as a Genomics Reporting Bundle (plain FHIR JSON; pure and deterministic).

    `patient_reference` is the EHR's reference to the patient (e.g. `Patient/123`). By default the
    input record's own reference is kept (`Patient.record_reference`); without a FHIR record the
    patient id is used as `Patient/<id>` when it is a valid FHIR id, else as an identifier. Every
    Observation, the report, requests and tasks point to that subject.
    """
    subject = _subject(analysis.patient.id, patient_reference or analysis.patient.record_reference)
    issued = analysis.generated_at
    entries = _Entries()
    results: list[str] = []
    finding_urls: dict[str, str] = {}
    for finding in analysis.findings:
        url = entries.add(_finding_observation(finding, subject, issued), f"finding {finding.id}")
        finding_urls[finding.id] = url
        results.append(url)
        if isinstance(finding, VariantFinding):
            consequence = molecular_consequence_observation(finding, url, subject, issued)
            if consequence is not None:
                results.append(entries.add(consequence, f"consequence {finding.id}"))
    gene_urls: dict[str, list[str]] = {}
    assessed = {result.gene: result for result in analysis.pgx if result.assessed}
    for result in assessed.values():
        genotype = genotype_observation(result, subject, issued)
        observations = [genotype] if genotype else presence_observations(result, subject, issued)
        for index, observation in enumerate(observations):
            url = entries.add(observation, f"pgx {result.gene} {index}")
            gene_urls.setdefault(result.gene, []).append(url)
            results.append(url)
    for result in assessed.values():
        phenotype = phenotype_observation(
            result,
            gene_urls.get(result.gene, []),
            kb_version=analysis.kb_version,
            subject=subject,
            issued=issued,
        )
        results.append(entries.add(phenotype, f"phenotype {result.gene}"))
    actions: list[str] = []
    for insight in analysis.insights:
        if insight.kind == "test_recommendation":
            # service_request needs a reference; a subject known only by identifier replaces it after
            request = service_request(insight, subject.get("reference", "Patient")) | {"subject": subject}
            request_url = entries.add(request, f"request {insight.id}")
            task = followup_task(insight.summary, subject, issued, focus=request_url)
            actions.append(entries.add(task, f"task {insight.id}"))
            continue
        derived = [finding_urls[fid] for fid in insight.finding_ids if fid in finding_urls]
        if insight.kind in _PGX_KINDS:
            derived += [
                url for gene in insight.genes for url in gene_urls.get(gene, []) if url not in derived
            ]
        implication = implication_observation(
            insight, derived, pgx=assessed, kb_version=analysis.kb_version, subject=subject, issued=issued
        )
        url = entries.add(implication, f"insight {insight.id}")
        results.append(url)
        if insight.kind == "germline":
            task = followup_task(insight.summary, subject, issued, reason=url, counseling=True)
            actions.append(entries.add(task, f"task {insight.id}"))
    entries.add(_report(analysis, subject, results, actions), "report", first=True)
    return _bundle(entries.entries, issued)


def _subject(patient_id: str, reference: str | None) -> Json:
    if reference:
        return {"reference": reference}
    if _FHIR_ID.match(patient_id):
        return {"reference": f"Patient/{patient_id}"}
    return {"identifier": {"value": patient_id}}


def _finding_observation(finding: Finding, subject: Json, issued: str) -> Json:
    if isinstance(finding, VariantFinding):
        return variant_observation(finding, subject, issued)
    if isinstance(finding, NegativeFinding):
        return negative_observation(finding, subject, issued)
    if isinstance(finding, CopyNumberFinding):
        return copy_number_observation(finding, subject, issued)
    if isinstance(finding, FusionFinding):
        return fusion_observation(finding, subject, issued)
    if isinstance(finding, BiomarkerFinding):
        return biomarker_observation(finding, subject, issued)
    assert_never(finding)


def _report(analysis: Analysis, subject: Json, results: list[str], actions: list[str]) -> Json:
    report: Json = {"resourceType": "DiagnosticReport", "meta": {"profile": [profile("genomic-report")]}}
    if actions:
        report["extension"] = [
            {"url": RECOMMENDED_ACTION, "valueReference": {"reference": url}} for url in actions
        ]
    report |= {
        "status": "preliminary",
        "category": report_categories(),
        "code": concept(
            coding(LOINC, "51969-4", "Genetic analysis report"), text="Genomic analysis (integrome)"
        ),
        "subject": subject,
        "issued": analysis.generated_at,
    }
    if results:
        report["result"] = [{"reference": url} for url in results]
    report["conclusion"] = _conclusion(analysis)
    return report


def _conclusion(analysis: Analysis) -> str:
    """Short text: the leading insights, what was not assessed, and that a clinician must review it."""
    parts = []
    titles = [insight.title for insight in analysis.insights[:_SHOWN_INSIGHTS]]
    if titles:
        more = len(analysis.insights) - len(titles)
        parts.append("Key results: " + "; ".join(titles) + (f" (and {more} more)" if more > 0 else "") + ".")
    else:
        parts.append("No actionable result.")
    not_assessed = [result.gene for result in analysis.pgx if not result.assessed]
    if not_assessed:
        parts.append(f"Not assessed (phenotype unknown, not normal): {', '.join(not_assessed)}.")
    parts.append(f"Computed by integrome (knowledge base {analysis.kb_version}); for clinician review.")
    return " ".join(parts)


def _bundle(entries: list[Json], timestamp: str) -> Json:
    canonical = json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    bid = str(uuid.uuid5(_NAMESPACE, f"bundle\n{canonical}"))
    return {
        "resourceType": "Bundle",
        "id": bid,
        "identifier": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{bid}"},
        "type": "collection",
        "timestamp": timestamp,
        "entry": entries,
    }


def validate_fhir_bundle(bundle: Json) -> None:
    """Check the bundle against the FHIR R4B models; a failure names the entry and field.

    This is the boundary check before a bundle leaves integrome (PERFORMANCE.md: about 66 ms for
    200 resources), so the writer can never hand an EHR a structurally invalid document.
    """
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    try:
        Bundle.model_validate(bundle)
    except ValidationError as exc:
        error = exc.errors()[0]
        place = "/".join(str(part) for part in error["loc"])
        raise DeliveryError(f"FHIR bundle is not valid R4B at /{place}: {error['msg']}") from exc


def render_fhir_bundle(analysis: Analysis, *, patient_reference: str | None = None) -> str:
    """The validated bundle as JSON text, 2-space indented and newline-terminated (fhir-bundle.json)."""
    bundle = analysis_to_fhir(analysis, patient_reference=patient_reference)
    validate_fhir_bundle(bundle)
    return json.dumps(bundle, indent=2, ensure_ascii=False) + "\n"

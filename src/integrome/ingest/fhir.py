"""FHIR R4 (R4B-validated) JSON or XML → profile parts: patient, diagnoses, medications, results.

Accepted shapes: a Bundle of type collection, transaction, searchset, batch or document, or a single
resource (which is read as a one-entry Bundle). References resolve by `urn:uuid:` fullUrl, by
absolute fullUrl, by `Type/id` and by `#id` for contained resources (FHIR R4 §2.36.4 "Resolving
references in Bundles").

The whole document is validated with fhir.resources' R4B models once, so a malformed resource stops
the read with its JSON pointer ("bundle.json:/entry/3/resource: Observation.code: field required");
the values are then read from the plain JSON. Names, addresses and other identifiers except the
patient id never leave this module.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from integrome.errors import InputError
from integrome.ingest._fhir_common import Collector, Json, Located, cc_text, codings
from integrome.ingest._fhir_observation import read_observation, read_text_results
from integrome.ingest._fhir_sites import merge_sites
from integrome.ingest._result import IngestResult, PatientFacts
from integrome.ingest.detect import parse_json, read_input_bytes
from integrome.model import (
    BiomarkerFinding,
    Coverage,
    Diagnosis,
    InputDocument,
    Medication,
    MedicationStatus,
    Origin,
)
from integrome.normalize.diseases import map_codings
from integrome.normalize.drugs import Drug, canonical_drug, find_drugs

__all__ = ["read_fhir", "read_fhir_data"]

_BUNDLE_TYPES = {"collection", "transaction", "searchset", "batch", "document"}
_READ_TYPES = (
    "Patient",
    "Condition",
    "MedicationRequest",
    "MedicationStatement",
    "Observation",
    "DiagnosticReport",
)
_ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
_SNOMED = "http://snomed.info/sct"
_RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
_SYSTEM_NAMES = {
    "http://hl7.org/fhir/sid/icd-10-cm": "icd-10-cm",
    "http://hl7.org/fhir/sid/icd-10": "icd-10",
    "http://snomed.info/sct": "snomedct",
    "http://purl.obolibrary.org/obo/doid.owl": "doid",
    "http://purl.obolibrary.org/obo/mondo.owl": "mondo",
    "http://ncicb.nci.nih.gov/xml/owl/EVS/Thesaurus.owl": "ncit",
    "http://oncotree.mskcc.org": "oncotree",
    "http://oncotree.info": "oncotree",
}
_KEPT_CLINICAL = {"active", "recurrence", "relapse", "remission"}
_VOID_VERIFICATION = {"entered-in-error", "refuted"}


def read_fhir(path: Path) -> IngestResult:
    """Read a FHIR JSON or XML file (optionally gzipped)."""
    raw = read_input_bytes(path)
    sha256 = hashlib.sha256(raw).hexdigest()
    if raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        # fhir.resources validated the XML while converting it; the JSON needs no second pass.
        return _read(_parse_xml(raw, path.name), name=path.name, sha256=sha256, size=len(raw), validated=True)
    return _read(parse_json(raw, path.name), name=path.name, sha256=sha256, size=len(raw))


def read_fhir_data(data: dict[str, Any], *, name: str) -> IngestResult:
    """Read an already-parsed FHIR JSON body (the API receives Bundles this way).

    The document hash is taken over canonical JSON (sorted keys, no whitespace), so the same body
    posted twice gets the same `InputDocument.sha256`.
    """
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return _read(data, name=name, sha256=hashlib.sha256(canonical).hexdigest(), size=len(canonical))


def _parse_xml(raw: bytes, name: str) -> Json:
    """FHIR XML → the equivalent FHIR JSON dict, via fhir.resources' XML support.

    Comments are dropped first (fhir.resources mistakes a comment before `<id>` for an element
    extension), and the parser neither resolves entities nor touches the network.
    """
    from fhir.resources.R4B import get_fhir_model_class
    from lxml import etree
    from pydantic import ValidationError

    parser = etree.XMLParser(remove_comments=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno is not None else 0
        raise InputError(name, f"line {line}", f"invalid XML: {exc.msg}") from exc
    tag = etree.QName(root)
    if tag.namespace != "http://hl7.org/fhir":
        raise InputError(
            name,
            "/",
            f"expected a FHIR XML resource (namespace http://hl7.org/fhir), found <{tag.localname}>",
        )
    try:
        model_class = get_fhir_model_class(tag.localname)
    except ValueError as exc:
        raise InputError(name, "/", f"unknown FHIR R4B resource type {tag.localname!r}") from exc
    try:
        model = model_class.model_validate_xml(etree.tostring(root))
    except ValidationError as exc:
        raise _validation_error(exc, {}, name) from exc
    dumped: Json = model.model_dump(mode="json", by_alias=True, exclude_none=True)
    return dumped


def _read(data: Any, *, name: str, sha256: str, size: int, validated: bool = False) -> IngestResult:
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise InputError(name, "/", "expected a FHIR resource (a JSON object with resourceType)")
    if not validated:
        _validate(data, name)
    document = InputDocument(name=name, format="fhir", sha256=sha256, size=size)
    resources = list(_resources(data, name))
    index = _Index(data, resources)
    out = Collector(name)
    result = IngestResult(document=document, patient=_patient(resources, name))
    for located in resources:
        kind = located.type
        if kind == "Condition":
            diagnosis = _diagnosis(located)
            if diagnosis is not None and diagnosis not in result.diagnoses:
                result.diagnoses.append(diagnosis)
        elif kind in ("MedicationRequest", "MedicationStatement"):
            result.medications.extend(_medications(located, index, out))
        elif kind == "Observation":
            read_observation(located, out)
        elif kind == "DiagnosticReport":
            _report(located, out)
    _drop_redundant_haplotypes(out)
    result.findings.extend(out.findings)
    result.genotypes.extend(out.genotypes)
    result.observations.extend(out.observations)
    result.sites.extend(merge_sites(out))
    for finding in out.findings:
        if not isinstance(finding, BiomarkerFinding):
            out.cover(getattr(finding, "gene", None))
    for call in out.genotypes:
        out.cover(call.gene)
    if out.covered_genes:
        result.coverage.append(
            Coverage(input=name, assay="fhir", origin=_shared_origin(out), genes=sorted(out.covered_genes))
        )
    result.warnings.extend(out.warnings)
    if not any(located.type in _READ_TYPES for located in resources):
        found = sorted({located.type for located in resources}) or ["no resources"]
        result.warnings.append(
            f"{name}: no patient data read: found {', '.join(found)}; expected a Bundle or a Patient, "
            "Condition, MedicationRequest, MedicationStatement, Observation or DiagnosticReport"
        )
    elif not (
        result.patient.id
        or result.diagnoses
        or result.medications
        or result.findings
        or result.genotypes
        or result.observations
        or result.warnings
    ):
        # e.g. an interpretation Observation whose variant lives in another file, or a report whose
        # results exist only as narrative text: say so rather than return a silently empty analysis.
        read = ", ".join(sorted({located.type for located in resources}))
        result.warnings.append(
            f"{name}: no patient data read: nothing in its {read} resources is a patient, diagnosis, "
            "medication, result or genomic finding that integrome can use"
        )
    return result


def _validate(data: Json, name: str) -> None:
    """Validate against the R4B models; the first error is reported with its JSON pointer."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    _check_resource_types(data, "", name)
    model_class = get_fhir_model_class(data["resourceType"])
    try:
        model_class.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, data, name) from exc


def _check_resource_types(resource: Json, pointer: str, name: str) -> None:
    """Every resourceType must be an R4B type (fhir.resources fails on unknown nested types with KeyError)."""
    from fhir.resources.R4B import get_fhir_model_class

    rtype = resource.get("resourceType")
    try:
        get_fhir_model_class(str(rtype))
    except ValueError as exc:
        raise InputError(
            name, f"{pointer}/resourceType", f"unknown FHIR R4B resource type {rtype!r}"
        ) from exc
    children: list[tuple[str, Any]] = []
    if isinstance(resource.get("entry"), list):
        children += [
            (f"{pointer}/entry/{i}/resource", entry.get("resource"))
            for i, entry in enumerate(resource["entry"])
            if isinstance(entry, dict)
        ]
    if isinstance(resource.get("contained"), list):
        children += [(f"{pointer}/contained/{i}", child) for i, child in enumerate(resource["contained"])]
    for child_pointer, child in children:
        if child is None:
            continue
        if not isinstance(child, dict) or not isinstance(child.get("resourceType"), str):
            raise InputError(name, child_pointer, "expected a FHIR resource (an object with resourceType)")
        _check_resource_types(child, child_pointer, name)


def _validation_error(exc: Any, data: Json, name: str) -> InputError:
    """One line from pydantic's first error: pointer to the resource, then Type.field: problem."""
    error = exc.errors()[0]
    loc = [part for part in error["loc"] if part != "root"]
    node: Any = data
    resource_at, resource_type = 0, str(data.get("resourceType", exc.title))
    for depth, part in enumerate(loc, start=1):
        in_dict = isinstance(node, dict) and isinstance(part, str) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if not (in_dict or in_list):
            break
        node = node[part]
        if isinstance(node, dict) and isinstance(node.get("resourceType"), str):
            resource_at, resource_type = depth, node["resourceType"]
    pointer = "".join(f"/{part}" for part in loc[:resource_at]) or "/"
    field = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc[resource_at:])
    message = {
        "missing": "field required",
        "model_field_validation.missing": "field required",
        "extra_forbidden": "unknown field (not in FHIR R4B)",
    }.get(error["type"], str(error["msg"]).removeprefix("Value error, "))
    return InputError(name, pointer, f"{resource_type}{field}: {message}")


def _resources(data: Json, name: str) -> Iterator[Located]:
    """Every resource of the document with its pointer; Bundles are walked, nested ones too."""
    if data["resourceType"] != "Bundle":
        yield Located(data, "")
        return
    bundle_type = data.get("type")
    if bundle_type not in _BUNDLE_TYPES:
        raise InputError(
            name,
            "/type",
            f"Bundle type {bundle_type!r} is not read; expected one of {', '.join(sorted(_BUNDLE_TYPES))}",
        )
    yield from _walk_bundle(data, "")


def _walk_bundle(bundle: Json, pointer: str) -> Iterator[Located]:
    for i, entry in enumerate(bundle.get("entry", [])):
        resource = entry.get("resource")
        if resource is None or entry.get("request", {}).get("method") == "DELETE":
            continue
        if entry.get("search", {}).get("mode") == "outcome":
            continue
        where = f"{pointer}/entry/{i}/resource"
        if resource["resourceType"] == "Bundle":
            yield from _walk_bundle(resource, where)
        else:
            yield Located(resource, where)


class _Index:
    """Resolves references within the document: fullUrl, Type/id and #contained ids."""

    def __init__(self, data: Json, resources: list[Located]) -> None:
        self._by_key: dict[str, Json] = {}
        for located in resources:
            if located.resource.get("id"):
                self._by_key[f"{located.type}/{located.resource['id']}"] = located.resource
        self._full_urls: dict[str, Json] = {}
        self._add_full_urls(data)

    def _add_full_urls(self, bundle: Json) -> None:
        for entry in bundle.get("entry", []):
            resource = entry.get("resource")
            if isinstance(resource, dict) and entry.get("fullUrl"):
                self._full_urls[str(entry["fullUrl"])] = resource
            if isinstance(resource, dict) and resource.get("resourceType") == "Bundle":
                self._add_full_urls(resource)

    def resolve(self, reference: str, container: Json) -> Json | None:
        if reference.startswith("#"):
            return next((c for c in container.get("contained", []) if c.get("id") == reference[1:]), None)
        found = self._full_urls.get(reference) or self._by_key.get(reference)
        if found is None:
            tail = re.search(r"([A-Za-z]+/[A-Za-z0-9\-.]{1,64})(/_history/.*)?$", reference)
            found = self._by_key.get(tail.group(1)) if tail else None
        return found


def _patient(resources: list[Located], name: str) -> PatientFacts:
    """Demographics of the one Patient; a Bundle about two different patients is refused."""
    patients = [located for located in resources if located.type == "Patient"]
    facts = [_patient_facts(located.resource) for located in patients]
    distinct = {f.id for f in facts}
    if len(distinct) > 1:
        labels = ", ".join(located.label for located in patients)
        raise InputError(
            name, patients[1].pointer, f"expected one patient per file, found several ({labels})"
        )
    return facts[0] if facts else PatientFacts()


def _patient_facts(patient: Json) -> PatientFacts:
    """Id from the first identifier value (MRN), else the resource id; never the name."""
    identifier = next((i["value"] for i in patient.get("identifier", []) if i.get("value")), None)
    return PatientFacts(
        id=identifier or patient.get("id"),
        sex=patient.get("gender"),
        birth_date=patient.get("birthDate"),
        reference=f"Patient/{patient['id']}" if patient.get("id") else None,
    )


def _diagnosis(located: Located) -> Diagnosis | None:
    """Condition → Diagnosis, or None for conditions that do not hold now.

    Kept: clinicalStatus active, recurrence, relapse or remission (a cancer in remission still
    drives surveillance and germline questions), or no clinicalStatus at all. Skipped: inactive
    and resolved conditions, and verificationStatus entered-in-error or refuted. The coding shown
    is ICD-10-CM, else SNOMED CT, else the first other coding, else the text; OncoTree is mapped
    from every coding and the text, and the most specific code wins.
    """
    condition = located.resource
    clinical = {c.get("code") for c in codings(condition.get("clinicalStatus"))}
    verification = {c.get("code") for c in codings(condition.get("verificationStatus"))}
    if verification & _VOID_VERIFICATION or (clinical and not clinical & _KEPT_CLINICAL):
        return None
    concept = condition.get("code") or {}
    text = str(concept.get("text") or "")
    all_codings = [c for c in codings(concept) if c.get("code")]
    ordered = sorted(all_codings, key=lambda c: (c.get("system") != _ICD10CM, c.get("system") != _SNOMED))
    wording = text or next((str(c["display"]) for c in ordered if c.get("display")), None)
    oncotree = map_codings([(str(c.get("system", "")), str(c["code"])) for c in ordered], wording)
    if ordered:
        chosen = ordered[0]
        display = str(chosen.get("display") or text or chosen["code"])
        return Diagnosis(
            system=_system_name(chosen.get("system")),
            code=str(chosen["code"]),
            display=display,
            oncotree=oncotree,
        )
    if text:
        return Diagnosis(system="text", code=text, display=text, oncotree=oncotree)
    return None


def _system_name(system: Any) -> str:
    return _SYSTEM_NAMES.get(str(system), str(system or "unknown"))


def _medications(located: Located, index: _Index, out: Collector) -> list[Medication]:
    status = _medication_status(located.resource)
    if status is None:
        return []
    course = _medication_course(located.resource, status)
    concepts = _medication_concepts(located, index, out)
    medications: list[Medication] = []
    for concept in concepts:
        text = cc_text(concept) or None
        drugs = _drugs(concept)
        if not drugs:
            out.warn(located, f"medication {text or '(no text)'!r} is not a known drug; it is not checked")
        medications.extend(
            Medication(
                name=drug.name,
                rxnorm=drug.rxnorm,
                status=status,
                text=text,
                source="fhir",
                setting=course.setting,
                stop_reason=course.stop_reason,
                ended=course.ended,
            )
            for drug in drugs
        )
    return medications


# --- medication course: setting, why it stopped, when it ended (line of therapy) ------------------

_NEOADJUVANT = re.compile(r"\bneo-?adjuvant\b", re.IGNORECASE)
_ADJUVANT = re.compile(r"\badjuvant\b", re.IGNORECASE)
_PROGRESSION = re.compile(r"\b(?:progress\w*|refractory|relaps\w*|recurr\w*)\b", re.IGNORECASE)
_INTOLERANCE = re.compile(r"\b(?:intoleran\w*|toxicit\w*|adverse|side[ -]effects?)\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:no|not|without)\s+(?:\w+\s+)?$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


@dataclass(frozen=True)
class _Course:
    setting: Literal["adjuvant", "neoadjuvant"] | None
    stop_reason: Literal["completed", "progression", "intolerance"] | None
    ended: str | None


def _medication_course(resource: Json, status: MedicationStatus) -> _Course:
    """What a MedicationStatement/MedicationRequest says about the course, so matching can tell a
    completed adjuvant course (not a failure of the drug) from a drug stopped for progression.

    Setting: 'adjuvant' or 'neoadjuvant' in reasonCode. Stop reason (stopped drugs only): statusReason
    wording (progression, relapse or recurrence; intolerance, toxicity or adverse effects; a negated
    mention such as 'no progression' does not count), else 'completed' when the status is completed
    (FHIR: the course ended as planned, unlike 'stopped'). End: MedicationStatement effectivePeriod.end.
    """
    reasons = " ; ".join(cc_text(concept) for concept in resource.get("reasonCode", []) if cc_text(concept))
    setting: Literal["adjuvant", "neoadjuvant"] | None = None
    if _NEOADJUVANT.search(reasons):
        setting = "neoadjuvant"
    elif _ADJUVANT.search(reasons):
        setting = "adjuvant"
    if status != "stopped":
        return _Course(setting, None, None)
    status_reason = resource.get("statusReason")
    concepts = status_reason if isinstance(status_reason, list) else [status_reason]
    why = " ; ".join(
        text
        for concept in concepts
        for text in (cc_text(concept), *(str(c.get("display", "")) for c in codings(concept)))
        if text
    )
    stop_reason: Literal["completed", "progression", "intolerance"] | None = None
    if _stated(_PROGRESSION, why):
        stop_reason = "progression"
    elif _stated(_INTOLERANCE, why):
        stop_reason = "intolerance"
    elif resource.get("status") == "completed":
        stop_reason = "completed"
    period = resource.get("effectivePeriod")
    end = str(period.get("end", "")).split("T", 1)[0] if isinstance(period, dict) else ""
    return _Course(setting, stop_reason, end if _DATE.match(end) else None)


def _stated(pattern: re.Pattern[str], text: str) -> bool:
    """A mention of `pattern` in `text` that is not negated ('no progression', 'not toxic')."""
    return any(not _NEGATION.search(text[: match.start()]) for match in pattern.finditer(text))


def _medication_status(resource: Json) -> MedicationStatus | None:
    """FHIR status (and MedicationRequest intent) → active / planned / stopped; None = skip.

    MedicationRequest: status draft, or intent plan/proposal → planned; active/on-hold orders →
    active; completed/stopped/cancelled → stopped; entered-in-error is skipped. MedicationStatement:
    active/on-hold → active, intended → planned, completed/stopped → stopped; not-taken and
    entered-in-error are skipped. An `unknown` status counts as active, so a drug of uncertain
    status is still checked against the patient's genotype.
    """
    status = resource.get("status")
    if status in ("entered-in-error", "not-taken"):
        return None
    if status in ("completed", "stopped", "cancelled"):
        return "stopped"
    if resource["resourceType"] == "MedicationStatement":
        return "planned" if status == "intended" else "active"
    if status == "draft" or resource.get("intent") in ("plan", "proposal"):
        return "planned"
    return "active"


def _medication_concepts(located: Located, index: _Index, out: Collector) -> list[Json]:
    """The coded drug(s): medicationCodeableConcept, or the referenced Medication's code/ingredients."""
    resource = located.resource
    if isinstance(resource.get("medicationCodeableConcept"), dict):
        return [resource["medicationCodeableConcept"]]
    reference = str(resource.get("medicationReference", {}).get("reference", ""))
    medication = index.resolve(reference, resource) if reference else None
    if medication is None:
        out.warn(located, f"medication reference {reference!r} does not resolve within the file")
        return []
    ingredients = [
        i["itemCodeableConcept"]
        for i in medication.get("ingredient", [])
        if isinstance(i.get("itemCodeableConcept"), dict)
    ]
    for ingredient in medication.get("ingredient", []):
        target = ingredient.get("itemReference", {}).get("reference")
        item = index.resolve(str(target), medication) if target else None
        if item is not None and isinstance(item.get("code"), dict):
            ingredients.append(item["code"])
    if ingredients:
        return ingredients
    return [medication["code"]] if isinstance(medication.get("code"), dict) else []


def _drugs(concept: Json) -> list[Drug]:
    """RxNorm code first, then the whole wording as one drug, then every drug named in it."""
    for coding in codings(concept):
        if coding.get("system") == _RXNORM and coding.get("code"):
            drug = canonical_drug(rxnorm=str(coding["code"]))
            if drug is not None:
                return [drug]
    wordings = [str(concept["text"])] if concept.get("text") else []
    wordings += [str(c["display"]) for c in codings(concept) if c.get("display")]
    for wording in wordings:
        drug = canonical_drug(text=wording)
        if drug is not None:
            return [drug]
    found: dict[str, Drug] = {}
    for wording in wordings:
        for drug in find_drugs(wording):
            found.setdefault(drug.name, drug)
    return list(found.values())


def _report(located: Located, out: Collector) -> None:
    """DiagnosticReport conclusion and conclusionCode: genetics reports often state results there.

    Only a report without `result` references is read this way. A report whose results are
    Observations states them there; its conclusion summarizes them ("Osimertinib for EGFR L858R"),
    and reading that text again would duplicate each finding without its details or contradict it.
    """
    report = located.resource
    if report.get("result"):
        return
    texts = [str(report["conclusion"])] if report.get("conclusion") else []
    texts += [cc_text(concept) for concept in report.get("conclusionCode", []) if cc_text(concept)]
    context = " ".join([cc_text(report.get("code")), *(cc_text(c) for c in report.get("category", []))])
    for text in texts:
        read_text_results(text, context, located, out)


def _drop_redundant_haplotypes(out: Collector) -> None:
    """A haplotype observation next to a genotype for the same gene is one of its two alleles."""
    with_diplotype = {call.gene for call in out.genotypes if call.diplotype}
    out.genotypes[:] = [
        call
        for call in out.genotypes
        if call.diplotype or call.present is False or call.gene not in with_diplotype
    ]


def _shared_origin(out: Collector) -> Origin:
    origins = {
        finding.origin
        for finding in out.findings
        if getattr(finding, "gene", None) and not isinstance(finding, BiomarkerFinding)
    }
    if out.genotypes:
        origins.add("germline")
    return origins.pop() if len(origins) == 1 else "unknown"

"""FHIR reading: document shapes, patient, conditions, medications and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from integrome.errors import InputError
from integrome.ingest.fhir import read_fhir, read_fhir_data

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"


def bundle(*resources: dict[str, Any], kind: str = "collection") -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": kind,
        "entry": [
            {"fullUrl": f"urn:uuid:00000000-0000-0000-0000-{i:012d}", "resource": r}
            for i, r in enumerate(resources)
        ],
    }


def patient(**extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": "https://example.org/mrn", "value": "MRN-42"}],
        "name": [{"family": "Doe-Secretname", "given": ["Jane"]}],
        "gender": "female",
        "birthDate": "1961-04-02",
        **extra,
    }


def condition(
    codings: list[dict[str, str]], text: str, clinical: str = "active", **extra: Any
) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"c-{len(text)}-{clinical}",
        "clinicalStatus": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical}
            ]
        },
        "code": {"coding": codings, "text": text},
        "subject": {"reference": "Patient/p1"},
        **extra,
    }


def statement(text: str, status: str, rxnorm: str | None = None, rid: str = "ms1") -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if rxnorm:
        concept["coding"] = [{"system": RXNORM, "code": rxnorm}]
    return {
        "resourceType": "MedicationStatement",
        "id": rid,
        "status": status,
        "medicationCodeableConcept": concept,
        "subject": {"reference": "Patient/p1"},
    }


def request(text: str, status: str, intent: str, rid: str = "mr1") -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": intent,
        "medicationCodeableConcept": {"text": text},
        "subject": {"reference": "Patient/p1"},
    }


def write(tmp_path: Path, data: Any, name: str = "bundle.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


# --- patient -------------------------------------------------------------------------------


def test_patient_id_is_the_identifier_value_and_the_name_never_leaves(tmp_path: Path) -> None:
    result = read_fhir(write(tmp_path, bundle(patient())))
    assert (result.patient.id, result.patient.sex, result.patient.birth_date) == (
        "MRN-42",
        "female",
        "1961-04-02",
    )
    assert "Secretname" not in repr(result)


def test_patient_without_identifier_uses_the_resource_id() -> None:
    result = read_fhir_data(bundle(patient(identifier=[])), name="b.json")
    assert result.patient.id == "p1"


def test_two_different_patients_in_one_bundle_are_refused() -> None:
    other = patient(id="p2", identifier=[{"value": "MRN-43"}])
    with pytest.raises(InputError, match=r"b\.json:/entry/1/resource: expected one patient per file"):
        read_fhir_data(bundle(patient(), other), name="b.json")


# --- conditions ----------------------------------------------------------------------------


def test_condition_shows_icd10cm_and_maps_to_the_most_specific_oncotree_code() -> None:
    lung = condition(
        [
            {"system": SNOMED, "code": "254626006", "display": "Adenocarcinoma of lung"},
            {
                "system": ICD10CM,
                "code": "C34.31",
                "display": "Malignant neoplasm of lower lobe, right bronchus or lung",
            },
        ],
        "Adenocarcinoma of right lower lobe of lung, stage IVB",
    )
    (diagnosis,) = read_fhir_data(bundle(lung), name="b.json").diagnoses
    assert (diagnosis.system, diagnosis.code, diagnosis.oncotree) == ("icd-10-cm", "C34.31", "LUAD")


def test_snomed_is_used_when_there_is_no_icd10cm_coding() -> None:
    mdd = condition([{"system": SNOMED, "code": "370143000", "display": "Major depressive disorder"}], "MDD")
    (diagnosis,) = read_fhir_data(bundle(mdd), name="b.json").diagnoses
    assert (diagnosis.system, diagnosis.code, diagnosis.display) == (
        "snomedct",
        "370143000",
        "Major depressive disorder",
    )


def test_text_only_condition_keeps_its_text() -> None:
    (diagnosis,) = read_fhir_data(
        bundle(condition([], "Metastatic lung adenocarcinoma")), name="b.json"
    ).diagnoses
    assert (diagnosis.system, diagnosis.display, diagnosis.oncotree) == (
        "text",
        "Metastatic lung adenocarcinoma",
        "LUAD",
    )


def test_secondary_neoplasm_has_no_oncotree_code() -> None:
    bone = condition([{"system": ICD10CM, "code": "C79.51"}], "Secondary malignant neoplasm of bone")
    (diagnosis,) = read_fhir_data(bundle(bone), name="b.json").diagnoses
    assert diagnosis.oncotree is None


def test_resolved_and_refuted_conditions_are_not_diagnoses() -> None:
    resolved = condition([{"system": ICD10CM, "code": "J18.9"}], "Pneumonia", clinical="resolved")
    refuted = condition(
        [{"system": ICD10CM, "code": "C50.911"}],
        "Breast cancer",
        verificationStatus={"coding": [{"code": "refuted"}]},
    )
    remission = condition([{"system": ICD10CM, "code": "C91.00"}], "ALL in remission", clinical="remission")
    diagnoses = read_fhir_data(bundle(resolved, refuted, remission), name="b.json").diagnoses
    assert [d.code for d in diagnoses] == ["C91.00"]


# --- medications ---------------------------------------------------------------------------


def test_medication_statuses_map_to_active_planned_and_stopped() -> None:
    data = bundle(
        statement("Amlodipine 5 mg", "active", rxnorm="17767", rid="a"),
        statement("Carboplatin IV", "completed", rxnorm="40048", rid="b"),
        statement("Escitalopram 10 mg", "intended", rid="c"),
        request("Irinotecan IV (FOLFIRI)", "draft", "plan", rid="d"),
        request("Clopidogrel 75 mg", "active", "order", rid="e"),
        request("Warfarin 5 mg", "stopped", "order", rid="f"),
    )
    medications = read_fhir_data(data, name="b.json").medications
    assert [(m.name, m.status) for m in medications] == [
        ("amlodipine", "active"),
        ("carboplatin", "stopped"),
        ("escitalopram", "planned"),
        ("irinotecan", "planned"),
        ("clopidogrel", "active"),
        ("warfarin", "stopped"),
    ]
    assert medications[1].rxnorm == "40048"
    assert medications[3].text == "Irinotecan IV (FOLFIRI)"


def test_not_taken_and_entered_in_error_medications_are_skipped() -> None:
    data = bundle(
        statement("Tamoxifen 20 mg", "not-taken", rid="a"),
        request("Codeine 30 mg", "entered-in-error", "order", rid="b"),
    )
    assert read_fhir_data(data, name="b.json").medications == []


def test_referenced_combination_product_gives_every_ingredient() -> None:
    product = {
        "resourceType": "Medication",
        "id": "triumeq",
        "code": {"text": "abacavir/dolutegravir/lamivudine tablet"},
        "ingredient": [
            {"itemCodeableConcept": {"coding": [{"system": RXNORM, "code": "190521"}]}},
            {"itemCodeableConcept": {"text": "dolutegravir"}},
            {"itemCodeableConcept": {"text": "lamivudine"}},
        ],
    }
    order = {
        "resourceType": "MedicationRequest",
        "id": "mr",
        "status": "draft",
        "intent": "plan",
        "medicationReference": {"reference": "urn:uuid:00000000-0000-0000-0000-000000000000"},
        "subject": {"reference": "Patient/p1"},
    }
    medications = read_fhir_data(bundle(product, order, kind="transaction"), name="b.json").medications
    assert [(m.name, m.status) for m in medications] == [
        ("abacavir", "planned"),
        ("dolutegravir", "planned"),
        ("lamivudine", "planned"),
    ]


def test_contained_medication_is_resolved_by_local_reference() -> None:
    order = {
        "resourceType": "MedicationRequest",
        "id": "mr",
        "status": "active",
        "intent": "order",
        "contained": [
            {"resourceType": "Medication", "id": "m", "code": {"text": "Clopidogrel 75 mg tablet"}}
        ],
        "medicationReference": {"reference": "#m"},
        "subject": {"reference": "Patient/p1"},
    }
    (medication,) = read_fhir_data(bundle(order), name="b.json").medications
    assert (medication.name, medication.status) == ("clopidogrel", "active")


def test_unknown_drug_is_a_warning_naming_the_resource() -> None:
    result = read_fhir_data(bundle(statement("Grandma's herbal tea", "active", rid="tea")), name="b.json")
    assert result.medications == []
    assert any(
        w.startswith("b.json:/entry/0/resource (MedicationStatement/tea)") and "not a known drug" in w
        for w in result.warnings
    )


def test_unresolvable_medication_reference_is_a_warning() -> None:
    order = {
        "resourceType": "MedicationRequest",
        "id": "mr",
        "status": "active",
        "intent": "order",
        "medicationReference": {"reference": "Medication/missing"},
        "subject": {"reference": "Patient/p1"},
    }
    result = read_fhir_data(bundle(order), name="b.json")
    assert any("'Medication/missing' does not resolve" in w for w in result.warnings)


# --- document shapes and bad input ---------------------------------------------------------


def test_single_resource_is_read_like_a_one_entry_bundle() -> None:
    result = read_fhir_data(statement("Simvastatin 40 mg", "active", rid="s"), name="med.json")
    assert [m.name for m in result.medications] == ["simvastatin"]


def test_bare_medication_resource_is_a_warning_not_an_error() -> None:
    result = read_fhir_data(
        {"resourceType": "Medication", "id": "m", "code": {"text": "aspirin"}}, name="m.json"
    )
    assert result.medications == []
    assert any(w.startswith("m.json: no patient data read: found Medication") for w in result.warnings)


def test_bundle_of_only_unread_resources_is_a_warning() -> None:
    procedure = {
        "resourceType": "Procedure",
        "id": "x",
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
    }
    result = read_fhir_data(bundle(procedure), name="b.json")
    assert any("no patient data read: found Procedure" in w for w in result.warnings)


def test_invalid_observation_is_reported_with_its_json_pointer(tmp_path: Path) -> None:
    broken = {"resourceType": "Observation", "id": "o", "status": "final"}
    data = bundle(patient(), statement("Aspirin", "active"), condition([], "x"), broken)
    with pytest.raises(InputError) as caught:
        read_fhir(write(tmp_path, data))
    assert str(caught.value) == "bundle.json:/entry/3/resource: Observation.code: field required"


def test_invalid_nested_field_names_the_field_path() -> None:
    broken = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "x"},
        "component": [{"valueString": "no code"}],
    }
    with pytest.raises(
        InputError, match=r"/entry/0/resource: Observation\.component\[0\]\.code: field required"
    ):
        read_fhir_data(bundle(broken), name="b.json")


def test_unknown_nested_resource_type_is_reported_with_its_pointer() -> None:
    with pytest.raises(
        InputError,
        match=r"b\.json:/entry/1/resource/resourceType: unknown FHIR R4B resource type 'Observatoin'",
    ):
        read_fhir_data(bundle(patient(), {"resourceType": "Observatoin"}), name="b.json")


def test_json_without_resource_type_is_refused() -> None:
    with pytest.raises(InputError, match=r"x\.json:/: expected a FHIR resource"):
        read_fhir_data({"entry": []}, name="x.json")


def test_non_json_content_is_refused_with_line_and_column(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"bundle\.json:line 1 column 1: invalid JSON"):
        read_fhir(write(tmp_path, "this is not json"))


def test_history_bundle_is_refused() -> None:
    with pytest.raises(InputError, match=r"b\.json:/type: Bundle type 'history' is not read"):
        read_fhir_data(bundle(patient(), kind="history"), name="b.json")


def test_same_body_posted_twice_has_the_same_hash() -> None:
    first = read_fhir_data(bundle(patient()), name="a.json").document
    reordered = json.loads(json.dumps(bundle(patient()), sort_keys=True))
    assert read_fhir_data(reordered, name="a.json").document.sha256 == first.sha256
    assert first.format == "fhir"


def test_file_document_records_name_size_and_hash(tmp_path: Path) -> None:
    path = write(tmp_path, bundle(patient()))
    document = read_fhir(path).document
    assert (document.name, document.size) == ("bundle.json", path.stat().st_size)


def test_fhir_xml_reads_like_json(shared_data: Path) -> None:
    xml = shared_data / "fhir-genomics-reporting" / "examples-stu2-2022" / "oncology-diagnostic.xml"
    result = read_fhir(xml)
    braf = next(f for f in result.findings if getattr(f, "gene", None) == "BRAF")
    assert braf.model_dump(include={"hgvs_p", "chrom", "pos", "ref", "alt", "build"}) == {
        "hgvs_p": "p.Val600Glu",
        "chrom": "chr7",
        "pos": 140453136,
        "ref": "A",
        "alt": "T",
        "build": "GRCh37",
    }
    assert result.patient.id == "1007"


def test_malformed_xml_reports_the_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, '<Bundle xmlns="http://hl7.org/fhir">\n<type value="collection">\n</Bundle>', "b.xml"
    )
    with pytest.raises(InputError, match=r"b\.xml:line \d+: invalid XML"):
        read_fhir(path)

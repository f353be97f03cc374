"""CDS Hooks services driven the way an EHR (or the CDS Hooks sandbox) drives them.

One server for the module, with the stored analysis of test case 32 (CYP2C19 *2/*2 after PCI, on
clopidogrel). The EHR identifies that patient by its FHIR id and prefetches the Patient resource,
whose MRN is how the stored analysis is found.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from tests.cdsehr import Ehr
from tests.integration.cdsharness import (
    CASE_32,
    CdsApi,
    LoopbackServer,
    bundle,
    hook_request,
    medication_request,
    running_cds,
)
from tests.unit.deliver.cds_spec import assert_cards_response_conforms, assert_discovery_conforms

FHIR_ID = "pat-d9a55e60a6"
MRN = "SYN-INT-0132"
SPEC_DRUG = "Amoxicillin 120 MG/ML / clavulanate potassium 8.58 MG/ML Oral Suspension"


def _case_patient() -> dict[str, Any]:
    record = json.loads((CASE_32 / "bundle.json").read_text())
    return next(e["resource"] for e in record["entry"] if e["resource"]["resourceType"] == "Patient")


@pytest.fixture(scope="module")
def cds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CdsApi]:
    with running_cds(tmp_path_factory.mktemp("cds")) as running:
        stored = running.api.post_files([CASE_32 / "bundle.json", CASE_32 / "variants.vcf"])
        assert stored.status_code == 201, stored.text
        yield running


def _prefetch(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "patient": _case_patient(),
        "conditions": None,
        "medications": bundle(
            medication_request(
                "Clopidogrel 75 mg oral tablet", "32968", "mr-active", FHIR_ID, status="active"
            ),
            kind="searchset",
        ),
        "genomics": None,
    }
    values.update(overrides)
    return values


def _order_sign(drug: str, rxnorm: str | None, **fields: Any) -> dict[str, Any]:
    draft = bundle(medication_request(drug, rxnorm, "draft-1", FHIR_ID))
    return hook_request("order-sign", FHIR_ID, draftOrders=draft, prefetch=_prefetch(), **fields)


def test_discovery_answers_a_signed_ehr_call(cds: CdsApi) -> None:
    response = cds.api.client.get("/cds-services", headers=cds.headers())
    assert response.status_code == 200
    body = response.json()
    assert_discovery_conforms(body)
    assert [s["id"] for s in body["services"]] == [
        "integrome-patient-view",
        "integrome-order-select",
        "integrome-order-sign",
    ]


def test_patient_view_finds_the_stored_analysis_through_the_prefetched_patient(cds: CdsApi) -> None:
    response = cds.call("integrome-patient-view", hook_request("patient-view", FHIR_ID, prefetch=_prefetch()))
    assert response.status_code == 200, response.text
    body = response.json()
    assert_cards_response_conforms(body)
    first = body["cards"][0]
    assert first["indicator"] == "critical"
    assert first["summary"].startswith("Clopidogrel: CYP2C19 poor metabolizer")
    assert "integrome analysis an-" in first["detail"]
    with cds.api.app.state.repository.transaction() as tx:
        rows = [row for row in tx.list_audit(limit=20) if row.action == "cds.patient-view"]
    assert rows
    assert rows[0].actor == "https://ehr.example.org#Practitioner/dr-1"
    assert rows[0].role == "cds-client"
    assert (rows[0].analysis_id or "").startswith("an-")


def test_order_sign_of_clopidogrel_for_the_poor_metabolizer_offers_prasugrel_or_ticagrelor(
    cds: CdsApi,
) -> None:
    response = cds.call("integrome-order-sign", _order_sign("clopidogrel 75 mg", "32968"))
    body = response.json()
    assert_cards_response_conforms(body)
    (card,) = body["cards"]
    assert card["indicator"] == "critical"
    assert [s["label"] for s in card["suggestions"]] == [
        "Replace clopidogrel with prasugrel",
        "Replace clopidogrel with ticagrelor",
    ]
    assert card["suggestions"][0]["actions"][0]["resourceId"] == "MedicationRequest/draft-1"
    assert card["suggestions"][0]["actions"][1]["resource"]["subject"] == {"reference": f"Patient/{FHIR_ID}"}


def test_order_select_of_a_drug_without_pgx_guidance_gets_no_card(cds: CdsApi) -> None:
    draft = bundle(medication_request("amoxicillin 500 mg", None, "draft-2", FHIR_ID))
    body = hook_request(
        "order-select",
        FHIR_ID,
        draftOrders=draft,
        selections=["MedicationRequest/draft-2"],
        prefetch=_prefetch(),
    )
    response = cds.call("integrome-order-select", body)
    assert response.status_code == 200
    assert response.json() == {"cards": []}


def test_the_spec_order_select_example_is_answered_as_the_sandbox_sends_it(cds: CdsApi) -> None:
    """Context of the CDS Hooks order-select R4 example (a pureed diet and an amoxicillin/clavulanate
    suspension), with the prefetch keys a sandbox fills from its FHIR server."""
    spec_example_orders = {
        "resourceType": "Bundle",
        "entry": [
            {
                "resource": {
                    "resourceType": "NutritionOrder",
                    "id": "pureeddiet-simple",
                    "status": "draft",
                    "patient": {"reference": "Patient/1288992"},
                    "dateTime": "2014-09-17",
                    "orderer": {"reference": "Practitioner/example", "display": "Dr Adam Careful"},
                }
            },
            {
                "resource": {
                    "resourceType": "MedicationRequest",
                    "id": "smart-MedicationRequest-103",
                    "status": "draft",
                    "intent": "order",
                    "medicationCodeableConcept": {
                        "coding": [
                            {
                                "system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                "code": "617993",
                                "display": SPEC_DRUG,
                            }
                        ],
                        "text": SPEC_DRUG,
                    },
                    "subject": {"reference": "Patient/1288992"},
                    "dosageInstruction": [{"text": "5 mL bid x 10 days"}],
                }
            },
        ],
    }
    body = {
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "fhirServer": "http://hooks.smarthealthit.org:9080",
        "hook": "order-select",
        "context": {
            "userId": "PractitionerRole/123",
            "patientId": "1288992",
            "encounterId": "89284",
            "selections": [
                "NutritionOrder/pureeddiet-simple",
                "MedicationRequest/smart-MedicationRequest-103",
            ],
            "draftOrders": spec_example_orders,
        },
        "prefetch": {
            "patient": {
                "resourceType": "Patient",
                "gender": "male",
                "birthDate": "1925-12-23",
                "id": "1288992",
                "active": True,
            },
            "conditions": None,
            "medications": None,
            "genomics": None,
        },
    }
    response = cds.call("integrome-order-select", body)
    assert response.status_code == 200, response.text
    assert response.json() == {"cards": []}
    clopidogrel = medication_request("Clopidogrel 75 mg", "32968", "smart-MedicationRequest-103", "1288992")
    spec_example_orders["entry"][1]["resource"] = clopidogrel
    response = cds.call(
        "integrome-order-select", body | {"hookInstance": "f2a1c6a0-7d0e-4a86-9d0c-2f1d3d1b0e11"}
    )
    (card,) = response.json()["cards"]
    assert card["summary"] == "No CYP2C19 result on file: consider CYP2C19 genotyping before clopidogrel"
    assert "the EHR record as sent with this request" in card["detail"]


def test_a_call_naming_the_patient_only_by_fhir_id_finds_the_analysis_stored_by_mrn(cds: CdsApi) -> None:
    response = cds.call("integrome-patient-view", hook_request("patient-view", FHIR_ID))
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert cards[0]["summary"].startswith("Clopidogrel: CYP2C19 poor metabolizer")
    assert "integrome analysis an-" in cards[0]["detail"]


def test_a_newer_stored_analysis_replaces_the_cached_one_at_the_next_call(cds: CdsApi) -> None:
    first = cds.call("integrome-patient-view", hook_request("patient-view", FHIR_ID)).json()["cards"][0]
    newer = cds.api.post_files([CASE_32 / "bundle.json", CASE_32 / "variants.vcf"]).json()["id"]
    assert newer not in first["detail"]
    again = cds.call("integrome-patient-view", hook_request("patient-view", FHIR_ID)).json()["cards"][0]
    assert f"integrome analysis {newer} " in again["detail"]


def test_a_token_used_against_one_server_process_is_refused_by_another(tmp_path: Path) -> None:
    ehr = Ehr()
    with running_cds(tmp_path, ehr) as first, running_cds(tmp_path, ehr) as second:
        headers = first.headers("integrome-patient-view")
        body = hook_request("patient-view", "unknown-patient")
        assert first.call("integrome-patient-view", body, headers).status_code == 412
        replayed = second.call("integrome-patient-view", body, headers)
        assert replayed.status_code == 401
        assert "replay" in replayed.json()["detail"]


def test_no_stored_analysis_and_no_genomics_prefetch_is_412(cds: CdsApi) -> None:
    body = hook_request("patient-view", "unknown-patient")
    response = cds.call("integrome-patient-view", body)
    assert response.status_code == 412
    assert response.headers["content-type"] == "application/problem+json"


def test_a_prefetched_genotype_observation_drives_the_card_when_nothing_is_stored(cds: CdsApi) -> None:
    genotype = {
        "resourceType": "Observation",
        "id": "gt-1",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": "http://loinc.org", "code": "84413-4", "display": "Genotype display name"}]
        },
        "subject": {"reference": "Patient/walk-in-9"},
        "valueCodeableConcept": {"text": "CYP2C19 *2/*2"},
    }
    draft = bundle(medication_request("clopidogrel", "32968", "d9", "walk-in-9"))
    body = hook_request(
        "order-sign",
        "walk-in-9",
        draftOrders=draft,
        prefetch={"genomics": bundle(genotype, kind="searchset"), "medications": None},
    )
    (card,) = cds.call("integrome-order-sign", body).json()["cards"]
    assert card["indicator"] == "critical"
    assert "CYP2C19 \\*2/\\*2 → Poor Metabolizer; source: fhir" in card["detail"]
    assert "the EHR record as sent with this request" in card["detail"]


def test_the_prefetched_medication_list_replaces_the_stored_one(cds: CdsApi) -> None:
    body = hook_request("patient-view", FHIR_ID, prefetch=_prefetch(medications=None))
    cards = cds.call("integrome-patient-view", body).json()["cards"]
    assert "critical" not in {c["indicator"] for c in cards}
    assert any(c["summary"].startswith("CYP2C19 poor metabolizer — relevant if prescribed: ") for c in cards)


def test_feedback_is_stored_with_the_accepted_suggestion_and_the_override_reason(cds: CdsApi) -> None:
    card = cds.call("integrome-order-sign", _order_sign("clopidogrel", "32968")).json()["cards"][0]
    feedback = {
        "feedback": [
            {
                "card": card["uuid"],
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": card["suggestions"][1]["uuid"]}],
                "outcomeTimestamp": "2026-11-25T12:00:00Z",
            },
            {
                "card": card["uuid"],
                "outcome": "overridden",
                "overrideReason": {"reason": card["overrideReasons"][0], "userComment": "bleeding risk"},
                "outcomeTimestamp": "2026-11-25T12:01:00Z",
            },
        ]
    }
    response = cds.api.client.post(
        "/cds-services/integrome-order-sign/feedback",
        json=feedback,
        headers=cds.headers("integrome-order-sign"),
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"stored": 2}
    with cds.api.app.state.repository.transaction() as tx:
        stored = [f for f in tx.list_cds_feedback("integrome-order-sign") if f.card_id == card["uuid"]]
    assert [(f.outcome, f.accepted_suggestions, f.override_reason, f.override_comment) for f in stored] == [
        ("accepted", (card["suggestions"][1]["uuid"],), None, None),
        ("overridden", (), "urn:integrome:cds-override-reason|alternative-not-suitable", "bleeding risk"),
    ]
    assert {f.client for f in stored} == {"https://ehr.example.org"}


def test_accepted_feedback_without_suggestions_is_refused(cds: CdsApi) -> None:
    feedback = {
        "feedback": [{"card": "c", "outcome": "accepted", "outcomeTimestamp": "2026-11-25T12:00:00Z"}]
    }
    response = cds.api.client.post(
        "/cds-services/integrome-order-sign/feedback",
        json=feedback,
        headers=cds.headers("integrome-order-sign"),
    )
    assert response.status_code == 422
    assert "acceptedSuggestions" in response.json()["detail"]


def test_unknown_service_is_404_and_a_request_for_another_hook_is_422(cds: CdsApi) -> None:
    body = hook_request("patient-view", FHIR_ID, prefetch=_prefetch())
    assert cds.call("no-such-service", body).status_code == 404
    response = cds.call("integrome-order-sign", body)
    assert response.status_code == 422
    assert "order-sign" in response.json()["detail"]


def test_order_select_without_selections_is_422(cds: CdsApi) -> None:
    draft = bundle(medication_request("clopidogrel", "32968", "d1", FHIR_ID))
    response = cds.call("integrome-order-select", hook_request("order-select", FHIR_ID, draftOrders=draft))
    assert response.status_code == 422
    assert "context.selections" in response.json()["detail"]


def test_a_body_that_is_not_a_hook_request_is_refused_without_echoing_it(cds: CdsApi) -> None:
    body = {"hook": "patient-view", "context": {"patientId": MRN}}
    response = cds.call("integrome-patient-view", body)
    assert response.status_code == 422
    assert "hookInstance" in response.json()["detail"]
    assert MRN not in response.text


def _fhir_stand_in(seen: list[tuple[str, str | None]]) -> FastAPI:
    """A FHIR server answering the service's prefetch queries for the case-32 patient."""
    app = FastAPI()
    token = "opaque-fhir-token"

    def authorized(request: Request) -> bool:
        seen.append(
            (
                request.url.path + ("?" + request.url.query if request.url.query else ""),
                request.headers.get("authorization"),
            )
        )
        return request.headers.get("authorization") == f"Bearer {token}"

    @app.get("/fhir/Patient/{pid}")
    def patient(pid: str, request: Request) -> JSONResponse:
        if not authorized(request):
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=401)
        if pid != FHIR_ID:
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=404)
        return JSONResponse(_case_patient())

    @app.get("/fhir/{kind}")
    def search(kind: str, request: Request) -> JSONResponse:
        if not authorized(request):
            return JSONResponse({"resourceType": "OperationOutcome"}, status_code=401)
        resources = []
        if kind == "MedicationRequest":
            resources = [medication_request("clopidogrel 75 mg", "32968", "mr-1", FHIR_ID, status="active")]
        return JSONResponse(bundle(*resources, kind="searchset"))

    return app


def test_the_fhir_server_is_read_with_the_ehr_access_token_when_prefetch_is_missing(tmp_path: Path) -> None:
    seen: list[tuple[str, str | None]] = []
    with LoopbackServer(_fhir_stand_in(seen)) as fhir:
        server = f"{fhir.url}/fhir"
        with running_cds(tmp_path, fhir_servers=[server]) as cds:
            stored = cds.api.post_files([CASE_32 / "bundle.json", CASE_32 / "variants.vcf"])
            assert stored.status_code == 201
            authorization = {
                "access_token": "opaque-fhir-token",
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "patient/Patient.read patient/Observation.read patient/MedicationRequest.read",
                "subject": "integrome-cds",
            }
            body = hook_request("patient-view", FHIR_ID, fhirServer=server, fhirAuthorization=authorization)
            response = cds.call("integrome-patient-view", body)
            assert response.status_code == 200, response.text
            assert response.json()["cards"][0]["indicator"] == "critical"
    paths = sorted(path for path, _ in seen)
    assert paths == [
        f"/fhir/Condition?patient={FHIR_ID}",
        f"/fhir/MedicationRequest?patient={FHIR_ID}&status=active,draft",
        f"/fhir/Observation?patient={FHIR_ID}&category=laboratory",
        f"/fhir/Patient/{FHIR_ID}",
    ]
    assert {auth for _, auth in seen} == {"Bearer opaque-fhir-token"}


def test_a_fhir_server_the_client_did_not_register_is_never_called(tmp_path: Path) -> None:
    seen: list[tuple[str, str | None]] = []
    with LoopbackServer(_fhir_stand_in(seen)) as fhir, running_cds(tmp_path) as cds:
        authorization = {
            "access_token": "opaque-fhir-token",
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "integrome-cds",
        }
        body = hook_request(
            "patient-view", FHIR_ID, fhirServer=f"{fhir.url}/fhir", fhirAuthorization=authorization
        )
        assert cds.call("integrome-patient-view", body).status_code == 412
    assert seen == []


def test_openapi_documents_the_cds_endpoints(cds: CdsApi) -> None:
    paths = cds.api.client.get("/openapi.json").json()["paths"]
    assert {"/cds-services", "/cds-services/{service_id}", "/cds-services/{service_id}/feedback"} <= set(
        paths
    )
    responses = paths["/cds-services/{service_id}"]["post"]["responses"]
    assert {"200", "401", "412"} <= set(responses)

"""FHIR resources inside CDS Hooks suggestions: valid R4B, and read back the way an EHR stores them."""

from __future__ import annotations

from typing import Any

import pytest

from integrome.deliver.cds_hooks import cds_patient, draft_orders, order_cards
from integrome.ingest.fhir import read_fhir_data
from integrome.knowledge import KnowledgeBase, load_knowledge_base
from integrome.model import Analysis, Patient, PgxResult

PATIENT_REF = "Patient/pat-7"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def _analysis(*pgx: PgxResult) -> Analysis:
    return Analysis(
        kb_version="2026.11.0+test",
        generated_at="2026-11-20T10:00:00Z",
        patient=Patient(id="MRN-7"),
        pgx=list(pgx),
    )


def _draft(drug: str, rxnorm: str) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "resource": {
                    "resourceType": "MedicationRequest",
                    "id": "draft-1",
                    "status": "draft",
                    "intent": "order",
                    "medicationCodeableConcept": {
                        "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": rxnorm}],
                        "text": drug,
                    },
                    "subject": {"reference": PATIENT_REF},
                    "encounter": {"reference": "Encounter/enc-1"},
                    "requester": {"reference": "Practitioner/dr-1"},
                }
            }
        ],
    }


def _apply(bundle: dict[str, Any], actions: list[dict[str, Any]]) -> dict[str, Any]:
    """What an EHR does with an accepted suggestion: delete by resourceId, create the resource."""
    entries = list(bundle["entry"])
    for action in actions:
        if action["type"] == "delete":
            kind, _, rid = action["resourceId"].partition("/")
            entries = [
                e for e in entries if (e["resource"]["resourceType"], e["resource"].get("id")) != (kind, rid)
            ]
        elif action["type"] == "create":
            entries.append({"resource": action["resource"]})
    return {**bundle, "entry": entries}


def _validate(resource: dict[str, Any]) -> None:
    from fhir.resources.R4B import get_fhir_model_class

    get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def _tamoxifen_cards(kb: KnowledgeBase, bundle: dict[str, Any]) -> list[dict[str, Any]]:
    cyp2d6 = PgxResult(
        gene="CYP2D6", diplotype="*4/*4", phenotype="Poor Metabolizer", assessed=True, source="outside_call"
    )
    patient = cds_patient(_analysis(cyp2d6), kb, basis="test")
    return order_cards(
        patient, draft_orders(bundle, None), kb, hook_instance="h", patient_reference=PATIENT_REF
    )


def test_every_suggested_resource_validates_as_fhir_r4b(kb: KnowledgeBase) -> None:
    cards = _tamoxifen_cards(kb, _draft("tamoxifen 20 mg tablet", "10324"))
    no_result = cds_patient(_analysis(), kb, basis="test")
    cards += order_cards(
        no_result,
        draft_orders(_draft("clopidogrel", "32968"), None),
        kb,
        hook_instance="h",
        patient_reference=PATIENT_REF,
    )
    created = [
        action["resource"]
        for card in cards
        for suggestion in card.get("suggestions", [])
        for action in suggestion["actions"]
        if action["type"] == "create"
    ]
    assert {r["resourceType"] for r in created} == {"MedicationRequest", "ServiceRequest"}
    for resource in created:
        _validate(resource)


def test_the_replacement_keeps_the_draft_encounter_and_requester(kb: KnowledgeBase) -> None:
    (card,) = _tamoxifen_cards(kb, _draft("tamoxifen", "10324"))
    created = card["suggestions"][0]["actions"][1]["resource"]
    assert created["encounter"] == {"reference": "Encounter/enc-1"}
    assert created["requester"] == {"reference": "Practitioner/dr-1"}
    assert (created["status"], created["intent"]) == ("draft", "order")


def test_an_accepted_replacement_reads_back_as_the_planned_alternative_and_passes_the_check(
    kb: KnowledgeBase,
) -> None:
    draft = _draft("tamoxifen 20 mg tablet", "10324")
    (card,) = _tamoxifen_cards(kb, draft)
    suggestion = next(s for s in card["suggestions"] if s["label"] == "Replace tamoxifen with anastrozole")
    accepted = _apply(draft, suggestion["actions"])
    read = read_fhir_data(accepted, name="draftOrders")
    assert [(m.name, m.rxnorm, m.status) for m in read.medications] == [("anastrozole", "84857", "planned")]
    assert read.warnings == []
    assert _tamoxifen_cards(kb, accepted) == []

"""FHIR MedicationStatement/MedicationRequest → Medication.setting, stop_reason and ended: what lets
biomarker matching tell a completed adjuvant course from a drug stopped for progression."""

from __future__ import annotations

from typing import Any

import pytest

from integrome.ingest.fhir import read_fhir_data
from integrome.model import Medication


def read(resource: dict[str, Any]) -> Medication:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": resource}]}
    (medication,) = read_fhir_data(bundle, name="b.json").medications
    return medication


def statement(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "id": "ms1",
        "status": status,
        "medicationCodeableConcept": {"text": "Osimertinib 80 mg oral tablet"},
        "subject": {"reference": "Patient/p1"},
        **extra,
    }


def test_completed_adjuvant_statement_keeps_setting_reason_and_end_date() -> None:
    medication = read(
        statement(
            "completed",
            reasonCode=[{"text": "Adjuvant therapy after resection of stage IIIA EGFR-mutant NSCLC"}],
            effectivePeriod={"start": "2020-05-04", "end": "2023-05-02T00:00:00Z"},
        )
    )
    assert (medication.status, medication.setting, medication.stop_reason, medication.ended) == (
        "stopped",
        "adjuvant",
        "completed",
        "2023-05-02",
    )


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("Disease progression on CT", "progression"),
        ("Grade 3 pneumonitis (toxicity)", "intolerance"),
        ("Course finished; no progression", "completed"),
    ],
)
def test_status_reason_wording_says_why_the_drug_stopped(reason: str, expected: str) -> None:
    medication = read(statement("completed", statusReason=[{"text": reason}]))
    assert medication.stop_reason == expected


def test_neoadjuvant_is_not_read_as_adjuvant() -> None:
    medication = read(
        statement("completed", reasonCode=[{"text": "Neoadjuvant chemotherapy before surgery"}])
    )
    assert medication.setting == "neoadjuvant"


def test_stopped_without_a_reason_leaves_the_reason_unknown() -> None:
    medication = read(statement("stopped", reasonCode=[{"text": "Adjuvant therapy"}]))
    assert (medication.setting, medication.stop_reason) == ("adjuvant", None)


def test_active_drug_has_no_stop_reason_or_end() -> None:
    medication = read(
        statement(
            "active",
            statusReason=[{"text": "progression"}],
            effectivePeriod={"start": "2024-01-02", "end": "2026-01-02"},
        )
    )
    assert (medication.status, medication.stop_reason, medication.ended) == ("active", None, None)


def test_medication_request_status_reason_is_one_concept() -> None:
    request = {
        "resourceType": "MedicationRequest",
        "id": "mr1",
        "status": "stopped",
        "intent": "order",
        "statusReason": {"coding": [{"display": "Adverse drug reaction"}]},
        "medicationCodeableConcept": {"text": "Osimertinib 80 mg oral tablet"},
        "subject": {"reference": "Patient/p1"},
    }
    assert read(request).stop_reason == "intolerance"

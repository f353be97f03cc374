"""A recommended test as a FHIR R4 ServiceRequest the EHR can turn into an order.

The request is a proposal (`status` draft, `intent` proposal): integrome suggests, a clinician
orders. The test is named in `code.text` only: the catalog carries no LOINC or local order codes, and
inventing one would be worse than none. The why (guideline, missing biomarkers, what is already known)
travels in `note`, the chosen catalog test in `performer` and `orderDetail`.
"""

from __future__ import annotations

from typing import Any

from integrome.errors import DeliveryError
from integrome.model import Insight, TestOption

__all__ = ["service_request"]

_LABORATORY_PROCEDURE = {
    "system": "http://snomed.info/sct",
    "code": "108252007",
    "display": "Laboratory procedure",
}
"""SNOMED CT category from the FHIR R4 ServiceRequest category example value set."""


def _closes(option: TestOption) -> str:
    if option.closes is None or option.of is None:
        return ""
    return f"; closes {option.closes} of {option.of} gaps"


def service_request(insight: Insight, patient_ref: str, option: TestOption | None = None) -> dict[str, Any]:
    """The ServiceRequest resource (plain JSON dict) for a test recommendation.

    `option` must be one of the insight's catalog options; without it the request names the tests
    of the recommendation and leaves the performing laboratory open.
    """
    if insight.kind != "test_recommendation":
        raise DeliveryError(
            f"insight {insight.id}: only test recommendations become a ServiceRequest, "
            f"found kind {insight.kind!r}"
        )
    if not patient_ref.strip():
        raise DeliveryError(f"insight {insight.id}: a patient reference (e.g. 'Patient/123') is required")
    if option is not None and option not in insight.options:
        raise DeliveryError(
            f"insight {insight.id}: {option.name!r} is not one of its catalog options "
            f"({', '.join(o.name for o in insight.options) or 'none'})"
        )
    details = [{"text": test} for test in insight.tests]
    if insight.specimen:
        details.append({"text": f"Specimen: {insight.specimen}"})
    if option is not None:
        details.append({"text": f"Catalog test: {option.name} ({option.provider}){_closes(option)}"})
    notes = [insight.summary, *insight.rationale]
    if insight.urgency is not None:
        notes.append(f"Urgency: {insight.urgency}")
    notes.extend(f"Guideline: {c.source}, {c.id}" + (f" {c.url}" if c.url else "") for c in insight.citations)
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "category": [{"coding": [dict(_LABORATORY_PROCEDURE)]}],
        "priority": "urgent" if insight.urgency == "urgent" else "routine",
        "code": {"text": option.name if option is not None else "; ".join(insight.tests) or insight.title},
        "orderDetail": details,
        "subject": {"reference": patient_ref},
        "reasonCode": [{"text": insight.title}],
        "note": [{"text": text} for text in notes],
    }
    if option is not None:
        resource["performer"] = [{"display": option.provider}]
    return resource

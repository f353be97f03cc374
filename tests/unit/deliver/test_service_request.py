"""A recommended test exported as a FHIR R4 ServiceRequest (validated with fhir.resources R4B)."""

from __future__ import annotations

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from integrome.deliver.service_request import service_request
from integrome.errors import DeliveryError
from integrome.knowledge import load_knowledge_base
from integrome.knowledge.testing import load_gap_knowledge
from integrome.match.gaps import match_gaps
from integrome.model import Citation, Diagnosis, Insight, Patient, PatientProfile


@pytest.fixture(scope="module")
def recommendation() -> Insight:
    lung = Diagnosis(
        system="oncotree", code="LUAD", display="Lung adenocarcinoma", oncotree="LUAD", stage="IV"
    )
    profile = PatientProfile(patient=Patient(id="p1", diagnoses=[lung]))
    (insight,) = match_gaps(profile, load_knowledge_base(), load_gap_knowledge()).insights
    return insight.model_copy(update={"id": "i1"})


def test_service_request_without_option_is_a_valid_draft_proposal(recommendation: Insight) -> None:
    resource = service_request(recommendation, "Patient/p1")
    parsed = ServiceRequest.model_validate(resource)
    assert (parsed.status, parsed.intent, parsed.priority) == ("draft", "proposal", "urgent")
    assert parsed.subject.reference == "Patient/p1"
    assert parsed.code.text == "; ".join(recommendation.tests)
    assert parsed.reasonCode[0].text == recommendation.title
    assert parsed.performer is None
    notes = [note.text for note in parsed.note]
    assert recommendation.summary in notes
    assert any(text.startswith("Guideline: CAP/IASLC/AMP") for text in notes)
    assert any(
        detail.text == "Specimen: tumor tissue (FFPE) or plasma ctDNA" for detail in parsed.orderDetail
    )


def test_service_request_for_a_catalog_option_names_test_and_laboratory(recommendation: Insight) -> None:
    option = recommendation.options[0]
    parsed = ServiceRequest.model_validate(service_request(recommendation, "Patient/p1", option))
    assert parsed.code.text == option.name
    assert parsed.performer[0].display == option.provider
    assert any(
        detail.text
        == f"Catalog test: {option.name} ({option.provider}); closes {option.closes} of {option.of} gaps"
        for detail in parsed.orderDetail
    )


def test_option_from_another_recommendation_is_refused(recommendation: Insight) -> None:
    foreign = recommendation.options[0].model_copy(update={"test_id": "other", "name": "Other test"})
    with pytest.raises(DeliveryError, match="'Other test' is not one of its catalog options"):
        service_request(recommendation, "Patient/p1", foreign)


def test_only_test_recommendations_become_service_requests() -> None:
    therapy = Insight(
        id="i2",
        kind="therapy",
        title="Osimertinib for EGFR L858R",
        summary="Tier IA",
        citations=[Citation(source="FDA", id="TAGRISSO label")],
    )
    with pytest.raises(DeliveryError, match="insight i2: only test recommendations"):
        service_request(therapy, "Patient/p1")


def test_patient_reference_is_required(recommendation: Insight) -> None:
    with pytest.raises(DeliveryError, match="a patient reference"):
        service_request(recommendation, " ")

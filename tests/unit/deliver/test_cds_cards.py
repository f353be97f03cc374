"""CDS Hooks cards from an analysis (deliver/cds_hooks.py): what each hook shows, spec shapes."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.unit.deliver.cds_spec import (
    assert_card_conforms,
    assert_cards_response_conforms,
    assert_discovery_conforms,
)

from integrome.deliver.cds_hooks import (
    CdsPatient,
    cds_patient,
    discovery,
    draft_orders,
    order_cards,
    patient_view_cards,
)
from integrome.errors import InputError
from integrome.knowledge import KnowledgeBase, load_knowledge_base
from integrome.model import (
    Analysis,
    Citation,
    Diagnosis,
    GenotypeCall,
    Insight,
    Medication,
    Patient,
    PatientProfile,
    PgxResult,
)

PATIENT_REF = "Patient/pat-1"
CPIC_CLOPIDOGREL = Citation(
    source="CPIC",
    id="PMID:35034351",
    url="https://cpicpgx.org/guidelines/guideline-for-clopidogrel-and-cyp2c19/",
)
ERBITUX = Citation(source="FDA", id="Erbitux (cetuximab) label")
TAGRISSO = Citation(source="FDA", id="Tagrisso (osimertinib) label")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def _analysis(
    pgx: list[PgxResult] | None = None,
    medications: list[Medication] | None = None,
    insights: list[Insight] | None = None,
) -> Analysis:
    return Analysis(
        kb_version="2026.11.0+test",
        generated_at="2026-11-20T10:00:00Z",
        patient=Patient(
            id="MRN-1",
            sex="male",
            diagnoses=[Diagnosis(system="icd-10-cm", code="I21.4", display="NSTEMI")],
            medications=medications or [],
        ),
        pgx=pgx or [],
        insights=insights or [],
    )


def _cyp2c19(diplotype: str, phenotype: str) -> PgxResult:
    return PgxResult(gene="CYP2C19", diplotype=diplotype, phenotype=phenotype, assessed=True, source="vcf")


def _patient(kb: KnowledgeBase, analysis: Analysis, **kwargs: Any) -> CdsPatient:
    return cds_patient(analysis, kb, basis="integrome analysis an-1 of 2026-11-20", **kwargs)


def _order(drug_text: str, order_id: str = "mr1", rxnorm: str | None = None, **extra: Any) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": drug_text}
    if rxnorm:
        concept["coding"] = [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": rxnorm}]
    return {
        "resource": {
            "resourceType": "MedicationRequest",
            "id": order_id,
            "status": "draft",
            "intent": "order",
            "medicationCodeableConcept": concept,
            "subject": {"reference": PATIENT_REF},
            **extra,
        }
    }


def _bundle(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": list(entries)}


def _order_cards(
    kb: KnowledgeBase, patient: CdsPatient, bundle: dict[str, Any], selections: list[str] | None = None
) -> list[dict[str, Any]]:
    cards = order_cards(
        patient, draft_orders(bundle, selections), kb, hook_instance="hook-1", patient_reference=PATIENT_REF
    )
    assert_cards_response_conforms({"cards": cards})
    return cards


def test_discovery_lists_patient_view_order_select_and_order_sign_with_prefetch() -> None:
    body = discovery()
    assert_discovery_conforms(body)
    assert {s["hook"] for s in body["services"]} == {"patient-view", "order-select", "order-sign"}
    prefetch = body["services"][0]["prefetch"]
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    assert {"conditions", "medications", "genomics"} <= set(prefetch)
    assert all("{{context.patientId}}" in template for template in prefetch.values())


def test_ordering_clopidogrel_for_a_poor_metabolizer_is_critical_with_two_replacements(
    kb: KnowledgeBase,
) -> None:
    patient = _patient(kb, _analysis(pgx=[_cyp2c19("*2/*2", "Poor Metabolizer")]))
    cards = _order_cards(kb, patient, _bundle(_order("Clopidogrel 75 mg tablet", rxnorm="32968")))
    assert len(cards) == 1
    card = cards[0]
    assert card["indicator"] == "critical"
    assert "CYP2C19 poor metabolizer" in card["summary"]
    assert card["selectionBehavior"] == "at-most-one"
    labels = [s["label"] for s in card["suggestions"]]
    assert labels == ["Replace clopidogrel with prasugrel", "Replace clopidogrel with ticagrelor"]
    delete, create = card["suggestions"][0]["actions"]
    assert delete == {
        "type": "delete",
        "description": "Remove the draft clopidogrel order",
        "resourceId": "MedicationRequest/mr1",
    }
    assert create["type"] == "create"
    assert create["resource"]["resourceType"] == "MedicationRequest"
    assert create["resource"]["medicationCodeableConcept"]["text"] == "prasugrel"
    assert create["resource"]["subject"] == {"reference": PATIENT_REF}
    assert "CYP2C19 \\*2/\\*2 → Poor Metabolizer" in card["detail"]
    assert "outside call" not in card["detail"]
    assert card["overrideReasons"]


def test_replacement_order_carries_rxnorm_only_when_the_drug_table_knows_it(kb: KnowledgeBase) -> None:
    patient = _patient(
        kb,
        _analysis(
            pgx=[
                PgxResult(
                    gene="CYP2D6",
                    diplotype="*4/*4",
                    phenotype="Poor Metabolizer",
                    assessed=True,
                    source="outside_call",
                )
            ]
        ),
    )
    cards = _order_cards(kb, patient, _bundle(_order("tamoxifen 20 mg", rxnorm="10324")))
    creates = {
        s["label"]: s["actions"][1]["resource"]["medicationCodeableConcept"] for s in cards[0]["suggestions"]
    }
    anastrozole = creates["Replace tamoxifen with anastrozole"]
    assert anastrozole["coding"][0]["code"] == "84857"
    assert "coding" not in creates["Replace tamoxifen with exemestane"]


def test_normal_metabolizer_ordering_clopidogrel_gets_no_card(kb: KnowledgeBase) -> None:
    patient = _patient(kb, _analysis(pgx=[_cyp2c19("*1/*1", "Normal Metabolizer")]))
    assert _order_cards(kb, patient, _bundle(_order("clopidogrel", rxnorm="32968"))) == []


def test_no_cyp2c19_result_on_file_suggests_genotyping_before_clopidogrel(kb: KnowledgeBase) -> None:
    patient = _patient(kb, _analysis())
    cards = _order_cards(kb, patient, _bundle(_order("clopidogrel 75 mg")))
    assert [c["summary"] for c in cards] == [
        "No CYP2C19 result on file: consider CYP2C19 genotyping before clopidogrel"
    ]
    card = cards[0]
    assert card["indicator"] == "warning"
    assert card["source"]["label"].startswith("CPIC")
    (suggestion,) = card["suggestions"]
    (action,) = suggestion["actions"]
    request = action["resource"]
    assert request["resourceType"] == "ServiceRequest"
    assert (request["status"], request["intent"]) == ("draft", "proposal")
    assert request["code"] == {"text": "CYP2C19 genotyping"}
    assert {r["code"] for r in card["overrideReasons"]} >= {"test-declined"}


def test_order_select_checks_only_the_selected_orders(kb: KnowledgeBase) -> None:
    patient = _patient(kb, _analysis(pgx=[_cyp2c19("*2/*2", "Poor Metabolizer")]))
    bundle = _bundle(_order("clopidogrel", "mr1"), _order("amoxicillin", "mr2"))
    assert _order_cards(kb, patient, bundle, selections=["MedicationRequest/mr2"]) == []
    selected = _order_cards(kb, patient, bundle, selections=["MedicationRequest/mr1"])
    assert [c["indicator"] for c in selected] == ["critical"]


def test_resistance_marker_against_the_ordered_drug_is_critical_with_a_removal(kb: KnowledgeBase) -> None:
    resistance = Insight(
        id="i1",
        kind="resistance",
        title="KRAS G12D: resistance to cetuximab",
        summary="KRAS G12D predicts resistance to cetuximab in colorectal adenocarcinoma.",
        severity="warning",
        genes=["KRAS"],
        drugs=["cetuximab"],
        tier="IA",
        evidence_level="A",
        citations=[ERBITUX],
    )
    patient = _patient(kb, _analysis(insights=[resistance]))
    cards = _order_cards(kb, patient, _bundle(_order("Erbitux 100 mg/50 mL")))
    assert len(cards) == 1
    assert cards[0]["indicator"] == "critical"
    assert cards[0]["summary"].startswith("Cetuximab: KRAS G12D predicts resistance")
    assert cards[0]["suggestions"][0]["actions"] == [
        {
            "type": "delete",
            "description": "Remove the draft cetuximab order",
            "resourceId": "MedicationRequest/mr1",
        }
    ]
    assert cards[0]["source"]["topic"]["code"] == "tumor-biomarker"


def test_biomarker_matched_therapy_being_ordered_is_an_info_card(kb: KnowledgeBase) -> None:
    therapy = Insight(
        id="i1",
        kind="therapy",
        title="Osimertinib for EGFR L858R",
        summary="Tier IA, FDA-approved: osimertinib for EGFR L858R in lung adenocarcinoma.",
        genes=["EGFR"],
        drugs=["osimertinib"],
        tier="IA",
        evidence_level="A",
        citations=[TAGRISSO],
    )
    patient = _patient(kb, _analysis(insights=[therapy]))
    cards = _order_cards(kb, patient, _bundle(_order("Tagrisso 80 mg")))
    assert [(c["indicator"], c["summary"]) for c in cards] == [
        (
            "info",
            "Biomarker-matched: Osimertinib for EGFR L858R",
        )
    ]
    assert "overrideReasons" not in cards[0]


def test_patient_view_puts_the_critical_pgx_alert_first_and_leaves_trials_out(kb: KnowledgeBase) -> None:
    trial = Insight(
        id="i9",
        kind="trial",
        title="FLAURA (NCT02296125)",
        summary="Osimertinib versus gefitinib or erlotinib in untreated EGFR-mutant NSCLC.",
        drugs=["osimertinib"],
        citations=[Citation(source="ClinicalTrials.gov", id="NCT02296125")],
    )
    analysis = _analysis(
        pgx=[_cyp2c19("*2/*2", "Poor Metabolizer")],
        medications=[
            Medication(name="clopidogrel", status="active"),
            Medication(name="atorvastatin", status="active"),
        ],
        insights=[trial],
    )
    cards = patient_view_cards(_patient(kb, analysis), kb, hook_instance="h", patient_reference=PATIENT_REF)
    assert_cards_response_conforms({"cards": cards})
    assert cards[0]["indicator"] == "critical"
    assert cards[0]["summary"].startswith("Clopidogrel: CYP2C19 poor metabolizer")
    summaries = [c["summary"] for c in cards]
    assert "SLCO1B1 genotyping before atorvastatin" in summaries
    assert any(s.startswith("CYP2C19 poor metabolizer — relevant if prescribed: ") for s in summaries)
    assert not any("NCT02296125" in s for s in summaries)


def test_patient_view_follows_the_ehr_medication_list_when_given(kb: KnowledgeBase) -> None:
    analysis = _analysis(
        pgx=[_cyp2c19("*2/*2", "Poor Metabolizer")],
        medications=[Medication(name="clopidogrel", status="active")],
    )
    patient = _patient(kb, analysis, medications=[])
    cards = patient_view_cards(patient, kb, hook_instance="h", patient_reference=PATIENT_REF)
    assert [c["indicator"] for c in cards] == ["info"]
    assert "clopidogrel" in cards[0]["summary"] or "clopidogrel" in cards[0]["detail"]


def test_an_indeterminate_result_is_not_turned_into_a_phenotype_but_genotyped_again(
    kb: KnowledgeBase,
) -> None:
    ambiguous = _cyp2c19("*1/*2", "Indeterminate")
    patient = _patient(kb, _analysis(pgx=[ambiguous]))
    assert patient.pgx["CYP2C19"].phenotype == "Indeterminate"
    cards = _order_cards(kb, patient, _bundle(_order("clopidogrel")))
    assert [(c["indicator"], c["summary"]) for c in cards] == [
        ("warning", "CYP2C19 result indeterminate: consider CYP2C19 genotyping again before clopidogrel")
    ]
    (suggestion,) = cards[0]["suggestions"]
    assert suggestion["actions"][0]["resource"]["code"] == {"text": "CYP2C19 genotyping"}


def test_inputs_disagreeing_at_cyp2c19_give_a_genotype_again_card_for_clopidogrel(kb: KnowledgeBase) -> None:
    contradicted = PgxResult(
        gene="CYP2C19",
        phenotype="Indeterminate",
        assessed=True,
        source="fhir+vcf",
        missing_positions=["chr10:94781859 (rs4244285)"],
        note="inputs disagree at chr10:94781859 (rs4244285): phenotype not called; repeat CYP2C19 genotyping",
    )
    patient = _patient(kb, _analysis(pgx=[contradicted]))
    cards = _order_cards(kb, patient, _bundle(_order("clopidogrel 75 mg", rxnorm="32968")))
    assert [(c["indicator"], c["summary"]) for c in cards] == [
        ("warning", "CYP2C19 result indeterminate: consider CYP2C19 genotyping again before clopidogrel")
    ]
    detail = cards[0]["detail"]
    assert "normal metabolizer" not in detail.lower()
    assert "- CYP2C19 result → Indeterminate; source: fhir+vcf" in detail
    assert "- inputs disagree at chr10:94781859 (rs4244285): phenotype not called" in detail


def test_hla_allele_presence_result_makes_abacavir_a_critical_order(kb: KnowledgeBase) -> None:
    hla = PgxResult(
        gene="HLA-B", diplotype="*57:01 positive", phenotype="Positive", assessed=True, source="outside_call"
    )
    patient = _patient(kb, _analysis(pgx=[hla]))
    cards = _order_cards(kb, patient, _bundle(_order("abacavir 300 mg")))
    assert [c["indicator"] for c in cards] == ["critical"]
    assert "HLA-B*57:01 positive" in cards[0]["summary"]


def test_a_genotype_from_the_ehr_record_fills_a_gene_the_analysis_did_not_assess(kb: KnowledgeBase) -> None:
    record = PatientProfile(
        patient=Patient(id="MRN-1"),
        genotypes=[GenotypeCall(gene="CYP2C19", diplotype="*2/*2", source="fhir")],
    )
    patient = _patient(kb, _analysis(), record=record)
    cards = _order_cards(kb, patient, _bundle(_order("clopidogrel")))
    assert [c["indicator"] for c in cards] == ["critical"]
    assert patient.pgx["CYP2C19"].source == "fhir"


def test_card_uuids_repeat_for_one_hook_instance_and_differ_for_another(kb: KnowledgeBase) -> None:
    patient = _patient(kb, _analysis(pgx=[_cyp2c19("*2/*2", "Poor Metabolizer")]))
    orders = draft_orders(_bundle(_order("clopidogrel")), None)

    def ids(instance: str) -> list[str]:
        cards = order_cards(patient, orders, kb, hook_instance=instance, patient_reference=PATIENT_REF)
        return [cards[0]["uuid"], *(s["uuid"] for s in cards[0]["suggestions"])]

    assert ids("a") == ids("a")
    assert not set(ids("a")) & set(ids("b"))


def test_detail_escapes_markdown_and_html_that_come_from_data(kb: KnowledgeBase) -> None:
    risky = Insight(
        id="i1",
        kind="resistance",
        title="KRAS G12D: resistance to cetuximab",
        summary="KRAS G12D predicts resistance to cetuximab.",
        severity="warning",
        genes=["KRAS"],
        drugs=["cetuximab"],
        rationale=["<img src=x onerror=alert(1)> [click](javascript:alert(1))"],
        citations=[ERBITUX],
    )
    detail = _order_cards(kb, _patient(kb, _analysis(insights=[risky])), _bundle(_order("cetuximab")))[0][
        "detail"
    ]
    assert not re.search(r"(?<!\\)<img", detail)
    assert not re.search(r"(?<!\\)\]\(javascript", detail)
    assert "\\<img src=x onerror=alert(1)\\> \\[click\\](javascript:alert(1))" in detail


def test_long_titles_are_cut_below_140_characters(kb: KnowledgeBase) -> None:
    wordy = Insight(
        id="i1",
        kind="resistance",
        title="T" * 10,
        summary="word " * 27,
        severity="warning",
        drugs=["cetuximab"],
        citations=[ERBITUX],
    )
    card = _order_cards(kb, _patient(kb, _analysis(insights=[wordy])), _bundle(_order("cetuximab")))[0]
    assert len(card["summary"]) < 140
    assert card["summary"].endswith("…")


def test_draft_orders_read_rxnorm_text_and_contained_medications() -> None:
    contained = {
        "resource": {
            "resourceType": "MedicationRequest",
            "id": "mr3",
            "status": "draft",
            "intent": "order",
            "contained": [{"resourceType": "Medication", "id": "m", "code": {"text": "Plavix 75 mg"}}],
            "medicationReference": {"reference": "#m"},
            "subject": {"reference": PATIENT_REF},
        }
    }
    nutrition = {"resource": {"resourceType": "NutritionOrder", "id": "n1", "status": "draft"}}
    orders = draft_orders(
        _bundle(
            _order("x", "mr1", rxnorm="32968"), _order("Codeine 30 mg tablet", "mr2"), contained, nutrition
        ),
        None,
    )
    assert [(o.reference, o.drugs) for o in orders] == [
        ("MedicationRequest/mr1", ("clopidogrel",)),
        ("MedicationRequest/mr2", ("codeine",)),
        ("MedicationRequest/mr3", ("clopidogrel",)),
    ]


def test_draft_orders_must_be_a_bundle() -> None:
    with pytest.raises(InputError, match=r"context\.draftOrders: expected a FHIR Bundle"):
        draft_orders({"resourceType": "MedicationRequest"}, None)
    with pytest.raises(InputError, match="entry/0/resource"):
        draft_orders({"resourceType": "Bundle", "entry": [{"fullUrl": "x"}]}, None)


def test_every_card_kind_conforms_to_the_spec(kb: KnowledgeBase) -> None:
    therapy = Insight(
        id="i1",
        kind="therapy",
        title="Osimertinib for EGFR L858R",
        summary="Osimertinib for EGFR L858R.",
        drugs=["osimertinib"],
        tier="IA",
        citations=[TAGRISSO],
    )
    analysis = _analysis(
        pgx=[_cyp2c19("*2/*2", "Poor Metabolizer")],
        medications=[Medication(name="clopidogrel", status="active")],
        insights=[therapy],
    )
    patient = _patient(kb, analysis)
    cards = patient_view_cards(patient, kb, hook_instance="h", patient_reference=PATIENT_REF)
    cards += _order_cards(
        kb, patient, _bundle(_order("codeine"), _order("osimertinib", "mr2"), _order("clopidogrel", "mr3"))
    )
    assert {c["indicator"] for c in cards} == {"info", "warning", "critical"}
    for card in cards:
        assert_card_conforms(card)

"""Line of therapy in biomarker matching: prior-therapy requirements (met, not met, unknown) and
completed adjuvant courses, on hand-built profiles and fixture records shaped like the curated ones
(RYBREVANT + carboplatin + pemetrexed after an EGFR TKI; TAGRISSO first line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from integrome.errors import KnowledgeBaseError
from integrome.knowledge import KnowledgeBase, load_knowledge_base
from integrome.match.biomarker import match_biomarkers
from integrome.model import (
    Alteration,
    BiomarkerRecord,
    Citation,
    Diagnosis,
    Insight,
    Medication,
    Patient,
    PatientProfile,
    PriorTherapy,
    VariantFinding,
)

L858R = Alteration(type="protein_change", values=["L858R"])
G12C = Alteration(type="protein_change", values=["G12C"])
EGFR_TKI = PriorTherapy(label="an EGFR TKI", classes=["EGFR TKI"])
CRC_CHEMO = [
    PriorTherapy(label="a fluoropyrimidine", classes=["fluoropyrimidine"]),
    PriorTherapy(label="oxaliplatin", drugs=["oxaliplatin"]),
    PriorTherapy(label="irinotecan", drugs=["irinotecan"]),
]


def record(
    id: str, alteration: Alteration, drugs: list[str], gene: str = "EGFR", **extra: Any
) -> BiomarkerRecord:
    return BiomarkerRecord(
        id=id,
        gene=gene,
        alteration=alteration,
        label=f"{gene} {alteration.values[0]}",
        diseases=extra.pop("diseases", ["NSCLC"]),
        drugs=drugs,
        direction="sensitivity",
        evidence_level="A",
        fda_approved=True,
        statement=f"Fixture statement for {id}.",
        citations=[Citation(source="FDA", id=f"fixture label {id}")],
        reviewed="2026-11-01",
        **extra,
    )


OSIMERTINIB = record("L858R-osimertinib", L858R, ["osimertinib"], setting="first-line metastatic")
AMIVANTAMAB_CHEMO = record(
    "L858R-amivantamab-chemo",
    L858R,
    ["amivantamab", "carboplatin", "pemetrexed"],
    setting="after progression on an EGFR TKI",
    prior_therapy=[EGFR_TKI],
)
T790M_OSIMERTINIB = record(
    "T790M-osimertinib",
    Alteration(type="protein_change", values=["T790M"]),
    ["osimertinib"],
    prior_therapy=[EGFR_TKI],
)
SOTORASIB_PANITUMUMAB = record(
    "G12C-CRC-sotorasib-panitumumab",
    G12C,
    ["sotorasib", "panitumumab"],
    gene="KRAS",
    diseases=["COADREAD"],
    prior_therapy=CRC_CHEMO,
)


def kb(*records: BiomarkerRecord) -> KnowledgeBase:
    return KnowledgeBase(version="test", files=(), biomarkers=records, hotspots=())


def egfr_profile(*medications: Medication, oncotree: str = "LUAD", t790m: bool = False) -> PatientProfile:
    findings = [VariantFinding(id="f1", source="vcf", gene="EGFR", hgvs_p="p.L858R", origin="somatic")]
    if t790m:
        findings.append(
            VariantFinding(id="f2", source="vcf", gene="EGFR", hgvs_p="p.T790M", origin="somatic")
        )
    diagnosis = Diagnosis(system="oncotree", code=oncotree, display=oncotree, oncotree=oncotree)
    patient = Patient(id="p1", diagnoses=[diagnosis], medications=list(medications))
    return PatientProfile(patient=patient, findings=findings)


def therapy(insights: list[Insight], drug: str) -> Insight:
    (found,) = [i for i in insights if i.kind == "therapy" and drug in i.drugs]
    return found


def test_post_tki_option_is_met_after_osimertinib_stopped_for_progression() -> None:
    osimertinib = Medication(name="osimertinib", status="stopped", stop_reason="progression")
    result = match_biomarkers(egfr_profile(osimertinib), kb(OSIMERTINIB, AMIVANTAMAB_CHEMO))
    option = therapy(result.insights, "amivantamab")
    assert option.prior_therapy is not None
    assert (option.prior_therapy.status, option.prior_therapy.received) == ("met", ["osimertinib"])
    assert (
        option.summary
        == "FDA-approved after an EGFR TKI in Non-Small Cell Lung Cancer; received osimertinib."
    )
    assert "Line of therapy: approved after an EGFR TKI; the patient received osimertinib" in option.rationale
    assert "osimertinib not listed: previously received, stopped for progression" in result.warnings


def test_post_tki_option_without_a_tki_on_record_is_kept_and_states_the_requirement() -> None:
    metformin = Medication(name="metformin", status="active")
    result = match_biomarkers(egfr_profile(metformin), kb(OSIMERTINIB, AMIVANTAMAB_CHEMO))
    option = therapy(result.insights, "amivantamab")
    assert option.tier == "IA"
    assert option.prior_therapy is not None
    assert (option.prior_therapy.status, option.prior_therapy.missing) == ("not_met", ["an EGFR TKI"])
    assert "approved after an EGFR TKI" in option.summary
    assert "no record of an EGFR TKI received" in option.summary
    assert therapy(result.insights, "osimertinib").prior_therapy is None


def test_planned_tki_is_named_but_does_not_meet_the_requirement() -> None:
    planned = Medication(name="osimertinib", status="planned")
    result = match_biomarkers(egfr_profile(planned), kb(OSIMERTINIB, AMIVANTAMAB_CHEMO))
    option = therapy(result.insights, "amivantamab")
    assert option.prior_therapy is not None
    assert option.prior_therapy.status == "not_met"
    assert any("(osimertinib planned, not yet given)" in line for line in option.rationale)


def test_no_medication_history_leaves_the_requirement_unknown() -> None:
    result = match_biomarkers(egfr_profile(), kb(OSIMERTINIB, AMIVANTAMAB_CHEMO))
    option = therapy(result.insights, "amivantamab")
    assert option.prior_therapy is not None
    assert option.prior_therapy.status == "unknown"
    assert option.summary.endswith("; no medication history to confirm it.")


def test_a_drug_taken_now_meets_the_requirement() -> None:
    result = match_biomarkers(
        egfr_profile(Medication(name="erlotinib", status="active")), kb(OSIMERTINIB, AMIVANTAMAB_CHEMO)
    )
    option = therapy(result.insights, "amivantamab")
    assert option.prior_therapy is not None
    assert option.prior_therapy.received == ["erlotinib"]


def test_every_part_of_a_multi_drug_requirement_must_be_met() -> None:
    finding = VariantFinding(id="f1", source="vcf", gene="KRAS", hgvs_p="p.G12C", origin="somatic")
    folfox = [
        Medication(name=name, status="stopped") for name in ("fluorouracil", "leucovorin", "oxaliplatin")
    ]
    diagnosis = Diagnosis(system="oncotree", code="READ", display="READ", oncotree="READ")
    patient = PatientProfile(
        patient=Patient(id="p1", diagnoses=[diagnosis], medications=folfox), findings=[finding]
    )
    option = therapy(match_biomarkers(patient, kb(SOTORASIB_PANITUMUMAB)).insights, "sotorasib")
    assert option.prior_therapy is not None
    assert option.prior_therapy.model_dump() == {
        "requirement": "a fluoropyrimidine, oxaliplatin and irinotecan",
        "status": "not_met",
        "received": ["fluorouracil", "oxaliplatin"],
        "missing": ["irinotecan"],
    }
    assert option.summary.endswith("; no record of irinotecan received.")


def test_a_first_line_record_of_the_same_regimen_covers_the_patient() -> None:
    naive = match_biomarkers(egfr_profile(t790m=True), kb(OSIMERTINIB, T790M_OSIMERTINIB))
    assert therapy(naive.insights, "osimertinib").prior_therapy is None
    after = match_biomarkers(
        egfr_profile(Medication(name="erlotinib", status="stopped"), t790m=True),
        kb(OSIMERTINIB, T790M_OSIMERTINIB),
    )
    check = therapy(after.insights, "osimertinib").prior_therapy
    assert check is not None
    assert (check.status, check.received) == ("met", ["erlotinib"])


def test_completed_adjuvant_course_is_not_treated_as_a_failure() -> None:
    adjuvant = Medication(
        name="osimertinib", status="stopped", setting="adjuvant", stop_reason="completed", ended="2023-06-30"
    )
    result = match_biomarkers(egfr_profile(adjuvant), kb(OSIMERTINIB, AMIVANTAMAB_CHEMO))
    option = therapy(result.insights, "osimertinib")
    assert (
        "Medication history: completed adjuvant osimertinib (ended 2023-06-30); recurrence after a completed "
        "adjuvant course is not progression on it"
    ) in option.rationale
    assert not any("not listed" in warning for warning in result.warnings)
    post_tki = therapy(result.insights, "amivantamab").prior_therapy
    assert post_tki is not None
    assert post_tki.status == "met"


@pytest.mark.parametrize(
    ("stop_reason", "wording"),
    [
        (
            "progression",
            "osimertinib not listed: previously received in the adjuvant setting, stopped for progression",
        ),
        (
            None,
            "osimertinib not listed: previously received in the adjuvant setting, stopped before the course "
            "was completed",
        ),
    ],
)
def test_adjuvant_course_not_completed_is_withheld_with_its_reason(
    stop_reason: str | None, wording: str
) -> None:
    adjuvant = Medication(name="osimertinib", status="stopped", setting="adjuvant", stop_reason=stop_reason)
    result = match_biomarkers(egfr_profile(adjuvant), kb(OSIMERTINIB))
    assert not [i for i in result.insights if i.kind == "therapy"]
    assert wording in result.warnings


def test_stopped_drug_without_setting_or_reason_asks_to_check_adjuvant_use() -> None:
    result = match_biomarkers(egfr_profile(Medication(name="osimertinib", status="stopped")), kb(OSIMERTINIB))
    assert result.warnings == [
        "osimertinib not listed: previously received (stopped); check whether it was given in the adjuvant "
        "setting"
    ]


def test_core_post_tki_amivantamab_records_require_an_egfr_tki() -> None:
    core = {record.id: record for record in load_knowledge_base().biomarkers}
    for key in ("EGFR-ex19del-amivantamab-chemo", "EGFR-L858R-amivantamab-chemo"):
        assert [item.classes for item in core[key].prior_therapy] == [["EGFR TKI"]]
    assert core["EGFR-L858R-osimertinib"].prior_therapy == []


def test_unknown_prior_therapy_class_stops_the_load(tmp_path: Path) -> None:
    fixture = """\
kind: biomarkers
source: test
records:
  - id: fixture-unknown-class
    gene: EGFR
    alteration: {type: protein_change, values: [L858R]}
    label: EGFR L858R
    diseases: [NSCLC]
    drugs: [amivantamab]
    direction: sensitivity
    evidence_level: A
    prior_therapy: [{label: a kinase inhibitor, classes: [kinase inhibitor]}]
    statement: Fixture.
    citations: [{source: PMID, id: '1'}]
    reviewed: '2026-11-01'
"""
    (tmp_path / "extra.yaml").write_text(fixture)
    with pytest.raises(KnowledgeBaseError, match=r"prior_therapy: unknown drug class 'kinase inhibitor'"):
        load_knowledge_base(tmp_path)


ERLOTINIB = record("L858R-erlotinib", L858R, ["erlotinib"], setting="first-line metastatic")
AMIVANTAMAB_LAZERTINIB = record(
    "L858R-amivantamab-lazertinib",
    L858R,
    ["amivantamab", "lazertinib"],
    setting="first-line locally advanced or metastatic",
)


def test_first_line_tki_after_progression_on_osimertinib_is_kept_and_says_why_it_is_not_this_line() -> None:
    osimertinib = Medication(name="osimertinib", status="stopped", stop_reason="progression")
    result = match_biomarkers(
        egfr_profile(osimertinib), kb(OSIMERTINIB, ERLOTINIB, AMIVANTAMAB_LAZERTINIB, AMIVANTAMAB_CHEMO)
    )
    for drug in ("erlotinib", "lazertinib"):
        option = therapy(result.insights, drug)
        assert option.tier == "IA"
        assert option.progressed_on == ["osimertinib"]
        assert "First-line approval" in option.summary
        assert "the patient progressed on osimertinib, an EGFR TKI" in option.summary
        assert any(
            line.startswith(
                "Line of therapy: first-line approval; the patient progressed on osimertinib, an EGFR TKI"
            )
            for line in option.rationale
        )
    assert therapy(result.insights, "carboplatin").progressed_on == []


def test_first_line_tki_after_stopping_osimertinib_for_intolerance_stays_a_first_line_option() -> None:
    osimertinib = Medication(name="osimertinib", status="stopped", stop_reason="intolerance")
    result = match_biomarkers(egfr_profile(osimertinib), kb(OSIMERTINIB, ERLOTINIB))
    assert therapy(result.insights, "erlotinib").progressed_on == []


def test_progression_on_a_drug_of_another_class_leaves_a_first_line_option_alone() -> None:
    pembrolizumab = Medication(name="pembrolizumab", status="stopped", stop_reason="progression")
    result = match_biomarkers(egfr_profile(pembrolizumab), kb(OSIMERTINIB, ERLOTINIB))
    assert therapy(result.insights, "erlotinib").progressed_on == []

"""Trial matching: three-valued criteria, eligible versus near miss, ranking and the insights."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import pytest

from integrome.knowledge.trials import TrialStore, example_trials
from integrome.match._trial_criteria import patient_facts
from integrome.match.trials import TrialMatchConfig, compile_trials, match_trials
from integrome.model import (
    BiomarkerFinding,
    CopyNumberFinding,
    Coverage,
    Diagnosis,
    Finding,
    FusionFinding,
    Medication,
    NegativeFinding,
    Patient,
    PatientProfile,
    Trial,
    VariantFinding,
)
from integrome.normalize.diseases import oncotree

AS_OF = "2026-01-01"
KRAS_G12C = VariantFinding(
    id="f1", source="vcf", gene="KRAS", hgvs_p="p.Gly12Cys", provenance="tumor.vcf:line 7"
)
EGFR_L858R = VariantFinding(id="f2", source="vcf", gene="EGFR", hgvs_p="p.Leu858Arg")


def _profile(
    findings: Sequence[Finding] = (),
    *,
    tumor: str | None = "LUAD",
    birth_date: str | None = "1961-04-02",
    sex: Literal["female", "male", "other", "unknown"] = "female",
    covered: list[str] | None = None,
    medications: Sequence[Medication] = (),
) -> PatientProfile:
    diagnoses = [Diagnosis(system="oncotree", code=tumor, display=tumor, oncotree=tumor)] if tumor else []
    coverage = [Coverage(input="panel.vcf", assay="vcf", genes=covered)] if covered is not None else []
    return PatientProfile(
        patient=Patient(
            id="p1", sex=sex, birth_date=birth_date, diagnoses=diagnoses, medications=list(medications)
        ),
        findings=list(findings),
        coverage=coverage,
    )


def _trial(criteria: dict[str, Any], trial_id: str = "T-1", **extra: Any) -> Trial:
    arms = extra.pop("arms", [{"id": "A", "criteria": criteria}])
    return Trial.model_validate(
        {"id": trial_id, "title": "Test trial", "source": "test", "arms": arms, **extra}
    )


def _store(*trials: Trial) -> TrialStore:
    return TrialStore(trials)


def _kras_nsclc(**extra: Any) -> Trial:
    return _trial(
        {
            "all": [
                {"diagnosis": {"codes": ["NSCLC"]}},
                {"age": ">=18"},
                {"genomic": {"gene": "KRAS", "protein_change": "G12C"}},
            ]
        },
        **extra,
    )


def _verdicts(profile: PatientProfile, store: TrialStore, **config: Any) -> dict[str, str]:
    result = match_trials(profile, store, as_of=AS_OF, config=TrialMatchConfig(**config))
    return {match.trial.id: match.verdict for match in result.matches}


# --- three values ---------------------------------------------------------------------------------


def test_kras_g12c_lung_adenocarcinoma_is_eligible_for_a_kras_g12c_nsclc_trial() -> None:
    result = match_trials(_profile([KRAS_G12C], covered=["KRAS"]), _store(_kras_nsclc()), as_of=AS_OF)
    [insight] = result.insights
    assert insight.kind == "trial"
    assert insight.summary == "Eligible on coded data: KRAS G12C in Lung Adenocarcinoma"
    assert insight.finding_ids == ["f1"]
    assert insight.genes == ["KRAS"]
    assert "Met: KRAS G12C (KRAS p.Gly12Cys, tumor.vcf line 7)" in insight.rationale
    assert "Met: age ≥18 (patient is 64)" in insight.rationale


def test_untested_gene_is_unknown_not_failed_so_the_trial_is_a_near_miss() -> None:
    result = match_trials(_profile([EGFR_L858R], covered=["EGFR"]), _store(_kras_nsclc()), as_of=AS_OF)
    [insight] = result.insights
    assert insight.summary == "Near miss: would match if KRAS G12C is found (KRAS not tested)"
    assert "Unknown: KRAS G12C (KRAS is not covered by the inputs)" in insight.rationale
    assert insight.tests == ["KRAS testing"]


def test_tested_gene_without_the_variant_fails_and_is_not_a_near_miss() -> None:
    profile = _profile([EGFR_L858R], covered=["EGFR", "KRAS"])
    assert _verdicts(profile, _store(_kras_nsclc())) == {}


def test_reported_negative_counts_as_tested() -> None:
    negative = NegativeFinding(id="n1", source="notes", gene="KRAS", alteration="mutation")
    assert _verdicts(_profile([negative]), _store(_kras_nsclc())) == {}


def test_variant_reported_only_in_notes_needs_tissue_confirmation() -> None:
    from_notes = KRAS_G12C.model_copy(update={"source": "notes", "provenance": None})
    result = match_trials(_profile([from_notes]), _store(_kras_nsclc()), as_of=AS_OF)
    [insight] = result.insights
    assert insight.summary == "Near miss: would match if KRAS G12C is confirmed on tissue"
    assert insight.finding_ids == ["f1"]


def test_other_tumor_type_is_never_a_near_miss() -> None:
    assert _verdicts(_profile([KRAS_G12C], tumor="BRCA"), _store(_kras_nsclc())) == {}


def test_descendant_tumor_types_meet_a_diagnosis_criterion() -> None:
    assert _verdicts(_profile([KRAS_G12C], tumor="LUSC"), _store(_kras_nsclc())) == {"T-1": "eligible"}


def test_one_failed_criterion_with_a_molecular_match_is_a_near_miss() -> None:
    young = _profile([KRAS_G12C], birth_date="2010-06-01")
    result = match_trials(young, _store(_kras_nsclc()), as_of=AS_OF)
    [insight] = result.insights
    assert insight.summary == "Near miss: not met: age ≥18 (patient is 15)"
    assert _verdicts(young, _store(_kras_nsclc()), max_failed=0) == {}


def test_partial_birth_date_near_a_cut_off_leaves_age_unknown() -> None:
    year_only = _profile([KRAS_G12C], birth_date="2008")
    result = match_trials(year_only, _store(_kras_nsclc()), as_of=AS_OF)
    assert [m.verdict for m in result.matches] == ["near_miss"]
    assert "Unknown: age ≥18 (patient is 17-18 (partial birth date))" in result.insights[0].rationale


def test_without_a_coded_tumor_type_the_diagnosis_is_unknown() -> None:
    result = match_trials(_profile([KRAS_G12C], tumor=None), _store(_kras_nsclc()), as_of=AS_OF)
    [insight] = result.insights
    assert (
        "Unknown: tumor type Non-Small Cell Lung Cancer (NSCLC) (the patient's tumor type is not coded)"
        in (insight.rationale)
    )


# --- negation, wild type, alterations -------------------------------------------------------------


def _wildtype_crc() -> Trial:
    return _trial(
        {"all": [{"diagnosis": {"codes": ["COADREAD"]}}, {"genomic": {"gene": "KRAS", "wildtype": True}}]}
    )


def test_wild_type_needs_the_gene_tested() -> None:
    tested = _profile([], tumor="COAD", covered=["KRAS"])
    untested = _profile([], tumor="COAD", covered=["NRAS"])
    mutant = _profile([KRAS_G12C], tumor="COAD", covered=["KRAS"])
    assert _verdicts(tested, _store(_wildtype_crc())) == {"T-1": "eligible"}
    assert _verdicts(untested, _store(_wildtype_crc())) == {"T-1": "near_miss"}
    assert _verdicts(mutant, _store(_wildtype_crc())) == {}


def test_negated_alteration_excludes_patients_who_carry_it() -> None:
    trial = _trial(
        {
            "all": [
                {"diagnosis": {"codes": ["NSCLC"]}},
                {"genomic": {"gene": "EGFR", "exon": 20, "negated": True}},
            ]
        }
    )
    exon20 = VariantFinding(id="f3", source="vcf", gene="EGFR", hgvs_p="p.Thr790Met", exon=20)
    assert _verdicts(_profile([exon20], covered=["EGFR"]), _store(trial)) == {}
    assert _verdicts(_profile([EGFR_L858R], covered=["EGFR"]), _store(trial)) == {"T-1": "eligible"}


def test_codon_wildcard_matches_any_change_at_the_codon() -> None:
    trial = _trial({"genomic": {"gene": "BRAF", "wildcard_protein_change": "V600"}})
    v600k = VariantFinding(id="f4", source="vcf", gene="BRAF", hgvs_p="p.Val600Lys")
    assert _verdicts(_profile([v600k]), _store(trial)) == {"T-1": "eligible"}


def test_exon_19_in_frame_deletion_is_recognized_from_the_protein_change() -> None:
    trial = _trial({"genomic": {"gene": "EGFR", "exon": 19, "variant_classification": "inframe_deletion"}})
    deletion = VariantFinding(id="f5", source="vcf", gene="EGFR", hgvs_p="p.Glu746_Ala750del")
    assert _verdicts(_profile([deletion]), _store(trial)) == {"T-1": "eligible"}


def test_amplification_and_fusion_criteria_use_copy_number_and_fusion_findings() -> None:
    trial = _trial(
        {
            "any": [
                {"genomic": {"gene": "MET", "variant_category": "cnv", "cnv_call": "amplification"}},
                {"genomic": {"gene": "ALK", "variant_category": "sv", "fusion_partner": "EML4"}},
            ]
        }
    )
    amplified = CopyNumberFinding(id="c1", source="table", gene="MET", call="amplification")
    fused = FusionFinding(id="s1", source="table", gene="ALK", partner="EML4")
    other_partner = FusionFinding(id="s2", source="table", gene="ALK", partner="KIF5B")
    assert _verdicts(_profile([amplified]), _store(trial)) == {"T-1": "eligible"}
    assert _verdicts(_profile([fused]), _store(trial)) == {"T-1": "eligible"}
    assert _verdicts(_profile([other_partner]), _store(trial)) == {}


def test_her2_low_meets_a_her2_negative_criterion() -> None:
    trial = _trial(
        {"all": [{"diagnosis": {"codes": ["BREAST"]}}, {"biomarker": {"name": "HER2", "status": "negative"}}]}
    )
    low = BiomarkerFinding(id="b1", source="fhir", biomarker="HER2", value="1+", status="low")
    positive = BiomarkerFinding(id="b2", source="fhir", biomarker="HER2", value="3+", status="positive")
    assert _verdicts(_profile([low], tumor="IDC"), _store(trial)) == {"T-1": "eligible"}
    assert _verdicts(_profile([positive], tumor="IDC"), _store(trial)) == {}


@pytest.mark.parametrize(("value", "verdict"), [(12.0, "eligible"), (10.0, "eligible"), (9.5, None)])
def test_tmb_threshold_is_compared_numerically(value: float, verdict: str | None) -> None:
    trial = _trial(
        {"all": [{"diagnosis": {"codes": ["SOLID"]}}, {"biomarker": {"name": "TMB", "value": ">=10"}}]}
    )
    tmb = BiomarkerFinding(
        id="b1", source="fhir", biomarker="TMB", value=f"{value} mut/Mb", numeric=value, status="unknown"
    )
    assert _verdicts(_profile([tmb]), _store(trial)).get("T-1") == verdict


def test_required_prior_therapy_is_unknown_without_a_record_and_met_with_one() -> None:
    trial = _trial(
        {"all": [{"diagnosis": {"codes": ["NSCLC"]}}, {"prior_therapy": {"drugs": ["osimertinib"]}}]}
    )
    received = Medication(name="osimertinib", status="stopped")
    planned = Medication(name="osimertinib", status="planned")
    assert _verdicts(_profile(medications=[received]), _store(trial)) == {"T-1": "eligible"}
    assert _verdicts(_profile(medications=[planned]), _store(trial)) == {"T-1": "near_miss"}


# --- arms, status, ranking ------------------------------------------------------------------------


def test_closed_trials_are_left_out_unless_asked_for() -> None:
    store = _store(_kras_nsclc(status="closed"))
    profile = _profile([KRAS_G12C])
    assert _verdicts(profile, store) == {}
    assert _verdicts(profile, store, include_closed=True) == {"T-1": "eligible"}


def test_suspended_arm_is_skipped_and_the_open_arm_reported() -> None:
    kras = {
        "all": [{"diagnosis": {"codes": ["NSCLC"]}}, {"genomic": {"gene": "KRAS", "protein_change": "G12C"}}]
    }
    trial = _trial(
        {}, arms=[{"id": "A", "status": "closed", "criteria": kras}, {"id": "B", "criteria": kras}]
    )
    result = match_trials(_profile([KRAS_G12C]), _store(trial), as_of=AS_OF)
    assert [match.arm.id for match in result.matches] == ["B"]


def test_eligible_trials_rank_before_near_misses_then_by_molecular_criteria_met() -> None:
    both = _trial(
        {
            "all": [
                {"diagnosis": {"codes": ["NSCLC"]}},
                {"genomic": {"gene": "KRAS"}},
                {"genomic": {"gene": "STK11"}},
            ]
        },
        trial_id="T-TWO",
    )
    one = _kras_nsclc(id="T-ONE")
    near = _trial(
        {
            "all": [
                {"diagnosis": {"codes": ["NSCLC"]}},
                {"genomic": {"gene": "BRAF", "protein_change": "V600E"}},
            ]
        },
        trial_id="T-NEAR",
    )
    stk11 = VariantFinding(id="f9", source="vcf", gene="STK11", hgvs_p="p.Gln37Ter")
    result = match_trials(
        _profile([KRAS_G12C, stk11], covered=["KRAS", "STK11"]), _store(near, one, both), as_of=AS_OF
    )
    assert [match.trial.id for match in result.matches] == ["T-TWO", "T-ONE", "T-NEAR"]
    assert [insight.title.split(":")[0] for insight in result.insights] == ["T-TWO", "T-ONE", "T-NEAR"]


def test_near_misses_beyond_the_limit_are_counted_in_a_warning() -> None:
    trials = [_kras_nsclc(id=f"T-{n}") for n in range(4)]
    result = match_trials(
        _profile([EGFR_L858R]), _store(*trials), as_of=AS_OF, config=TrialMatchConfig(max_near_misses=2)
    )
    assert len(result.insights) == 2
    assert result.warnings == ["Clinical trials: 2 more near-miss trials not listed (limit 2)"]


def test_index_skips_arms_that_cannot_concern_the_patient() -> None:
    breast = _trial(
        {"all": [{"diagnosis": {"codes": ["BREAST"]}}, {"genomic": {"gene": "PIK3CA"}}]}, trial_id="T-B"
    )
    adult_only = _trial({"age": ">=18"}, trial_id="T-AGE")
    compiled = compile_trials([_kras_nsclc(), breast, adult_only])
    facts = patient_facts(_profile([KRAS_G12C]), ["LUAD"], oncotree(), AS_OF)
    assert sorted(arm.trial.id for arm in compiled.candidates(facts)) == ["T-1", "T-AGE"]


# --- insight contents -----------------------------------------------------------------------------


def test_real_nct_ids_cite_clinicaltrials_gov_and_imports_cite_the_ctml_file() -> None:
    registered = _kras_nsclc(
        id="NCT01234567", nct_id="NCT01234567", source="CTML import", source_file="lung.yaml"
    )
    [insight] = match_trials(_profile([KRAS_G12C]), _store(registered), as_of=AS_OF).insights
    assert [(c.source, c.id, c.url) for c in insight.citations] == [
        ("ClinicalTrials.gov", "NCT01234567", "https://clinicaltrials.gov/study/NCT01234567"),
        ("CTML import", "lung.yaml: NCT01234567", None),
    ]


def test_long_titles_and_summaries_are_truncated() -> None:
    long = _kras_nsclc(title="A " + "very " * 60 + "long title")
    [insight] = match_trials(_profile([KRAS_G12C]), _store(long), as_of=AS_OF).insights
    assert len(insight.summary) <= 140
    assert len(insight.title) <= 110
    assert insight.title.startswith("T-1: A very")


def test_every_trial_insight_says_it_is_preliminary_and_lists_unevaluated_criteria() -> None:
    trial = _kras_nsclc(
        arms=[{"id": "A", "not_evaluated": ["ECOG 0-1"], "criteria": {"genomic": {"gene": "KRAS"}}}]
    )
    [insight] = match_trials(_profile([KRAS_G12C]), _store(trial), as_of=AS_OF).insights
    assert "Not evaluated by integrome: ECOG 0-1" in insight.rationale
    assert insight.rationale[-1] == "Preliminary match on coded data: the study team decides eligibility."
    assert (
        "Recruitment status not stated by the source: check it before referring the patient"
        in insight.rationale
    )


def test_example_trials_give_the_demo_patient_one_eligible_trial_and_near_misses() -> None:
    profile = _profile([EGFR_L858R], covered=["EGFR", "TP53"])
    result = match_trials(profile, example_trials(), as_of=AS_OF)
    verdicts = {match.trial.id: match.verdict for match in result.matches}
    assert verdicts["EXAMPLE-001"] == "eligible"
    assert verdicts["EXAMPLE-003"] == "near_miss"
    assert "EXAMPLE-005" not in verdicts  # breast cancer trial
    assert "EXAMPLE-006" not in verdicts  # closed

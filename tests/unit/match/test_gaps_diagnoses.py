"""Test gaps per diagnosis: missing guideline tests are found, done tests are not re-recommended.

Profiles are built from the model classes and run through the real matcher with the packaged
knowledge base, guideline rules and example catalog.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.casecheck import matches

from integrome.knowledge import KnowledgeBase, load_knowledge_base
from integrome.knowledge.testing import GapKnowledge, load_gap_knowledge
from integrome.match.gaps import match_gaps
from integrome.model import (
    BiomarkerFinding,
    Coverage,
    Diagnosis,
    Finding,
    FusionFinding,
    Insight,
    NegativeFinding,
    Patient,
    PatientProfile,
    VariantFinding,
)

METASTATIC = Diagnosis(system="icd-10-cm", code="C78.7", display="Secondary malignant neoplasm of liver")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="module")
def knowledge() -> GapKnowledge:
    return load_gap_knowledge()


def profile(
    oncotree: str,
    *findings: Finding,
    metastatic: bool = True,
    stage: str | None = None,
    coverage: list[Coverage] | None = None,
) -> PatientProfile:
    diagnoses = [
        Diagnosis(system="oncotree", code=oncotree, display=oncotree, oncotree=oncotree, stage=stage)
    ]
    if metastatic:
        diagnoses.append(METASTATIC)
    return PatientProfile(
        patient=Patient(id="p1", diagnoses=diagnoses), findings=list(findings), coverage=coverage or []
    )


def gaps(p: PatientProfile, kb: KnowledgeBase, knowledge: GapKnowledge) -> list[Insight]:
    return match_gaps(p, kb, knowledge).insights


def somatic(insights: list[Insight]) -> Insight:
    (found,) = [i for i in insights if not i.title.startswith("Germline")]
    return found


def germline(insights: list[Insight]) -> Insight:
    (found,) = [i for i in insights if i.title.startswith("Germline")]
    return found


def variant(fid: str, gene: str, change: str, origin: str = "somatic") -> VariantFinding:
    return VariantFinding(
        id=fid, source="vcf", gene=gene, hgvs_p=change, origin=origin, provenance="tumor.vcf"
    )


def result(fid: str, name: str, value: str, status: str, method: str | None = None) -> BiomarkerFinding:
    return BiomarkerFinding(
        id=fid, source="fhir", biomarker=name, method=method, value=value, status=status, origin="somatic"
    )


def negative(fid: str, gene: str, alteration: str = "any", method: str | None = None) -> NegativeFinding:
    return NegativeFinding(id=fid, source="fhir", gene=gene, alteration=alteration, method=method)


# --- non-small cell lung cancer ------------------------------------------------------------------


def test_untested_metastatic_lung_adenocarcinoma_gets_one_ngs_panel_and_pd_l1_ihc(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    insight = somatic(gaps(profile("LUAD"), kb, knowledge))
    assert insight.kind == "test_recommendation"
    assert insight.tests == [
        "Comprehensive NGS panel covering EGFR, ALK, ROS1, BRAF, KRAS, MET, RET, NTRK1-3, ERBB2 "
        "(DNA and RNA for fusions), with MSI and TMB",
        "PD-L1 IHC (22C3)",
    ]
    assert insight.urgency == "urgent"
    assert insight.severity == "warning"
    assert insight.specimen == "tumor tissue (FFPE) or plasma ctDNA"
    assert len(insight.summary) <= 140
    assert any("29355391" in c.id for c in insight.citations)


def test_lung_biomarkers_already_on_record_are_not_re_recommended(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    p = profile(
        "LUAD",
        variant("f1", "KRAS", "p.Gly12Cys"),
        negative("f2", "EGFR"),
        result("f3", "ALK", "negative", "negative", method="IHC"),
        result("f4", "PD-L1", "20%", "positive", method="IHC"),
        FusionFinding(id="f5", source="table", gene="RET", five_prime="KIF5B", three_prime="RET"),
    )
    insight = somatic(gaps(p, kb, knowledge))
    assert insight.tests == [
        "Comprehensive NGS panel covering ROS1, BRAF, MET, NTRK1-3, ERBB2 (DNA and RNA for fusions), "
        "with MSI and TMB"
    ]
    known = [line for line in insight.rationale if line.startswith("Already on record, not ordered again: ")]
    assert any("KRAS mutation tested positive" in line for line in known)
    assert any("EGFR mutation tested negative" in line for line in known)
    assert any("ALK rearrangement tested negative" in line for line in known)
    assert any("RET rearrangement tested positive" in line for line in known)
    assert set(insight.finding_ids) == {"f1", "f2", "f3", "f4", "f5"}


def test_partial_answers_are_shown_and_ungraded_results_are_not_re_recommended(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    p = profile(
        "LUAD",
        negative("f1", "NTRK1", "fusion"),
        BiomarkerFinding(id="f2", source="notes", biomarker="TMB", value="8 mut/Mb", status="unknown"),
    )
    insight = somatic(gaps(p, kb, knowledge))
    assert "TMB" not in insight.tests[0]
    assert any("Tumor mutational burden tested, result not graded" in line for line in insight.rationale)
    assert any(
        line == "Only partly on record: NTRK1/2/3 fusion — NTRK1 fusion negative (FHIR record)"
        for line in insight.rationale
    )


def test_known_driver_makes_the_remaining_driver_tests_routine(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    p = profile(
        "LUAD",
        variant("f1", "EGFR", "p.Leu858Arg"),
        result("f2", "PD-L1", "60%", "positive", method="IHC"),
        result("f3", "MSI", "MSS", "negative"),
        result("f4", "TMB", "4 mut/Mb", "negative"),
    )
    insight = somatic(gaps(p, kb, knowledge))
    assert insight.urgency == "routine"
    assert insight.severity == "info"
    assert any(
        line.startswith("An oncogenic driver is already known (EGFR mutation)") for line in insight.rationale
    )


def test_dna_panel_covering_alk_is_not_alk_fusion_testing(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    panel = Coverage(input="tumor.vcf", assay="vcf", origin="somatic", genes=["ALK", "EGFR", "KRAS"])
    insight = somatic(gaps(profile("LUAD", coverage=[panel]), kb, knowledge))
    assert "EGFR" not in insight.genes
    assert "KRAS" not in insight.genes
    assert "ALK" in insight.genes
    assert "tumor.vcf covers ALK for SNV/indel only; it does not assess rearrangements" in insight.rationale


def test_germline_vcf_does_not_answer_tumor_questions(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    germline_panel = Coverage(input="blood.vcf", assay="vcf", origin="germline", genes=["EGFR"])
    insight = somatic(gaps(profile("LUAD", coverage=[germline_panel]), kb, knowledge))
    assert "EGFR" in insight.genes


def test_squamous_nsclc_testing_is_soon_and_led_by_pd_l1(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    insight = somatic(gaps(profile("LUSC"), kb, knowledge))
    assert insight.urgency == "soon"
    assert "PD-L1 IHC (22C3)" in insight.tests
    assert any("consider in squamous histology" in line for line in insight.rationale)


def test_unknown_metastatic_status_is_said_not_guessed(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    insight = somatic(gaps(profile("LUAD", metastatic=False), kb, knowledge))
    assert insight.urgency == "soon"
    (stage,) = [line for line in insight.rationale if line.startswith("Metastatic status is not recorded")]
    assert "'Advanced non-squamous NSCLC" in stage
    assert "'Advanced solid tumor" in stage
    assert stage.endswith("apply only if the disease is advanced or metastatic")


def test_summary_lists_what_is_missing_and_the_test_that_covers_it(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    insight = somatic(gaps(profile("LUAD"), kb, knowledge))
    assert insight.summary.startswith("Missing: EGFR, ALK, ROS1, BRAF, KRAS, MET, RET, NTRK, ERBB2 mutation")
    assert insight.options[0].name in insight.summary
    assert "Guideline biomarker testing" not in insight.summary
    missing = [line for line in insight.rationale if line.startswith("Not on record: ")]
    assert "Not on record: EGFR mutation" in missing
    assert len(missing) == insight.options[0].of
    assert any(line.startswith("Guideline basis: Advanced non-squamous NSCLC") for line in insight.rationale)


def test_recorded_early_stage_skips_rules_for_metastatic_disease(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    assert gaps(profile("LUAD", metastatic=False, stage="Stage IB"), kb, knowledge) == []


def test_recorded_stage_iv_counts_as_metastatic(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    insight = somatic(gaps(profile("LUAD", metastatic=False, stage="Stage IVB"), kb, knowledge))
    assert insight.urgency == "urgent"


# --- colorectal ------------------------------------------------------------------------------------


def test_colorectal_cancer_without_mmr_status_gets_mmr_ihc_or_msi(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    insight = somatic(gaps(profile("COAD", metastatic=False, stage="Stage III"), kb, knowledge))
    assert insight.tests == ["MMR IHC (MLH1, MSH2, MSH6, PMS2) or MSI PCR"]
    assert "MMR IHC (MLH1, MSH2, MSH6, PMS2) or MSI PCR" in insight.tests


CASE_02_FINDINGS: tuple[Finding, ...] = (
    variant("f1", "BRAF", "p.Val600Glu"),
    variant("f2", "TP53", "p.Arg248Gln"),
    result("f3", "MSI", "MSI-stable", "negative", method="NGS"),
    result(
        "f4", "MMR", "Intact nuclear expression of MLH1, PMS2, MSH2 and MSH6 (MMR proficient)", "negative"
    ),
    negative("f5", "KRAS", "mutation"),
    negative("f6", "NRAS", "mutation"),
    negative("f7", "ERBB2", "amplification"),
    negative("f8", "NTRK1", "fusion"),
    negative("f9", "NTRK2", "fusion"),
    negative("f10", "NTRK3", "fusion"),
    result("f11", "TMB", "5 mut/Mb", "negative", method="NGS"),
)

CASE_02_FORBIDDEN: list[dict[str, Any]] = [
    {"kind": "test_recommendation", "test": "MSI", "unless_keywords": ["germline", "lynch", "hereditary"]},
    {"kind": "test_recommendation", "test": "MMR", "unless_keywords": ["germline", "lynch", "hereditary"]},
]


def test_case_02_profile_with_mss_and_proficient_mmr_has_no_msi_or_mmr_gap(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    found = gaps(profile("COAD", *CASE_02_FINDINGS), kb, knowledge)
    insights = [json.loads(i.model_dump_json()) for i in found]
    for item in CASE_02_FORBIDDEN:
        assert not any(matches(item, insight, forbidden=True) for insight in insights), item
    assert found == []


def test_case_02_shared_expectations_on_test_gaps_hold(
    shared_acceptance: Path, kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    expected = json.loads((shared_acceptance / "cases" / "02-crc-braf-v600e" / "expected.json").read_text())
    forbidden = [item for item in expected["must_not_include"] if item.get("kind") == "test_recommendation"]
    assert forbidden
    insights = [
        json.loads(i.model_dump_json()) for i in gaps(profile("COAD", *CASE_02_FINDINGS), kb, knowledge)
    ]
    for item in forbidden:
        assert not any(matches(item, insight, forbidden=True) for insight in insights), item


def test_metastatic_colorectal_cancer_needs_ras_braf_and_her2(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    p = profile("COAD", result("f1", "MMR", "proficient", "negative"))
    insight = somatic(gaps(p, kb, knowledge))
    assert insight.tests[0].startswith("Comprehensive NGS panel covering KRAS, NRAS, BRAF, ERBB2")


def test_deficient_mmr_in_colorectal_cancer_leads_to_lynch_germline_testing(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    p = profile("COAD", result("f1", "MMR", "loss of MLH1 and PMS2", "positive"), metastatic=False)
    insight = germline(gaps(p, kb, knowledge))
    assert insight.tests == [
        "Germline multigene panel covering MLH1, MSH2, MSH6, PMS2, EPCAM (blood or saliva), "
        "with genetic counseling"
    ]
    assert insight.options
    assert insight.options[0].name == "Example Hereditary Cancer Germline Panel (fictional)"
    assert any("cascade testing" in line for line in insight.rationale)


# --- breast ----------------------------------------------------------------------------------------


def test_invasive_breast_cancer_without_receptors_gets_er_pr_and_her2(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    insights = gaps(profile("IDC", metastatic=False, stage="Stage IIA"), kb, knowledge)
    assert somatic(insights).tests == ["ER IHC", "PR IHC", "HER2 IHC with reflex ISH"]
    assert germline(insights).genes == ["BRCA1", "BRCA2"]
    assert any("NCCN criteria" in line for line in germline(insights).rationale)


def test_equivocal_her2_ihc_asks_for_reflex_ish(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    p = profile(
        "IDC",
        result("f1", "ER", "95%", "positive", method="IHC"),
        result("f2", "PR", "40%", "positive", method="IHC"),
        result("f3", "HER2", "2+", "equivocal", method="IHC"),
        metastatic=False,
        stage="Stage IIA",
    )
    insight = somatic(gaps(p, kb, knowledge))
    assert insight.tests == ["HER2 ISH (reflex after equivocal IHC 2+)"]


def test_metastatic_hr_positive_her2_negative_breast_needs_pik3ca_akt1_pten_esr1(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    p = profile(
        "IDC",
        result("f1", "ER", "95%", "positive", method="IHC"),
        result("f2", "PR", "40%", "positive", method="IHC"),
        result("f3", "HER2", "1+", "low", method="IHC"),
    )
    insight = somatic(gaps(p, kb, knowledge))
    assert insight.genes[:4] == ["PIK3CA", "AKT1", "PTEN", "ESR1"]
    assert "PD-L1 IHC (22C3, CPS)" not in insight.tests


def test_metastatic_triple_negative_breast_needs_pd_l1_cps(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    p = profile(
        "IDC",
        result("f1", "ER", "0%", "negative", method="IHC"),
        result("f2", "PR", "0%", "negative", method="IHC"),
        result("f3", "HER2", "0", "negative", method="IHC"),
    )
    insight = somatic(gaps(p, kb, knowledge))
    assert "PD-L1 IHC (22C3, CPS)" in insight.tests
    assert "PIK3CA" not in insight.genes


def test_metastatic_breast_with_unknown_receptors_names_conditional_tests(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    insight = somatic(gaps(profile("IDC"), kb, knowledge))
    assert "PIK3CA" not in insight.genes
    assert any(line.startswith("PIK3CA mutation (HR-positive/HER2-negative") for line in insight.rationale)


# --- ovarian, endometrial ---------------------------------------------------------------------------


def test_ovarian_cancer_germline_first_then_tumor_brca(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    insights = gaps(profile("HGSOC", metastatic=False), kb, knowledge)
    assert germline(insights).genes[:2] == ["BRCA1", "BRCA2"]
    assert "HRD assay (genomic instability score)" in somatic(insights).tests
    assert any("Tumor BRCA1/2 mutation" in line and "once" in line for line in somatic(insights).rationale)
    genes = ["BRCA1", "BRCA2", "BRIP1", "RAD51C", "RAD51D", "PALB2", "MLH1", "MSH2", "MSH6", "PMS2"]
    germline_negative = Coverage(input="germline.vcf", assay="vcf", origin="germline", genes=genes)
    after = gaps(profile("HGSOC", metastatic=False, coverage=[germline_negative]), kb, knowledge)
    assert [i.title.startswith("Germline") for i in after] == [False]
    assert after[0].genes[:2] == ["BRCA1", "BRCA2"]


def test_endometrial_carcinoma_gets_mmr_ihc_pole_and_p53(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    insight = somatic(gaps(profile("UEC", metastatic=False, stage="Stage IB"), kb, knowledge))
    assert insight.tests == [
        "Comprehensive NGS panel covering POLE",
        "MMR IHC (MLH1, MSH2, MSH6, PMS2)",
        "p53 IHC",
    ]


# --- prostate, pancreas, bladder --------------------------------------------------------------------


def test_metastatic_prostate_cancer_gets_germline_and_hrr_testing(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    insights = gaps(profile("PRAD"), kb, knowledge)
    assert {"BRCA1", "BRCA2", "ATM", "CHEK2", "PALB2", "MLH1"} <= set(germline(insights).genes)
    assert {"BRCA2", "ATM", "CDK12"} <= set(somatic(insights).genes)


def test_every_pancreatic_cancer_gets_germline_testing(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    insights = gaps(profile("PAAD", metastatic=False, stage="Stage IIB"), kb, knowledge)
    assert [i.title.startswith("Germline") for i in insights] == [True]
    assert {"BRCA1", "BRCA2", "PALB2", "ATM", "CDKN2A", "STK11"} <= set(insights[0].genes)


def test_metastatic_urothelial_carcinoma_needs_fgfr3_and_her2(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    insight = somatic(gaps(profile("BLCA"), kb, knowledge))
    assert "FGFR3" in insight.genes
    assert "HER2 IHC" in insight.tests
    assert any(
        o.name == "therascreen FGFR RGQ RT-PCR Kit" and o.companion_drugs == ["erdafitinib"]
        for o in insight.options
    )


# --- melanoma, esophagogastric, biliary, thyroid, GIST, glioma ------------------------------------------


def test_metastatic_melanoma_needs_braf(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    insight = somatic(gaps(profile("SKCM"), kb, knowledge))
    assert insight.genes[0] == "BRAF"


def test_advanced_gastric_cancer_needs_her2_pd_l1_cps_mmr_and_claudin(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    insight = somatic(gaps(profile("STAD"), kb, knowledge))
    for test in (
        "HER2 IHC with reflex ISH",
        "PD-L1 IHC (22C3, CPS)",
        "MMR IHC (MLH1, MSH2, MSH6, PMS2) or MSI PCR",
        "Claudin 18.2 IHC (43-14A)",
    ):
        assert test in insight.tests


def test_advanced_cholangiocarcinoma_needs_fgfr2_fusion_and_idh1(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    insight = somatic(gaps(profile("IHCH"), kb, knowledge))
    assert {"FGFR2", "IDH1", "BRAF", "ERBB2"} <= set(insight.genes)


def test_medullary_thyroid_cancer_gets_germline_ret(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    insight = germline(gaps(profile("THME", metastatic=False), kb, knowledge))
    assert insight.genes == ["RET"]
    assert any(c.source == "ATA" for c in insight.citations)


def test_advanced_papillary_thyroid_cancer_needs_braf_ret_alk(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    insight = somatic(gaps(profile("THPA"), kb, knowledge))
    assert {"BRAF", "RET", "ALK", "NTRK1"} <= set(insight.genes)


def test_gist_with_kit_exon_17_mutation_still_needs_pdgfra_but_not_sdhb(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    p = profile("GIST", variant("f1", "KIT", "p.Asp816Val"), metastatic=False, stage="Stage II")
    insight = somatic(gaps(p, kb, knowledge))
    assert insight.genes == ["PDGFRA"]
    assert "SDHB IHC" not in insight.tests


def test_kit_and_pdgfra_wild_type_gist_needs_sdhb_ihc(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    p = profile(
        "GIST",
        negative("f1", "KIT", "mutation"),
        negative("f2", "PDGFRA", "mutation"),
        metastatic=False,
        stage="II",
    )
    assert somatic(gaps(p, kb, knowledge)).tests == ["SDHB IHC"]


def test_diffuse_glioma_tests_1p19q_only_once_idh_is_mutant(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    untested = somatic(gaps(profile("DIFG", metastatic=False), kb, knowledge))
    assert "MGMT promoter methylation" in untested.tests
    assert "1p/19q codeletion (FISH or copy-number analysis)" not in untested.tests
    idh_mutant = profile("DIFG", variant("f1", "IDH1", "p.Arg132His"), metastatic=False)
    assert (
        "1p/19q codeletion (FISH or copy-number analysis)" in somatic(gaps(idh_mutant, kb, knowledge)).tests
    )


# --- hematologic, tumor-agnostic --------------------------------------------------------------------------


def test_aml_at_diagnosis_needs_urgent_flt3_and_myeloid_panel(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    insight = somatic(gaps(profile("AML", metastatic=False), kb, knowledge))
    assert insight.urgency == "urgent"
    assert insight.tests == [
        "Myeloid NGS panel covering NPM1, IDH1, IDH2, TP53, CEBPA, RUNX1, ASXL1",
        "FLT3 mutation analysis (ITD and TKD)",
    ]
    assert insight.specimen is not None
    assert "bone marrow" in insight.specimen
    assert not any("MSI" in test for test in insight.tests)


def test_cll_before_treatment_needs_del17p_tp53_and_ighv(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    insight = somatic(gaps(profile("CLLSLL", metastatic=False), kb, knowledge))
    assert insight.tests == ["NGS panel covering TP53", "del(17p) FISH", "IGHV mutation status"]
    assert insight.options[0].name == "Example CLL Prognostic Bundle (fictional)"


def test_any_advanced_solid_tumor_needs_msi_tmb_and_ntrk(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    insight = somatic(gaps(profile("CCRCC"), kb, knowledge))
    assert insight.tests == [
        "Comprehensive NGS panel covering NTRK1-3 (DNA and RNA for fusions), with MSI and TMB"
    ]


def test_patient_without_cancer_has_no_test_gaps(kb: KnowledgeBase, knowledge: GapKnowledge) -> None:
    p = PatientProfile(
        patient=Patient(id="p1", diagnoses=[Diagnosis(system="text", code="HIV", display="HIV")])
    )
    assert gaps(p, kb, knowledge) == []


# --- germline follow-up of tumor findings -----------------------------------------------------------------


def test_truncating_brca2_from_tumor_only_sequencing_gets_germline_confirmation(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    p = profile("CCRCC", variant("f1", "BRCA2", "p.Glu1857Ter", origin="unknown"))
    insight = germline(gaps(p, kb, knowledge))
    assert insight.genes == ["BRCA2"]
    assert any("without a germline comparison" in line for line in insight.rationale)


def test_somatic_or_germline_truncating_variant_needs_no_confirmation(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    for origin in ("somatic", "germline"):
        p = profile("CCRCC", variant("f1", "BRCA2", "p.Glu1857Ter", origin=origin))
        assert not [i for i in gaps(p, kb, knowledge) if i.title.startswith("Germline")]


# --- only the biomarker the rule names counts as positive -----------------------------------------


def known_line(insight: Insight, label: str) -> str:
    (line,) = [
        line
        for line in insight.rationale
        if line.startswith(f"Already on record, not ordered again: {label}")
    ]
    return line


def test_germline_braf_nonsense_variant_is_not_v600_positive_evidence(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    findings = (variant("f1", "BRAF", "p.Val600Glu"), variant("f2", "BRAF", "p.Arg509Ter", origin="germline"))
    line = known_line(somatic(gaps(profile("SKCM", *findings), kb, knowledge)), "BRAF V600 mutation")
    assert "tested positive" in line
    assert "p.Val600Glu" in line
    assert "p.Arg509Ter" not in line


def test_somatic_braf_variant_outside_codon_600_shows_the_gene_tested_not_v600_positive(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    insight = somatic(gaps(profile("SKCM", variant("f1", "BRAF", "p.Gly469Ala")), kb, knowledge))
    line = known_line(insight, "BRAF V600 mutation")
    assert "tested positive" not in line
    assert "tested; not actionable as reported" in line
    assert "p.Gly469Ala" in line
    assert "not a BRAF V600 mutation" in line


def test_reverse_orientation_ntrk1_fusion_is_tested_but_not_actionable_as_reported(
    kb: KnowledgeBase, knowledge: GapKnowledge
) -> None:
    fusion = FusionFinding(
        id="f1",
        source="table",
        gene="NTRK1",
        partner="TPM3",
        five_prime="NTRK1",
        three_prime="TPM3",
        kinase_domain_retained=False,
        origin="somatic",
        provenance="fusions.tsv:line 2",
    )
    insight = somatic(gaps(profile("IDC", fusion), kb, knowledge))
    line = known_line(insight, "NTRK1/2/3 fusion")
    assert "tested positive" not in line
    assert "NTRK1/2/3 fusion tested; not actionable as reported" in line
    assert "NTRK1–TPM3 fusion" in line
    assert "kinase domain" in line
    assert not any(line.startswith("Not on record: NTRK") for line in insight.rationale)

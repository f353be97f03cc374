"""match_biomarkers against the shipped core knowledge base: the label limits and guideline facts
that the curated records carry (KEYTRUDA/LIBTAYO NSCLC, ESR1 and aromatase inhibitors, AYVAKIT)."""

from __future__ import annotations

import pytest

from integrome.knowledge import KnowledgeBase, load_knowledge_base
from integrome.match.biomarker import match_biomarkers
from integrome.model import (
    BiomarkerFinding,
    CopyNumberFinding,
    Diagnosis,
    Finding,
    FusionFinding,
    Insight,
    Medication,
    Patient,
    PatientProfile,
    VariantFinding,
)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


def profile(
    findings: list[Finding], oncotree: str, medications: list[tuple[str, str]] | None = None
) -> PatientProfile:
    patient = Patient(
        id="p1",
        diagnoses=[Diagnosis(system="oncotree", code=oncotree, display=oncotree, oncotree=oncotree)],
        medications=[Medication(name=name, status=status) for name, status in medications or []],
    )
    return PatientProfile(patient=patient, findings=findings)


def drugs_of(insights: list[Insight], kind: str) -> set[str]:
    return {drug for insight in insights if insight.kind == kind for drug in insight.drugs}


def pd_l1(value: float) -> BiomarkerFinding:
    return BiomarkerFinding(
        id="f1",
        source="fhir",
        biomarker="PD-L1",
        scoring="TPS",
        value=f"{value:g}%",
        numeric=value,
        status="positive",
    )


def test_egfr_mutant_nsclc_gets_no_first_line_pembrolizumab_or_cemiplimab(kb: KnowledgeBase) -> None:
    egfr = VariantFinding(id="f2", source="vcf", gene="EGFR", hgvs_p="p.Glu746_Ala750del", origin="somatic")
    result = match_biomarkers(profile([pd_l1(60), egfr], "LUAD"), kb)
    therapies = drugs_of(result.insights, "therapy")
    assert "osimertinib" in therapies
    assert not therapies & {"pembrolizumab", "cemiplimab"}
    assert sum("pembrolizumab for PD-L1" in w and "KEYTRUDA" in w for w in result.warnings) == 2


def test_driver_negative_nsclc_with_high_pd_l1_gets_tier_ia_pembrolizumab(kb: KnowledgeBase) -> None:
    result = match_biomarkers(profile([pd_l1(85)], "LUSC"), kb)
    tiers = {i.tier for i in result.insights if i.kind == "therapy" and "pembrolizumab" in i.drugs}
    assert tiers == {"IA"}


def test_ros1_fusion_withholds_cemiplimab_but_not_pembrolizumab(kb: KnowledgeBase) -> None:
    ros1 = FusionFinding(id="f2", source="fhir", gene="ROS1", five_prime="CD74", three_prime="ROS1")
    therapies = drugs_of(match_biomarkers(profile([pd_l1(60), ros1], "LUAD"), kb).insights, "therapy")
    assert "cemiplimab" not in therapies
    assert "pembrolizumab" in therapies


def test_esr1_ligand_binding_domain_mutation_removes_aromatase_inhibitors(kb: KnowledgeBase) -> None:
    findings: list[Finding] = [
        BiomarkerFinding(id="f1", source="fhir", biomarker="ER", value="90%", status="positive"),
        VariantFinding(id="f2", source="vcf", gene="ESR1", hgvs_p="p.Tyr537Ser", origin="somatic"),
    ]
    result = match_biomarkers(profile(findings, "IDC", [("anastrozole", "stopped")]), kb)
    assert drugs_of(result.insights, "resistance") >= {"letrozole", "anastrozole", "exemestane"}
    therapies = drugs_of(result.insights, "therapy")
    assert "elacestrant" in therapies
    assert not therapies & {"letrozole", "anastrozole", "exemestane"}


def test_unannotated_pdgfra_d842v_reaches_avapritinib_and_imatinib_resistance(kb: KnowledgeBase) -> None:
    bare = VariantFinding(id="f1", source="vcf", chrom="chr4", pos=54285926, ref="A", alt="T", build="GRCh38")
    result = match_biomarkers(profile([bare], "GIST", [("imatinib", "active")]), kb)
    (avapritinib,) = [i for i in result.insights if i.kind == "therapy" and i.drugs == ["avapritinib"]]
    assert avapritinib.tier == "IA"
    (resistance,) = [i for i in result.insights if i.kind == "resistance"]
    assert (resistance.drugs, resistance.severity) == (["imatinib"], "critical")
    assert "imatinib" not in drugs_of(result.insights, "therapy")


# --- HER2-negative label limits (PIQRAY, TRUQAP, ITOVEBI, ORSERDU, LYNPARZA, TALZENNA) -----------

PIK3CA_H1047R = VariantFinding(id="v1", source="vcf", gene="PIK3CA", hgvs_p="p.His1047Arg", origin="somatic")
ERBB2_AMP = CopyNumberFinding(id="c1", source="table", gene="ERBB2", call="amplification", copy_number=9)
PI3K_REGIMENS = (
    {"alpelisib", "fulvestrant"},
    {"capivasertib", "fulvestrant"},
    {"inavolisib", "palbociclib", "fulvestrant"},
)


def pi3k_options(insights: list[Insight]) -> list[Insight]:
    return [i for i in insights if i.kind == "therapy" and set(i.drugs) in PI3K_REGIMENS]


def test_erbb2_amplification_moves_her2_negative_pi3k_options_out_of_tier_i(kb: KnowledgeBase) -> None:
    result = match_biomarkers(profile([PIK3CA_H1047R, ERBB2_AMP], "IDC"), kb)
    options = pi3k_options(result.insights)
    assert len(options) == 3
    for option in options:
        assert option.tier == "IIC"
        assert option.evidence_level == "C"
        assert any(
            "label requires HER2-negative disease" in line
            and "HER2 positivity is on record" in line
            and "ERBB2 amplification (copy number 9)" in line
            for line in option.rationale
        )
        assert "HER2-negative" in option.summary
    trastuzumab = next(i for i in result.insights if i.kind == "therapy" and i.drugs == ["trastuzumab"])
    assert trastuzumab.tier == "IA"


def test_her2_ihc_3plus_also_counts_as_her2_positivity_on_record(kb: KnowledgeBase) -> None:
    her2 = BiomarkerFinding(
        id="b1", source="fhir", biomarker="HER2", method="IHC", value="3+", status="positive"
    )
    options = pi3k_options(match_biomarkers(profile([PIK3CA_H1047R, her2], "IDC"), kb).insights)
    assert {option.tier for option in options} == {"IIC"}


def test_unknown_her2_status_keeps_pi3k_options_at_tier_ia_and_states_the_requirement(
    kb: KnowledgeBase,
) -> None:
    options = pi3k_options(match_biomarkers(profile([PIK3CA_H1047R], "IDC"), kb).insights)
    assert {option.tier for option in options} == {"IA"}
    for option in options:
        assert any(
            line.startswith("Label requires HER2-negative disease")
            and "no HER2 positivity is reported" in line
            for line in option.rationale
        )


def test_her2_low_is_her2_negative_and_keeps_pi3k_options_at_tier_ia(kb: KnowledgeBase) -> None:
    her2 = BiomarkerFinding(id="b1", source="fhir", biomarker="HER2", method="IHC", value="1+", status="low")
    options = pi3k_options(match_biomarkers(profile([PIK3CA_H1047R, her2], "IDC"), kb).insights)
    assert {option.tier for option in options} == {"IA"}


def test_erbb2_amplification_moves_elacestrant_out_of_tier_i(kb: KnowledgeBase) -> None:
    esr1 = VariantFinding(id="v2", source="vcf", gene="ESR1", hgvs_p="p.Tyr537Ser", origin="somatic")
    result = match_biomarkers(profile([esr1, ERBB2_AMP], "IDC"), kb)
    elacestrant = next(i for i in result.insights if i.kind == "therapy" and i.drugs == ["elacestrant"])
    assert elacestrant.tier == "IIC"


# --- triple-negative label limit (KEYTRUDA TNBC: ER-, PR- and HER2-negative) ---------------------------

PD_L1_CPS_20 = BiomarkerFinding(
    id="b1", source="fhir", biomarker="PD-L1", scoring="CPS", value="20", numeric=20.0, status="positive"
)


def tnbc_pembrolizumab(findings: list[Finding], kb: KnowledgeBase) -> Insight:
    result = match_biomarkers(profile([PD_L1_CPS_20, *findings], "IDC"), kb)
    return next(i for i in result.insights if i.kind == "therapy" and i.drugs == ["pembrolizumab"])


def test_er_positive_result_moves_tnbc_pembrolizumab_out_of_tier_i(kb: KnowledgeBase) -> None:
    er = BiomarkerFinding(
        id="b2", source="fhir", biomarker="ER", method="IHC", value="60%", status="positive"
    )
    option = tnbc_pembrolizumab([er], kb)
    assert option.tier == "IIC"
    assert any(
        "label requires ER-negative disease" in line and "ER positivity is on record" in line
        for line in option.rationale
    )


def test_pr_positive_result_moves_tnbc_pembrolizumab_out_of_tier_i(kb: KnowledgeBase) -> None:
    pr = BiomarkerFinding(
        id="b2", source="fhir", biomarker="PR", method="IHC", value="30%", status="positive"
    )
    option = tnbc_pembrolizumab([pr], kb)
    assert option.tier == "IIC"
    assert any("label requires PR-negative disease" in line for line in option.rationale)


def test_triple_negative_results_keep_tnbc_pembrolizumab_at_tier_ia(kb: KnowledgeBase) -> None:
    negative: list[Finding] = [
        BiomarkerFinding(
            id=f"b{n}", source="fhir", biomarker=name, method="IHC", value="0%", status="negative"
        )
        for n, name in enumerate(("ER", "PR"), start=2)
    ]
    her2 = BiomarkerFinding(
        id="b4", source="fhir", biomarker="HER2", method="IHC", value="0", status="negative"
    )
    option = tnbc_pembrolizumab([*negative, her2], kb)
    assert option.tier == "IA"


def test_unknown_receptor_status_keeps_tnbc_pembrolizumab_and_asks_to_confirm_each(kb: KnowledgeBase) -> None:
    option = tnbc_pembrolizumab([], kb)
    assert option.tier == "IA"
    for requirement in ("HER2-negative disease", "ER-negative disease", "PR-negative disease"):
        assert any(line.startswith(f"Label requires {requirement}") for line in option.rationale)

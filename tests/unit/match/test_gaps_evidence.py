"""Reading the record: tested positive, tested negative and not covered stay apart."""

from __future__ import annotations

import pytest

from integrome.match._gaps_evidence import Evidence, evaluate
from integrome.match._gaps_stage import metastatic_status
from integrome.model import (
    Assessable,
    BiomarkerFinding,
    CopyNumberFinding,
    Coverage,
    Diagnosis,
    Finding,
    GuidelineBiomarker,
    NegativeFinding,
    Patient,
    PatientProfile,
    VariantFinding,
)


def state(biomarker: dict[str, object], *findings: Finding, coverage: list[Coverage] | None = None) -> str:
    profile = PatientProfile(patient=Patient(id="p1"), findings=list(findings), coverage=coverage or [])
    return evaluate(GuidelineBiomarker.model_validate(biomarker), Evidence.of(profile)).status


HER2 = {"id": "HER2", "label": "HER2", "detect": ["HER2:protein", "ERBB2:copy_number"], "test": "HER2 IHC"}
ALK = {"id": "ALK", "label": "ALK", "detect": ["ALK:fusion", "ALK:protein"]}
RAS = {"id": "RAS", "label": "RAS", "detect": ["KRAS:mutation+NRAS:mutation"]}
GBRCA = {
    "id": "g",
    "label": "g",
    "detect": ["BRCA1:mutation+BRCA2:mutation"],
    "origin": "germline",
    "test": "germline",
}


def ihc(name: str, status: str, method: str = "IHC") -> BiomarkerFinding:
    return BiomarkerFinding(
        id="f1", source="fhir", biomarker=name, method=method, value=status, status=status
    )


def test_assessable_text_form_round_trips() -> None:
    assert Assessable.parse("ALK:fusion") == Assessable(target="ALK", kind="fusion")
    assert Assessable.parse("MSI") == Assessable(target="MSI", kind="result")
    assert str(Assessable.parse("PD-L1:protein")) == "PD-L1:protein"


def test_assessable_with_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown kind 'rearrangement'"):
        Assessable.parse("ALK:rearrangement")


def test_her2_ish_answers_erbb2_copy_number() -> None:
    assert state(HER2, ihc("HER2", "negative", method="FISH")) == "negative"


def test_her2_ihc_2plus_is_equivocal_until_ish() -> None:
    assert state(HER2, ihc("HER2", "equivocal")) == "equivocal"
    amplified = CopyNumberFinding(id="f2", source="table", gene="ERBB2", call="amplification")
    assert state(HER2, ihc("HER2", "equivocal"), amplified) == "positive"


def test_her2_low_is_her2_negative_but_er_low_is_er_positive() -> None:
    assert state(HER2, ihc("HER2", "low")) == "negative"
    er = {"id": "ER", "label": "ER", "detect": ["ER:protein"], "test": "ER IHC"}
    assert state(er, ihc("ER", "low")) == "positive"


def test_alk_break_apart_fish_answers_the_rearrangement() -> None:
    assert state(ALK, ihc("ALK", "negative", method="FISH")) == "negative"


def test_negative_statements_exclude_what_they_name() -> None:
    no_fusion = NegativeFinding(id="f1", source="notes", gene="ALK", alteration="fusion")
    assert state(ALK, no_fusion) == "negative"
    no_mutation = NegativeFinding(id="f1", source="notes", gene="ALK", alteration="mutation")
    assert state(ALK, no_mutation) == "not_covered"


def test_alternative_with_several_parts_needs_all_of_them() -> None:
    kras_only = NegativeFinding(id="f1", source="fhir", gene="KRAS", alteration="mutation")
    assert state(RAS, kras_only) == "not_covered"
    nras = NegativeFinding(id="f2", source="fhir", gene="NRAS", alteration="mutation")
    assert state(RAS, kras_only, nras) == "negative"
    kras_g12d = VariantFinding(id="f3", source="vcf", gene="KRAS", hgvs_p="p.Gly12Asp")
    assert state(RAS, kras_g12d) == "positive"


def test_panel_coverage_is_tested_negative_for_mutations_only() -> None:
    panel = [Coverage(input="tumor.vcf", assay="vcf", origin="somatic", genes=["KRAS", "NRAS", "ALK"])]
    assert state(RAS, coverage=panel) == "negative"
    assert state(ALK, coverage=panel) == "not_covered"


def test_coverage_without_a_gene_list_says_nothing() -> None:
    wgs = [Coverage(input="genome.vcf", assay="vcf", origin="somatic", genes=None)]
    assert state(RAS, coverage=wgs) == "not_covered"


def test_only_germline_results_answer_germline_questions() -> None:
    tumor = [Coverage(input="tumor.vcf", assay="vcf", origin="somatic", genes=["BRCA1", "BRCA2"])]
    assert state(GBRCA, coverage=tumor) == "not_covered"
    blood = [Coverage(input="blood.vcf", assay="vcf", origin="germline", genes=["BRCA1", "BRCA2"])]
    assert state(GBRCA, coverage=blood) == "negative"


def patient(*diagnoses: Diagnosis) -> Patient:
    return Patient(id="p1", diagnoses=list(diagnoses))


def test_secondary_neoplasm_code_means_metastatic() -> None:
    liver = Diagnosis(system="icd-10-cm", code="C78.7", display="Secondary malignant neoplasm of liver")
    found = metastatic_status(patient(liver))
    assert found.status == "metastatic"
    assert found.reason is not None
    assert "C78.7" in found.reason


def test_stage_and_diagnosis_text_decide_metastatic_status() -> None:
    def status(display: str, stage: str | None = None) -> str:
        return metastatic_status(
            patient(Diagnosis(system="text", code="x", display=display, stage=stage))
        ).status

    assert status("Adenocarcinoma of colon, metastatic to liver") == "metastatic"
    assert status("Lung adenocarcinoma", "Stage IVB") == "metastatic"
    assert status("Lung adenocarcinoma", "pT2 N1 M1a") == "metastatic"
    assert status("Lung adenocarcinoma", "Stage IIA") == "not_metastatic"
    assert status("Lung adenocarcinoma") == "unknown"


def test_ungraded_result_counts_as_done_but_not_as_negative() -> None:
    tmb = {"id": "TMB", "label": "TMB", "detect": ["TMB"]}
    value = BiomarkerFinding(id="f1", source="notes", biomarker="TMB", value="8 mut/Mb", status="unknown")
    assert state(tmb, value) == "reported"


def test_copy_number_table_coverage_answers_copy_number_only() -> None:
    from integrome.model import InputDocument

    table = Coverage(input="cnv.tsv", assay="table", origin="somatic", genes=["ERBB2"])
    document = InputDocument(name="cnv.tsv", format="copy_number", sha256="0" * 64, size=1)
    profile = PatientProfile(patient=Patient(id="p1"), coverage=[table], inputs=[document])
    evidence = Evidence.of(profile)
    assert evaluate(GuidelineBiomarker.model_validate(HER2), evidence).status == "negative"
    mutation = {"id": "E", "label": "E", "detect": ["ERBB2:mutation"]}
    assert evaluate(GuidelineBiomarker.model_validate(mutation), evidence).status == "not_covered"

"""ICD-10-CM, SNOMED CT, DOID and free-text diagnoses → OncoTree codes."""

from __future__ import annotations

import pytest

from integrome.normalize import doid_to_oncotree, map_codings, map_diagnosis, map_icd10_to_label, oncotree
from integrome.normalize.diseases import oncotree_from_text

SNOMED = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"


def test_snomed_lung_adenocarcinoma_maps_to_luad() -> None:
    assert map_diagnosis(SNOMED, "254626006", "Adenocarcinoma of lung") == "LUAD"


def test_icd_lung_code_is_refined_by_histology_in_text() -> None:
    text = "Adenocarcinoma of right lower lobe of lung, stage IVB"
    assert map_diagnosis(ICD, "C34.31", text) == "LUAD"
    assert map_diagnosis(ICD, "C34.31", None) == "LUNG"
    assert map_diagnosis(ICD, "C34.90", "Squamous cell carcinoma of lung") == "LUSC"
    assert map_diagnosis(ICD, "C34.90", "Non-small cell lung cancer") == "NSCLC"
    assert map_diagnosis(ICD, "C34.90", "Small cell carcinoma of lung") == "SCLC"


def test_acceptance_lung_condition_maps_to_luad_through_all_codings() -> None:
    codings = [(SNOMED, "254626006"), (ICD, "C34.31")]
    assert map_codings(codings, "Adenocarcinoma of right lower lobe of lung, stage IVB") == "LUAD"


@pytest.mark.parametrize("icd", ["C18.2", "C18.7"])
def test_colon_adenocarcinoma_maps_to_a_colorectal_code(icd: str) -> None:
    code = map_codings(
        [(SNOMED, "363406005"), (ICD, icd)], "Adenocarcinoma of ascending colon, metastatic to liver"
    )
    assert code == "COAD"
    assert {"COADREAD", "BOWEL"} <= set(oncotree().ancestors(code))


def test_colon_codes_without_histology_stay_at_colorectal_adenocarcinoma() -> None:
    assert map_diagnosis(SNOMED, "363406005", "Malignant neoplasm of colon") == "COADREAD"
    assert map_diagnosis(ICD, "C20", "Adenocarcinoma of rectum") == "READ"


def test_gist_maps_from_snomed_and_icd() -> None:
    assert map_diagnosis(SNOMED, "1187383001", None) == "GIST"
    assert map_diagnosis(ICD, "C49.A2", "Gastrointestinal stromal tumor of stomach") == "GIST"


def test_secondary_neoplasm_codes_map_to_nothing_even_with_text() -> None:
    assert map_diagnosis(ICD, "C78.7", "Secondary malignant neoplasm of liver") is None
    assert map_diagnosis(ICD, "C79.51", "Secondary malignant neoplasm of bone") is None
    assert map_codings([(ICD, "C78.00")], "Metastatic adenocarcinoma of lung") is None


def test_unspecified_primary_maps_to_cancer_of_unknown_primary_a_solid_tumor() -> None:
    assert map_diagnosis(ICD, "C80.1", "Malignant (primary) neoplasm, unspecified") == "CUP"
    assert map_diagnosis(ICD, "C80.0", None) == "CUP"
    assert oncotree().is_solid("CUP")


def test_malignancy_of_a_transplanted_organ_is_not_cancer_of_unknown_primary() -> None:
    assert map_diagnosis(ICD, "C80.2", "Malignant neoplasm associated with transplanted organ") is None


def test_non_neoplasm_codes_map_to_nothing() -> None:
    assert map_diagnosis(ICD, "F33.1", "Major depressive disorder, recurrent, moderate") is None
    assert map_codings([(SNOMED, "370143000"), (ICD, "F33.1")], "Major depressive disorder") is None
    assert map_codings([(SNOMED, "86406008"), (ICD, "Z21")], "HIV-1 infection") is None


@pytest.mark.parametrize(
    ("icd", "expected"),
    [("C50.911", "BREAST"), ("C43.5", "SKCM"), ("C92.00", "AML"), ("C91.10", "CLLSLL"), ("C67.9", "BLCA"),
     ("C25.0", "PAAD"), ("C61", "PRAD"), ("C56.1", "OVARY"), ("C54.1", "UCEC"), ("C22.1", "IHCH"),
     ("C24.0", "EHCH"), ("C73", "THYROID"), ("C71.9", "BRAIN"), ("C16.9", "STOMACH")],
)  # fmt: skip
def test_icd_site_codes_map_to_their_oncotree_scope(icd: str, expected: str) -> None:
    assert map_diagnosis(ICD, icd, None) == expected


def test_text_refines_site_codes_within_the_same_organ() -> None:
    assert map_diagnosis(ICD, "C16.9", "Adenocarcinoma of stomach") == "STAD"
    assert map_diagnosis(ICD, "C71.9", "Glioblastoma, IDH-wildtype") == "GB"
    assert map_diagnosis(ICD, "C56.9", "High-grade serous carcinoma of ovary") == "HGSOC"
    assert map_diagnosis(ICD, "C50.911", "Invasive lobular carcinoma of breast") == "ILC"


def test_text_naming_another_organ_does_not_override_the_code() -> None:
    assert map_diagnosis(ICD, "C18.7", "Melanoma") == "COADREAD"


def test_oncotree_codes_pass_through_and_legacy_codes_resolve() -> None:
    assert map_diagnosis("oncotree", "luad", None) == "LUAD"
    assert map_diagnosis("http://oncotree.mskcc.org", "CLL", None) == "CLLSLL"
    assert map_diagnosis("oncotree", "NOPE", None) is None


def test_doid_codes_map_through_the_curated_table() -> None:
    assert map_diagnosis("DOID", "DOID:3910", None) == "LUAD"
    assert doid_to_oncotree("DOID:3908") == "NSCLC"
    assert doid_to_oncotree("9256") == "COADREAD"
    assert doid_to_oncotree("DOID:162") == "ANY"
    assert doid_to_oncotree("DOID:0000000") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("non-small cell lung cancer", "NSCLC"),
        ("NSCLC", "NSCLC"),
        ("lung adenocarcinoma", "LUAD"),
        ("adenocarcinoma of lung", "LUAD"),
        ("small cell lung cancer", "SCLC"),
        ("colorectal cancer", "COADREAD"),
        ("CRC", "COADREAD"),
        ("Adenocarcinoma of sigmoid colon", "COAD"),
        ("melanoma", "MEL"),
        ("GIST", "GIST"),
        ("gastrointestinal stromal tumor", "GIST"),
        ("AML", "AML"),
        ("triple negative breast cancer", "BRCA"),
        ("glioblastoma", "GB"),
        ("metastatic castration-resistant prostate cancer", "PRAD"),
    ],
)
def test_free_text_names_map_to_the_most_specific_code(text: str, expected: str) -> None:
    assert map_diagnosis("text", None, text) == expected


@pytest.mark.parametrize(
    "text",
    ["Secondary malignant neoplasm of liver", "Gilbert syndrome", "Type 2 diabetes mellitus", "", "liver"],
)
def test_free_text_without_a_tumour_name_maps_to_nothing(text: str) -> None:
    assert oncotree_from_text(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Adenocarcinoma of right lower lobe of lung, stage IVB", "LUAD"),
        ("Adenocarcinoma of sigmoid colon, metastatic to liver and lung", "COAD"),
        ("Metastatic lung adenocarcinoma", "LUAD"),
        ("Squamous cell carcinoma of the tongue", "OCSC"),
        ("Invasive ductal carcinoma of left breast", "IDC"),
        ("Renal cell carcinoma, clear cell type", "CCRCC"),
    ],
)
def test_primary_site_and_histology_words_map_without_codes(text: str, expected: str) -> None:
    assert oncotree_from_text(text) == expected


@pytest.mark.parametrize("text", ["Colon polyp", "Bone metastases", "Secondary malignant neoplasm of lung"])
def test_site_words_without_a_primary_malignancy_map_to_nothing(text: str) -> None:
    assert oncotree_from_text(text) is None


def test_unmapped_snomed_code_falls_back_to_text() -> None:
    assert map_diagnosis(SNOMED, "1", "Acute myeloid leukemia") == "AML"


def test_icd_labels_cover_non_oncology_codes() -> None:
    assert map_icd10_to_label("C34.31") == "Malignant neoplasm of lower lobe, right bronchus or lung"
    assert map_icd10_to_label("F33.1") == "Major depressive disorder, recurrent, moderate"
    assert map_icd10_to_label("NOTACODE") is None

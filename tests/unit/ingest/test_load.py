"""Reading a patient's files and merging them into one profile."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from integrome.errors import InputError
from integrome.ingest._result import IngestResult, PatientFacts
from integrome.ingest.load import IngestOptions, load_inputs, merge_results, read_input
from integrome.ingest.vcf import VcfOptions
from integrome.model import (
    BiomarkerFinding,
    Diagnosis,
    Finding,
    FusionFinding,
    GenotypeCall,
    InputDocument,
    Medication,
    NegativeFinding,
    PatientProfile,
    VariantFinding,
)
from integrome.normalize.variants import short_protein

CASES = "cases"


def part(name: str, **fields: object) -> IngestResult:
    document = InputDocument(name=name, format="notes", sha256=name.encode().hex().ljust(64, "0"), size=1)
    return IngestResult(document=document, **fields)  # type: ignore[arg-type]


def variant(source: str, **fields: object) -> VariantFinding:
    return VariantFinding(id=f"{source}-1", source=source, **fields)  # type: ignore[arg-type]


# --- merge rules ---------------------------------------------------------------------------


def test_first_stated_patient_facts_are_kept_and_partial_birth_dates_agree() -> None:
    profile = merge_results(
        [
            part("a.txt", patient=PatientFacts(birth_date="1961")),
            part("b.json", patient=PatientFacts(id="MRN-1", sex="female", birth_date="1961-04-02")),
            part("c.json", patient=PatientFacts(id="MRN-1", sex="unknown")),
        ]
    )
    assert (profile.patient.id, profile.patient.sex, profile.patient.birth_date) == (
        "MRN-1",
        "female",
        "1961-04-02",
    )


def test_conflicting_patient_ids_name_both_files() -> None:
    with pytest.raises(InputError, match=r"b\.json: patient id 'MRN-2' differs from 'MRN-1' in a\.json"):
        merge_results(
            [
                part("a.json", patient=PatientFacts(id="MRN-1")),
                part("b.json", patient=PatientFacts(id="MRN-2")),
            ]
        )


def test_conflicting_sexes_are_refused() -> None:
    with pytest.raises(InputError, match=r"sex 'male' differs from 'female' in a\.json"):
        merge_results(
            [
                part("a.json", patient=PatientFacts(sex="female")),
                part("b.json", patient=PatientFacts(sex="male")),
            ]
        )


def test_conflicting_birth_dates_are_refused() -> None:
    with pytest.raises(InputError, match="birth date '1962-01-01' differs"):
        merge_results(
            [
                part("a.json", patient=PatientFacts(birth_date="1961-04-02")),
                part("b.json", patient=PatientFacts(birth_date="1962-01-01")),
            ]
        )


def test_patient_without_stated_id_gets_a_stable_pseudonym() -> None:
    first = merge_results([part("a.txt"), part("b.vcf")]).patient.id
    assert first.startswith("anon-")
    assert len(first) == len("anon-") + 12
    assert merge_results([part("b.vcf"), part("a.txt")]).patient.id == first
    assert merge_results([part("c.vcf")]).patient.id != first


def test_medication_in_several_sources_takes_the_most_current_status() -> None:
    stopped = Medication(name="irinotecan", status="stopped", text="Irinotecan (FOLFIRI)", rxnorm="51499")
    planned = Medication(name="irinotecan", status="planned", source="notes")
    active = Medication(name="warfarin", status="active")
    also_stopped = Medication(name="warfarin", status="stopped", rxnorm="11289")
    profile = merge_results(
        [part("a.json", medications=[stopped, active]), part("b.txt", medications=[planned, also_stopped])]
    )
    irinotecan, warfarin = profile.patient.medications
    assert (irinotecan.status, irinotecan.source, irinotecan.rxnorm, irinotecan.text) == (
        "planned",
        "notes",
        "51499",
        "Irinotecan (FOLFIRI)",
    )
    assert (warfarin.status, warfarin.rxnorm) == ("active", "11289")


def test_same_diagnosis_code_is_kept_once_and_gains_its_oncotree_code() -> None:
    plain = Diagnosis(system="icd-10-cm", code="C18.7", display="Sigmoid colon cancer")
    mapped = Diagnosis(
        system="icd-10-cm", code="C18.7", display="Malignant neoplasm of sigmoid colon", oncotree="COAD"
    )
    (diagnosis,) = merge_results(
        [part("a.txt", diagnoses=[plain]), part("b.json", diagnoses=[mapped])]
    ).patient.diagnoses
    assert (diagnosis.display, diagnosis.oncotree) == ("Sigmoid colon cancer", "COAD")


def test_variant_stated_twice_keeps_the_vcf_record_and_the_known_origin() -> None:
    from_report = variant(
        "fhir", gene="KRAS", hgvs_p="p.G12C", origin="somatic", hgvs_c="NM_004985.5:c.34G>T"
    )
    from_vcf = variant(
        "vcf",
        gene="KRAS",
        hgvs_p="p.Gly12Cys",
        chrom="chr12",
        pos=25245351,
        ref="C",
        alt="A",
        build="GRCh38",
        vaf=0.3,
    )
    (merged,) = merge_results(
        [part("report.json", findings=[from_report]), part("t.vcf", findings=[from_vcf])]
    ).findings
    assert isinstance(merged, VariantFinding)
    assert (merged.source, merged.pos, merged.origin, merged.vaf, merged.hgvs_c) == (
        "vcf",
        25245351,
        "somatic",
        0.3,
        "NM_004985.5:c.34G>T",
    )


def test_same_position_without_annotation_is_one_variant() -> None:
    annotated = variant("fhir", gene="EGFR", chrom="chr7", pos=55191822, ref="T", alt="G", build="GRCh38")
    bare = variant("vcf", chrom="7", pos=55191822, ref="T", alt="G", build="GRCh38", zygosity="heterozygous")
    (merged,) = merge_results([part("a.json", findings=[annotated]), part("b.vcf", findings=[bare])]).findings
    assert isinstance(merged, VariantFinding)
    assert (merged.source, merged.gene, merged.zygosity) == ("vcf", "EGFR", "heterozygous")


def test_findings_are_sorted_and_renumbered() -> None:
    tp53 = variant(
        "vcf", gene="TP53", hgvs_p="p.Arg273His", chrom="chr17", pos=7673802, ref="C", alt="T", build="GRCh38"
    )
    kras = variant(
        "vcf", gene="KRAS", hgvs_p="p.Gly12Cys", chrom="chr12", pos=25245351, ref="C", alt="A", build="GRCh38"
    )
    msi = BiomarkerFinding(id="x", source="notes", biomarker="MSI", value="MSS", status="negative")
    msi_again = BiomarkerFinding(id="y", source="fhir", biomarker="MSI", value="MSS", status="negative")
    alk = NegativeFinding(id="z", source="fhir", gene="ALK", alteration="fusion")
    findings = merge_results(
        [part("a", findings=[tp53, msi, alk]), part("b", findings=[kras, msi_again])]
    ).findings
    assert [(f.id, f.kind, getattr(f, "gene", None) or getattr(f, "biomarker", None)) for f in findings] == [
        ("f1", "biomarker", "MSI"),
        ("f2", "negative", "ALK"),
        ("f3", "variant", "KRAS"),
        ("f4", "variant", "TP53"),
    ]


def test_merge_is_independent_of_input_order_for_findings() -> None:
    a = part("a", findings=[variant("vcf", gene="BRAF", hgvs_p="p.Val600Glu")])
    b = part("b", findings=[variant("notes", gene="TP53", hgvs_p="p.Arg248Gln")])
    assert merge_results([a, b]).findings == merge_results([b, a]).findings


def test_genotypes_and_phenotypes_are_not_repeated() -> None:
    call = GenotypeCall(gene="UGT1A1", diplotype="*28/*28", source="fhir", provenance="a#1")
    same = GenotypeCall(gene="UGT1A1", diplotype="*28/*28", source="fhir", provenance="b#2")
    profile = merge_results([part("a", genotypes=[call]), part("b", genotypes=[same])])
    assert profile.genotypes == [call]


def test_warnings_and_inputs_of_every_file_are_kept() -> None:
    profile = merge_results(
        [part("a.txt", warnings=["a.txt:line 2: x"]), part("b.txt", warnings=["b.txt: y"])]
    )
    assert profile.warnings == ["a.txt:line 2: x", "b.txt: y"]
    assert [d.name for d in profile.inputs] == ["a.txt", "b.txt"]


def test_no_inputs_is_an_input_error() -> None:
    with pytest.raises(InputError, match="no input files given"):
        load_inputs([], IngestOptions())


# --- reading files -------------------------------------------------------------------------


def test_read_input_dispatches_on_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "record.txt"
    path.write_text(json.dumps({"resourceType": "Patient", "id": "p", "gender": "male"}), encoding="utf-8")
    result = read_input(path, IngestOptions())
    assert (result.document.format, result.patient.sex) == ("fhir", "male")


def test_same_file_given_twice_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"resourceType": "Patient", "id": "p"}), encoding="utf-8")
    copy = tmp_path / "copy.json"
    copy.write_bytes(path.read_bytes())
    profile = load_inputs([path, copy], IngestOptions())
    assert [d.name for d in profile.inputs] == ["p.json"]
    assert any("copy.json: same content as p.json" in w for w in profile.warnings)


def test_phenopacket_and_fhir_of_the_same_patient_merge(tmp_path: Path, shared_data: Path) -> None:
    packet = shared_data / "phenopackets" / "ACBD6__PMID_37951597_Family_10_Subject_1.json"
    record = tmp_path / "record.json"
    record.write_text(
        json.dumps(
            {"resourceType": "Patient", "identifier": [{"value": "Family 10 Subject 1"}], "gender": "female"}
        )
    )
    profile = load_inputs([packet, record], IngestOptions())
    assert (profile.patient.id, profile.patient.sex) == ("Family 10 Subject 1", "female")
    assert [d.format for d in profile.inputs] == ["phenopacket", "fhir"]
    assert any(getattr(f, "gene", None) == "ACBD6" for f in profile.findings)


# --- the public acceptance cases -----------------------------------------------------------


def load_case(shared_acceptance: Path, case: str) -> PatientProfile:
    folder = shared_acceptance / CASES / case
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != "expected.json")
    return load_inputs(files, IngestOptions())


def genes_of(findings: list[Finding]) -> set[tuple[str, str | None]]:
    return {
        (f.gene or "", short_protein(f.hgvs_p) if f.hgvs_p else None)
        for f in findings
        if isinstance(f, VariantFinding)
    }


def statuses(profile: PatientProfile) -> dict[str, str]:
    return {m.name: m.status for m in profile.patient.medications}


def test_case_01_lung_adenocarcinoma_with_pd_l1_alk_and_kras(shared_acceptance: Path) -> None:
    profile = load_case(shared_acceptance, "01-nsclc-kras-g12c")
    assert profile.patient.id == "SYN-PUB-0001"
    assert "LUAD" in {d.oncotree for d in profile.patient.diagnoses}
    biomarkers = {
        (f.biomarker, f.status, f.numeric) for f in profile.findings if isinstance(f, BiomarkerFinding)
    }
    assert ("PD-L1", "positive", 20.0) in biomarkers
    assert ("ALK", "negative", None) in biomarkers
    assert any(isinstance(f, NegativeFinding) and f.gene == "ALK" for f in profile.findings)
    assert statuses(profile)["carboplatin"] == "stopped"
    assert {("KRAS", "G12C"), ("TP53", "R273H")} <= genes_of(profile.findings)
    assert [f.id for f in profile.findings] == [f"f{i}" for i in range(1, len(profile.findings) + 1)]


def test_case_02_colon_cancer_is_mismatch_repair_proficient(shared_acceptance: Path) -> None:
    profile = load_case(shared_acceptance, "02-crc-braf-v600e")
    assert "COAD" in {d.oncotree for d in profile.patient.diagnoses}
    mmr = [f for f in profile.findings if isinstance(f, BiomarkerFinding) and f.biomarker == "MMR"]
    assert mmr
    assert {f.status for f in mmr} == {"negative"}
    assert ("BRAF", "V600E") in genes_of(profile.findings)


def test_case_03_gist_on_imatinib_with_kit_d816v(shared_acceptance: Path) -> None:
    profile = load_case(shared_acceptance, "03-gist-kit-d816v-imatinib-resistance")
    assert "GIST" in {d.oncotree for d in profile.patient.diagnoses}
    assert statuses(profile)["imatinib"] == "active"
    assert ("KIT", "D816V") in genes_of(profile.findings)


def test_case_04_escitalopram_active_and_cyp2c19_site_read_through_vcf_options(
    shared_acceptance: Path,
) -> None:
    folder = shared_acceptance / CASES / "04-depression-escitalopram-cyp2c19-um"
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name != "expected.json")
    cyp2c19_star17 = ("chr10", 94761900)  # rs12248560 on GRCh38, as listed in the case VCF
    options = IngestOptions(vcf=VcfOptions(sites_of_interest={"GRCh38": frozenset({cyp2c19_star17})}))
    profile = load_inputs(files, options)
    assert statuses(profile)["escitalopram"] == "active"
    assert [(s.chrom, s.pos, s.alleles) for s in profile.sites] == [("chr10", 94761900, ["T", "T"])]
    assert [(d.format, d.role) for d in profile.inputs] == [
        ("fhir", "unknown"),
        ("notes", "unknown"),
        ("vcf", "germline"),
    ]


def test_case_05_ugt1a1_outside_call_and_fluoropyrimidine_history(shared_acceptance: Path) -> None:
    profile = load_case(shared_acceptance, "05-crc-irinotecan-ugt1a1-outside-call")
    assert ("UGT1A1", "*28/*28") in {(g.gene, g.diplotype) for g in profile.genotypes}
    medications = statuses(profile)
    assert (medications["irinotecan"], medications["capecitabine"]) == ("planned", "stopped")
    assert medications["bevacizumab"] == "planned"
    oncotree = {d.oncotree for d in profile.patient.diagnoses} - {None}
    assert oncotree == {"COAD"}
    assert ("vcf", "germline") in {(d.format, d.role) for d in profile.inputs}


def test_case_06_hla_b_5701_positive_and_abacavir_planned(shared_acceptance: Path) -> None:
    profile = load_case(shared_acceptance, "06-hiv-abacavir-hla-b5701")
    assert ("HLA-B", "*57:01", True) in {(g.gene, g.allele, g.present) for g in profile.genotypes}
    assert statuses(profile)["abacavir"] == "planned"
    assert (profile.patient.sex, profile.patient.birth_date) == ("male", "1991-04-23")


# --- bad input through the whole path ------------------------------------------------------

OBSERVATION_WITHOUT_CODE = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {"resource": {"resourceType": "Patient", "id": "p"}},
        {"resource": {"resourceType": "Observation", "id": "o", "status": "final"}},
    ],
}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bundle.json", "<html>502 Bad Gateway</html>", "bundle.json: XML but not FHIR"),
        ("notes.json", "patient doing well", "notes.json: the name says JSON but the content is not JSON"),
        ("data.json", json.dumps({"rows": [1, 2]}), "data.json: JSON but neither a FHIR resource"),
        (
            "bad.json",
            json.dumps(OBSERVATION_WITHOUT_CODE),
            "bad.json:/entry/1/resource: Observation.code: field required",
        ),
        ("empty.json", "", "empty.json: file is empty"),
    ],
)
def test_bad_input_stops_with_one_line_naming_file_and_place(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_inputs([path], IngestOptions())
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_fhir_resource_of_the_wrong_type_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "medication.json"
    path.write_text(json.dumps({"resourceType": "Medication", "code": {"text": "aspirin"}}), encoding="utf-8")
    profile = load_inputs([path], IngestOptions())
    assert profile.patient.medications == []
    assert any(
        w.startswith("medication.json: no patient data read: found Medication") for w in profile.warnings
    )


def test_progress_is_reported_with_the_file_name(shared_acceptance: Path) -> None:
    vcf = shared_acceptance / CASES / "01-nsclc-kras-g12c" / "variants.vcf"
    seen: list[tuple[str, int]] = []
    load_inputs([vcf], IngestOptions(progress=lambda name, count: seen.append((name, count))))
    assert seen
    assert {name for name, _ in seen} == {"variants.vcf"}
    assert seen[-1][1] > 0


# --- one fact, one finding ------------------------------------------------------------------


TP53_VCF = {
    "gene": "TP53",
    "hgvs_p": "p.Arg273Cys",
    "chrom": "chr17",
    "pos": 7673803,
    "ref": "G",
    "alt": "A",
    "build": "GRCh38",
    "provenance": "t.vcf:line 16",
}


@pytest.mark.parametrize("consequence", ["missense_variant", "protein_altering_variant"])
def test_gene_level_text_variant_is_merged_into_the_vcf_variant(consequence: str) -> None:
    stated = variant("fhir", gene="TP53", consequence=consequence, origin="somatic", provenance="b.json#R/1")
    (merged,) = merge_results(
        [part("b.json", findings=[stated]), part("t.vcf", findings=[variant("vcf", **TP53_VCF)])]
    ).findings
    assert isinstance(merged, VariantFinding)
    assert (merged.source, merged.hgvs_p, merged.origin, merged.provenance) == (
        "vcf",
        "p.Arg273Cys",
        "somatic",
        "t.vcf:line 16; also b.json#R/1",
    )


def test_text_variant_of_another_kind_is_not_merged() -> None:
    stated = variant("notes", gene="TP53", consequence="frameshift_variant")
    findings = merge_results(
        [part("n.txt", findings=[stated]), part("t.vcf", findings=[variant("vcf", **TP53_VCF)])]
    ).findings
    assert len(findings) == 2


def test_unannotated_vcf_variant_never_absorbs_a_text_variant() -> None:
    bare = variant("vcf", chrom="chr1", pos=1046550, ref="C", alt="T", build="GRCh38")
    stated = variant("notes", gene="TP53", consequence="missense_variant")
    findings = merge_results([part("n.txt", findings=[stated]), part("t.vcf", findings=[bare])]).findings
    assert sorted(str(getattr(f, "gene", None)) for f in findings) == ["None", "TP53"]


def test_cdna_change_in_text_and_vcf_is_one_variant() -> None:
    stated = variant("fhir", gene="DPYD", hgvs_c="c.1905+1G>A", provenance="b.json#R/1")
    called = variant(
        "vcf", gene="DPYD", hgvs_c="NM_000110.4:c.1905+1G>A", chrom="chr1", pos=97450058, ref="C", alt="T"
    )
    (merged,) = merge_results([part("b.json", findings=[stated]), part("g.vcf", findings=[called])]).findings
    assert isinstance(merged, VariantFinding)
    assert (merged.source, merged.pos) == ("vcf", 97450058)


def test_same_biomarker_value_from_record_and_note_is_one_graded_finding() -> None:
    common: dict[str, Any] = {
        "biomarker": "PD-L1",
        "gene": "CD274",
        "method": "IHC",
        "scoring": "TPS",
        "numeric": 60.0,
    }
    graded = BiomarkerFinding(
        id="a",
        source="fhir",
        origin="somatic",
        provenance="b.json#O/1",
        value="60%",
        status="positive",
        **common,
    )
    noted = BiomarkerFinding(
        id="b", source="notes", provenance="n.txt:line 10", value="60%", status="unknown", **common
    )
    (merged,) = merge_results([part("n.txt", findings=[noted]), part("b.json", findings=[graded])]).findings
    assert isinstance(merged, BiomarkerFinding)
    assert (merged.source, merged.status, merged.provenance) == (
        "fhir",
        "positive",
        "b.json#O/1; also n.txt:line 10",
    )


def test_different_values_of_one_biomarker_stay_apart() -> None:
    first = BiomarkerFinding(id="a", source="fhir", biomarker="HER2", value="2+", status="equivocal")
    second = BiomarkerFinding(
        id="b", source="notes", biomarker="HER2", value="not amplified", status="negative"
    )
    assert len(merge_results([part("a", findings=[first, second])]).findings) == 2


def test_fusion_stated_twice_keeps_the_known_origin() -> None:
    fusion: dict[str, Any] = {
        "gene": "NTRK3",
        "partner": "ETV6",
        "five_prime": "ETV6",
        "three_prime": "NTRK3",
    }
    coded = FusionFinding(id="a", source="fhir", origin="somatic", provenance="b.json#O/2", **fusion)
    noted = FusionFinding(id="b", source="notes", provenance="n.txt:line 6", **fusion)
    partnerless = FusionFinding(id="c", source="notes", provenance="n.txt:line 9", gene="NTRK3")
    (merged,) = merge_results(
        [part("n.txt", findings=[noted, partnerless]), part("b", findings=[coded])]
    ).findings
    assert isinstance(merged, FusionFinding)
    assert (merged.origin, merged.partner, merged.provenance) == (
        "somatic",
        "ETV6",
        "b.json#O/2; also n.txt:line 6; also n.txt:line 9",
    )


def test_negatives_of_different_known_origins_stay_apart() -> None:
    germline = NegativeFinding(id="a", source="fhir", origin="germline", gene="BRCA1", alteration="mutation")
    somatic = NegativeFinding(id="b", source="fhir", origin="somatic", gene="BRCA1", alteration="mutation")
    unknown = NegativeFinding(id="c", source="notes", gene="BRCA1", alteration="mutation", method="NGS")
    assert len(merge_results([part("a", findings=[germline, somatic])]).findings) == 2
    assert len(merge_results([part("a", findings=[somatic, unknown])]).findings) == 1


def test_merged_findings_do_not_depend_on_input_order() -> None:
    stated = variant("fhir", gene="TP53", consequence="missense_variant", provenance="b.json#R/1")
    noted = variant("notes", gene="TP53", consequence="protein_altering_variant", provenance="n.txt:line 7")
    parts = [
        part("b.json", findings=[stated]),
        part("n.txt", findings=[noted]),
        part("t.vcf", findings=[variant("vcf", **TP53_VCF)]),
    ]
    (merged,) = merge_results(parts).findings
    assert merge_results(parts[::-1]).findings == [merged]
    assert merged.provenance == "t.vcf:line 16; also b.json#R/1; also n.txt:line 7"


@pytest.mark.parametrize(
    ("text", "oncotree", "kept"),
    [
        ("adenocarcinoma of the right upper lobe", "LUAD", False),
        ("lung cancer", "LUNG", False),
        ("lung adenocarcinoma, invasive mucinous", "LUMAD", True),
        ("coronary artery disease", None, True),
    ],
)
def test_text_diagnosis_repeating_a_coded_one_is_dropped(text: str, oncotree: str | None, kept: bool) -> None:
    coded = Diagnosis(
        system="icd-10-cm",
        code="C34.11",
        display="Malignant neoplasm of upper lobe, right bronchus or lung",
        oncotree="LUAD",
    )
    noted = Diagnosis(system="text", code=text, display=text, oncotree=oncotree, source="notes")
    diagnoses = merge_results(
        [part("b.json", diagnoses=[coded]), part("n.txt", diagnoses=[noted])]
    ).patient.diagnoses
    assert [d.system for d in diagnoses] == (["icd-10-cm", "text"] if kept else ["icd-10-cm"])


def test_text_diagnosis_with_the_coded_wording_is_dropped() -> None:
    coded = Diagnosis(system="icd-10-cm", code="I10", display="Hypertension")
    noted = Diagnosis(system="text", code="hypertension", display="hypertension", source="notes")
    (diagnosis,) = merge_results([part("a", diagnoses=[coded, noted])]).patient.diagnoses
    assert diagnosis.system == "icd-10-cm"

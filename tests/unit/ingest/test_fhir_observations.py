"""FHIR Observations: Genomics Reporting variants/genotypes, tumour biomarkers, text results, labs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from integrome.ingest.fhir import read_fhir, read_fhir_data
from integrome.model import BiomarkerFinding, GenotypeCall, NegativeFinding, VariantFinding
from integrome.normalize.variants import short_protein

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
POSITIVE = {"coding": [{"system": SNOMED, "code": "10828004", "display": "Positive"}], "text": "Positive"}
NEGATIVE = {"coding": [{"system": SNOMED, "code": "260385009", "display": "Negative"}], "text": "Negative"}


def observation(code: dict[str, Any], oid: str = "o1", **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final", "code": code, **value}


def loinc(code: str, display: str | None = None) -> dict[str, Any]:
    coding = {"system": LOINC, "code": code} | ({"display": display} if display else {})
    return {"coding": [coding]}


def component(code: str, **value: Any) -> dict[str, Any]:
    return {"code": loinc(code), **value}


def concept(text: str, code: str | None = None) -> dict[str, Any]:
    return {"coding": [{"system": LOINC, "code": code or text, "display": text}], "text": text}


def read(*resources: dict[str, Any]) -> Any:
    return read_fhir_data(
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]},
        name="b.json",
    )


def one(findings: list[Any], kind: type) -> Any:
    matches = [f for f in findings if isinstance(f, kind)]
    assert len(matches) == 1, findings
    return matches[0]


EXAMPLES = "fhir-genomics-reporting/examples-stu2-2022"


# --- Genomics Reporting shapes ---------------------------------------------------------------


def test_ig_somatic_variant_has_gene_hgvs_origin_and_vaf(shared_data: Path) -> None:
    result = read_fhir(shared_data / EXAMPLES / "oncology-report-example.json")
    pik3ca = next(f for f in result.findings if isinstance(f, VariantFinding) and f.hgvs_p == "p.His1047Arg")
    assert pik3ca.gene == "PIK3CA"
    assert pik3ca.hgvs_c == "NM_006218.3:c.3140A>G"
    assert (pik3ca.origin, pik3ca.build) == ("somatic", "GRCh37")
    assert pik3ca.vaf == pytest.approx(0.2188)
    assert pik3ca.consequence == "missense_variant"
    assert pik3ca.provenance == "oncology-report-example.json#/entry/3/resource"


def test_discrete_variant_with_coordinates_and_percent_vaf(shared_data: Path) -> None:
    result = read_fhir(shared_data / EXAMPLES / "diagnosticreport-cgexample.xml")
    acad9 = next(f for f in result.findings if getattr(f, "gene", None) == "ACAD9")
    assert isinstance(acad9, VariantFinding)
    assert (acad9.chrom, acad9.pos, acad9.ref, acad9.alt, acad9.build) == (
        "chr3",
        128625063,
        "C",
        "T",
        "GRCh37",
    )
    assert (acad9.origin, acad9.zygosity) == ("germline", "heterozygous")
    assert acad9.vaf == pytest.approx(0.47)
    assert (acad9.hgvs_c, acad9.hgvs_p) == ("NM_014049.4:c.1249C>T", "p.Arg417Cys")


def test_one_based_start_end_with_refseq_accession_gives_vcf_position(shared_data: Path) -> None:
    result = read_fhir(shared_data / EXAMPLES / "report-CYP2C19.xml")
    keys = {(f.chrom, f.pos, f.ref, f.alt, f.build) for f in result.findings if isinstance(f, VariantFinding)}
    assert ("chr10", 96521657, "C", "T", "GRCh37") in keys  # rs12248560, CYP2C19*17 (GRCh37)


def test_zero_based_interval_start_is_shifted_to_one_based() -> None:
    variant = observation(
        loinc("69548-6"),
        valueCodeableConcept=concept("Present", "LA9633-4"),
        component=[
            component("48013-7", valueCodeableConcept=concept("NC_000007.14")),
            component("69547-8", valueString="T"),
            component("69551-0", valueString="G"),
            component("81254-5", valueRange={"low": {"value": 55191821}}),
            component("92822-6", valueCodeableConcept=concept("0-based interval counting", "LA30100-4")),
            component("48018-6", valueCodeableConcept={"coding": [{"code": "HGNC:3236", "display": "EGFR"}]}),
        ],
    )
    finding = one(read(variant).findings, VariantFinding)
    assert (finding.gene, finding.chrom, finding.pos, finding.build) == ("EGFR", "chr7", 55191822, "GRCh38")


def test_start_without_coordinate_system_is_not_guessed() -> None:
    variant = observation(
        loinc("69548-6"),
        valueCodeableConcept=concept("Present", "LA9633-4"),
        component=[
            component("48013-7", valueCodeableConcept=concept("NC_000007.14")),
            component("69547-8", valueString="T"),
            component("69551-0", valueString="G"),
            component("81254-5", valueRange={"low": {"value": 55191821}}),
            component("48018-6", valueCodeableConcept=concept("EGFR")),
        ],
    )
    assert one(read(variant).findings, VariantFinding).pos is None


def test_absent_variant_is_a_negative_finding() -> None:
    variant = observation(
        loinc("69548-6"),
        valueCodeableConcept=concept("Absent", "LA9634-2"),
        component=[
            component("48018-6", valueCodeableConcept=concept("BRAF")),
            component("48005-3", valueCodeableConcept=concept("p.V600E")),
        ],
    )
    negative = one(read(variant).findings, NegativeFinding)
    assert (negative.gene, negative.alteration) == ("BRAF", "V600E")


def test_genotype_observation_gives_a_diplotype(shared_acceptance: Path) -> None:
    result = read_fhir(shared_acceptance / "cases" / "05-crc-irinotecan-ugt1a1-outside-call" / "bundle.json")
    (call,) = result.genotypes
    assert (call.gene, call.diplotype, call.source) == ("UGT1A1", "*28/*28", "fhir")
    assert "UGT1A1" in (result.coverage[0].genes or [])


def test_hla_gl_string_genotypes_replace_their_haplotypes(shared_data: Path) -> None:
    result = read_fhir(shared_data / EXAMPLES / "CG-IG-HLA-FullBundle-01.xml")
    assert {(c.gene, c.diplotype) for c in result.genotypes} == {
        ("HLA-A", "*01:01G/*01:02"),
        ("HLA-B", "*15:01:01G/*57:01:01G"),
        ("HLA-C", "*01:02:01G/*03:04:01G"),
    }


def test_lone_haplotype_is_an_allele_found_present(shared_data: Path) -> None:
    (call,) = read_fhir(shared_data / EXAMPLES / "haplotype-hla-a-1-r4.xml").genotypes
    assert (call.gene, call.allele, call.present, call.diplotype) == ("HLA-A", "*03:01:01:01", True, None)


def test_genotype_naming_its_gene_picks_it_among_several_genes_studied(shared_data: Path) -> None:
    result = read_fhir(shared_data / EXAMPLES / "diagnosticreport-cgexample.xml")
    assert ("CYP2C9", "*2/*5") in {(c.gene, c.diplotype) for c in result.genotypes}


def test_hla_presence_test_positive_is_a_present_allele(shared_acceptance: Path) -> None:
    result = read_fhir(shared_acceptance / "cases" / "06-hiv-abacavir-hla-b5701" / "bundle.json")
    (call,) = result.genotypes
    assert (call.gene, call.allele, call.present) == ("HLA-B", "*57:01", True)


def test_hla_presence_test_negative_is_an_absent_allele() -> None:
    test = observation({"text": "HLA-B*58:01 [Presence] in Blood"}, valueCodeableConcept=NEGATIVE)
    (call,) = read(test).genotypes
    assert isinstance(call, GenotypeCall)
    assert (call.gene, call.allele, call.present) == ("HLA-B", "*58:01", False)


def test_interpretation_observations_are_not_read_as_results(shared_data: Path) -> None:
    result = read_fhir(
        shared_data / "fhir-genomics-reporting" / "examples-json" / "Bundle-bundle-oncologyexamples-r4.json"
    )
    assert all(not o.text.lower().startswith("therapeutic") for o in result.observations)
    assert {getattr(f, "gene", None) for f in result.findings if isinstance(f, VariantFinding)} == {
        "JAK2",
        "KDR",
        "ERBB4",
    }


# --- tumour biomarkers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "value", "status", "numeric"),
    [
        (loinc("94076-7"), {"valueQuantity": {"value": 25, "unit": "mutations/Mb"}}, "positive", 25.0),
        (
            {"text": "Tumor mutational burden"},
            {"valueQuantity": {"value": 8, "unit": "mut/Mb"}},
            "negative",
            8.0,
        ),
    ],
)
def test_tmb_is_high_from_ten_mutations_per_megabase(
    code: dict[str, Any], value: dict[str, Any], status: str, numeric: float
) -> None:
    finding = one(read(observation(code, **value)).findings, BiomarkerFinding)
    assert (finding.biomarker, finding.status, finding.numeric, finding.unit) == (
        "TMB",
        status,
        numeric,
        "mut/Mb",
    )


@pytest.mark.parametrize(
    ("text", "status"),
    [("High", "positive"), ("MSI-H", "positive"), ("MSS", "negative"), ("MSI-L", "negative")],
)
def test_msi_high_is_positive_and_stable_or_low_is_negative(text: str, status: str) -> None:
    finding = one(read(observation(loinc("81695-9"), valueString=text)).findings, BiomarkerFinding)
    assert (finding.biomarker, finding.status, finding.value) == ("MSI", status, text)


def test_pd_l1_tps_keeps_the_number_and_is_positive_from_one_percent(shared_acceptance: Path) -> None:
    result = read_fhir(shared_acceptance / "cases" / "01-nsclc-kras-g12c" / "bundle.json")
    pdl1 = next(f for f in result.findings if isinstance(f, BiomarkerFinding) and f.biomarker == "PD-L1")
    assert (pdl1.gene, pdl1.scoring, pdl1.numeric, pdl1.unit, pdl1.status, pdl1.method) == (
        "CD274",
        "TPS",
        20.0,
        "%",
        "positive",
        "IHC",
    )


def test_pd_l1_below_one_percent_is_negative() -> None:
    obs = observation(
        {"text": "PD-L1 (SP263) tumour proportion score"}, valueQuantity={"value": 0, "unit": "%"}
    )
    assert one(read(obs).findings, BiomarkerFinding).status == "negative"


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("3+", "positive"),
        ("2+", "equivocal"),
        ("1+", "low"),
        ("0", "negative"),
        ("Score 2+ (equivocal)", "equivocal"),
    ],
)
def test_her2_ihc_score_is_graded_per_asco_cap(value: str, status: str) -> None:
    obs = observation(
        loinc("85319-2", "HER2 [Presence] in Breast cancer specimen by Immune stain"), valueString=value
    )
    finding = one(read(obs).findings, BiomarkerFinding)
    assert (finding.biomarker, finding.gene, finding.status, finding.scoring) == (
        "HER2",
        "ERBB2",
        status,
        "IHC 0-3+",
    )


def test_her2_ish_amplified_is_positive() -> None:
    obs = observation({"text": "HER2 FISH"}, valueString="Amplified (HER2/CEP17 ratio 4.1)")
    finding = one(read(obs).findings, BiomarkerFinding)
    assert (finding.status, finding.method, finding.scoring) == ("positive", "ISH", "ISH")


@pytest.mark.parametrize(("percent", "status"), [(0, "negative"), (5, "low"), (90, "positive")])
def test_estrogen_receptor_percent_is_graded_per_asco_cap(percent: int, status: str) -> None:
    obs = observation(loinc("85337-4"), valueQuantity={"value": percent, "unit": "%", "code": "%"})
    finding = one(read(obs).findings, BiomarkerFinding)
    assert (finding.biomarker, finding.status, finding.numeric) == ("ER", status, float(percent))


def test_intact_mismatch_repair_proteins_are_proficient(shared_acceptance: Path) -> None:
    result = read_fhir(shared_acceptance / "cases" / "02-crc-braf-v600e" / "bundle.json")
    mmr = next(f for f in result.findings if isinstance(f, BiomarkerFinding) and f.biomarker == "MMR")
    assert (mmr.status, mmr.method) == ("negative", "IHC")


def test_loss_of_mismatch_repair_protein_is_deficient() -> None:
    obs = observation(
        {"text": "Mismatch repair protein IHC"},
        valueString="Loss of MLH1 and PMS2 expression; MSH2 and MSH6 intact",
    )
    assert one(read(obs).findings, BiomarkerFinding).status == "positive"


def test_negative_alk_ihc_is_a_negative_biomarker_and_no_alk_fusion() -> None:
    obs = observation({"text": "ALK (D5F3) immunohistochemistry"}, valueCodeableConcept=NEGATIVE)
    findings = read(obs).findings
    alk = one(findings, BiomarkerFinding)
    assert (alk.biomarker, alk.gene, alk.status, alk.method) == ("ALK", "ALK", "negative", "IHC")
    negative = one(findings, NegativeFinding)
    assert (negative.gene, negative.alteration, negative.method) == ("ALK", "fusion", "IHC")


def test_positive_kit_ihc_is_a_positive_biomarker_without_a_negative() -> None:
    obs = observation({"text": "KIT (CD117) immunohistochemistry"}, valueCodeableConcept=POSITIVE)
    findings = read(obs).findings
    assert [(f.kind, getattr(f, "biomarker", None), getattr(f, "status", None)) for f in findings] == [
        ("biomarker", "KIT", "positive")
    ]


# --- free text, labs and the rest ------------------------------------------------------------


def test_free_text_result_goes_through_the_notes_extractor(shared_acceptance: Path) -> None:
    result = read_fhir(shared_acceptance / "cases" / "05-crc-irinotecan-ugt1a1-outside-call" / "bundle.json")
    kras = [f for f in result.findings if isinstance(f, VariantFinding) and f.gene == "KRAS"]
    assert [short_protein(f.hgvs_p or "") for f in kras] == ["G12D"]
    assert kras[0].provenance == "bundle.json#Observation/247dabb2-559c-594b-8bd3-ae81cd9b06f9"


def test_lab_value_keeps_loinc_code_and_ucum_unit() -> None:
    creatinine = observation(
        {"coding": [{"system": LOINC, "code": "2160-0", "display": "Creatinine"}], "text": "Creatinine"},
        valueQuantity={"value": 1.4, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"},
        effectiveDateTime="2025-02-14T08:00:00Z",
    )
    (lab,) = read(creatinine).observations
    assert lab.code is not None
    assert (lab.code.system, lab.code.code, lab.text, lab.numeric, lab.unit, lab.value, lab.date) == (
        LOINC,
        "2160-0",
        "Creatinine",
        1.4,
        "mg/dL",
        "1.4 mg/dL",
        "2025-02-14",
    )


def test_panel_components_become_separate_lab_values() -> None:
    pressure = observation(
        {"text": "Blood pressure"},
        component=[
            {"code": loinc("8480-6", "Systolic"), "valueQuantity": {"value": 128, "unit": "mm[Hg]"}},
            {"code": loinc("8462-4", "Diastolic"), "valueQuantity": {"value": 82, "unit": "mm[Hg]"}},
        ],
    )
    labs = read(pressure).observations
    assert [(lab.text, lab.numeric) for lab in labs] == [
        ("Blood pressure: Systolic", 128.0),
        ("Blood pressure: Diastolic", 82.0),
    ]


def test_entered_in_error_observation_is_ignored() -> None:
    wrong = observation(loinc("94076-7"), valueQuantity={"value": 30}, status="entered-in-error")
    result = read(wrong)
    assert (result.findings, result.observations) == ([], [])


def test_file_with_gene_results_states_its_coverage(shared_data: Path) -> None:
    result = read_fhir(shared_data / EXAMPLES / "oncology-report-example.json")
    (coverage,) = result.coverage
    assert (coverage.assay, coverage.origin) == ("fhir", "somatic")
    assert {"PIK3CA", "NRAS", "KMT2D"} <= set(coverage.genes or [])


def test_ecg_pr_interval_is_not_the_progesterone_receptor() -> None:
    ecg = observation(loinc("8625-6", "P-R Interval"), valueQuantity={"value": 160, "unit": "ms"})
    ecg["code"]["text"] = "PR interval"
    result = read(ecg)
    assert result.findings == []
    assert [lab.numeric for lab in result.observations] == [160.0]


def test_biomarker_results_do_not_count_as_gene_coverage() -> None:
    pdl1 = observation({"text": "PD-L1 IHC tumor proportion score"}, valueQuantity={"value": 60, "unit": "%"})
    assert read(pdl1).coverage == []

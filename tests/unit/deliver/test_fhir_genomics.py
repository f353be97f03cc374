"""FHIR Genomics Reporting output: R4B-valid, deterministic, IG-shaped, honest about what was not assessed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from fhirpathpy import evaluate
from fhirpathpy.models import models
from tests.unit.deliver.sample import make_analysis

from integrome.deliver import analysis_to_fhir, render_fhir_bundle, validate_fhir_bundle
from integrome.errors import DeliveryError
from integrome.model import (
    Analysis,
    Citation,
    CopyNumberFinding,
    FusionFinding,
    Insight,
    Patient,
    PgxResult,
    VariantFinding,
)
from integrome.pipeline import write_outputs

IG = "http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/"
R4 = models["r4"]


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def profiled(bundle: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [r for r in resources(bundle, "Observation") if IG + name in r.get("meta", {}).get("profile", [])]


def components(obs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["code"]["coding"][0]["code"]: c for c in obs.get("component", [])}


def fhirpath(bundle: dict[str, Any], expression: str, **variables: Any) -> list[Any]:
    return list(evaluate(bundle, expression, variables, R4))


@pytest.fixture
def bundle(analysis: Analysis) -> dict[str, Any]:
    return analysis_to_fhir(analysis)


# --- validity and determinism -----------------------------------------------------------------


def test_every_resource_validates_with_the_r4b_models(bundle: dict[str, Any]) -> None:
    validate_fhir_bundle(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_invalid_bundle_is_a_delivery_error_naming_the_field(bundle: dict[str, Any]) -> None:
    del bundle["entry"][1]["resource"]["status"]
    with pytest.raises(DeliveryError, match=r"not valid R4B at /entry/1/resource/status: .*required"):
        validate_fhir_bundle(bundle)


def test_same_analysis_gives_a_byte_identical_bundle(analysis: Analysis) -> None:
    assert render_fhir_bundle(analysis) == render_fhir_bundle(make_analysis())


def test_ids_are_content_uuids_matching_their_full_urls(bundle: dict[str, Any]) -> None:
    assert bundle["type"] == "collection"
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    assert all(e["fullUrl"] == f"urn:uuid:{e['resource']['id']}" for e in bundle["entry"])


def test_a_changed_finding_changes_that_observation_id_only(analysis: Analysis) -> None:
    before = {e["resource"]["id"] for e in analysis_to_fhir(analysis)["entry"]}
    findings = list(analysis.findings)
    findings[1] = findings[1].model_copy(update={"vaf": 0.2})
    after = {e["resource"]["id"] for e in analysis_to_fhir(make_analysis(findings=findings))["entry"]}
    # the changed variant and the report that lists it get new ids; nothing else does
    assert len(before - after) == 2


# --- report ------------------------------------------------------------------------------------


def test_report_is_a_genomic_report_coded_51969_4_in_genetics(bundle: dict[str, Any]) -> None:
    (report,) = resources(bundle, "DiagnosticReport")
    assert bundle["entry"][0]["resource"] is report
    assert report["meta"]["profile"] == [IG + "genomic-report"]
    assert report["code"]["coding"] == [
        {"system": "http://loinc.org", "code": "51969-4", "display": "Genetic analysis report"}
    ]
    assert fhirpath(bundle, "entry.resource.ofType(DiagnosticReport).category.coding.code") == ["GE", "LAB"]


def test_not_assessed_gene_is_named_in_the_conclusion_and_never_a_genotype(bundle: dict[str, Any]) -> None:
    (report,) = resources(bundle, "DiagnosticReport")
    assert "Not assessed (phenotype unknown, not normal): CYP2C9." in report["conclusion"]
    genotypes = [obs["valueCodeableConcept"]["text"] for obs in profiled(bundle, "genotype")]
    assert genotypes == ["CYP2C19 *2/*2"]
    assert "CYP2C9" not in json.dumps(profiled(bundle, "therapeutic-implication"))


def test_patient_reference_defaults_to_the_record_id_and_can_be_given(analysis: Analysis) -> None:
    assert fhirpath(
        analysis_to_fhir(analysis), "entry.resource.ofType(DiagnosticReport).subject.reference"
    ) == ["Patient/DEMO-0001"]
    given = analysis_to_fhir(analysis, patient_reference="Patient/8f2c")
    assert fhirpath(
        given, "entry.resource.ofType(Observation).all(subject.reference = %p)", p="Patient/8f2c"
    ) == [True]


def test_the_input_records_patient_reference_is_kept_over_its_mrn(tmp_path: Path) -> None:
    from integrome.ingest.load import IngestOptions, load_inputs

    record = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "https://ehr.example.org/fhir/Patient/p-81",
                "resource": {"resourceType": "Patient", "id": "p-81", "identifier": [{"value": "MRN-4471"}]},
            }
        ],
    }
    (tmp_path / "record.json").write_text(json.dumps(record))
    patient = load_inputs([tmp_path / "record.json"], IngestOptions()).patient
    assert (patient.id, patient.record_reference) == ("MRN-4471", "Patient/p-81")
    bundle = analysis_to_fhir(make_analysis(patient=patient))
    assert fhirpath(bundle, "entry.resource.ofType(Observation).subject.reference.distinct()") == [
        "Patient/p-81"
    ]


def test_patient_id_that_is_not_a_fhir_id_becomes_an_identifier(analysis: Analysis) -> None:
    patient = analysis.patient.model_copy(update={"id": "MRN 4471/2"})
    bundle = analysis_to_fhir(make_analysis(patient=Patient.model_validate(patient.model_dump())))
    (report,) = resources(bundle, "DiagnosticReport")
    assert report["subject"] == {"identifier": {"value": "MRN 4471/2"}}


# --- FHIRPath invariants -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        "entry.resource.ofType(Observation).all(subject.reference = 'Patient/DEMO-0001')",
        "entry.resource.ofType(Task).all(for.reference = 'Patient/DEMO-0001')",
        "entry.resource.ofType(Observation).component.all(value.exists())",
        "entry.resource.ofType(DiagnosticReport).result.reference.subsetOf(%urls)",
        "entry.resource.ofType(Observation).derivedFrom.reference.subsetOf(%urls)",
        "entry.resource.ofType(DiagnosticReport).extension.value.reference.subsetOf(%tasks)",
        "entry.resource.ofType(Task).focus.reference.subsetOf(%requests)",
        # GenomicBase: category laboratory and GE on every profiled observation
        "entry.resource.ofType(Observation).where(meta.profile.exists()).all("
        "category.coding.where(code = 'laboratory').exists()"
        " and category.coding.where(code = 'GE').exists())",
        # GenomicImplication: no value, derived from at least one finding
        "entry.resource.ofType(Observation).where(meta.profile.exists($this.endsWith('implication')))"
        ".all(value.empty() and derivedFrom.exists())",
        # Variant: value from LOINC LL1971-2 (Present / Absent)
        "entry.resource.ofType(Observation).where(code.coding.code = '69548-6')"
        ".all(value.coding.code = 'LA9633-4' or value.coding.code = 'LA9634-2')",
        # FollowupRecommendation: a proposal the clinician may accept
        "entry.resource.ofType(Task).all(status = 'requested' and intent = 'proposal')",
        # meta.profile present on every finding, implication and task
        "entry.resource.where(($this is Observation and code.coding.code = '69548-6') or $this is Task"
        " or $this is DiagnosticReport).all(meta.profile.exists())",
    ],
)
def test_fhirpath_invariant_holds(bundle: dict[str, Any], expression: str) -> None:
    urls = fhirpath(bundle, "entry.fullUrl")
    tasks = fhirpath(bundle, "entry.where(resource is Task).fullUrl")
    requests = fhirpath(bundle, "entry.where(resource is ServiceRequest).fullUrl")
    assert fhirpath(bundle, expression, urls=urls, tasks=tasks, requests=requests) == [True]


# --- findings ------------------------------------------------------------------------------------


def test_variant_carries_gene_hgvs_position_build_origin_and_vaf(bundle: dict[str, Any]) -> None:
    egfr = next(o for o in profiled(bundle, "variant") if "48004-6" in components(o))
    comps = components(egfr)
    assert comps["48018-6"]["valueCodeableConcept"]["coding"] == [
        {"system": "http://www.genenames.org/geneId", "code": "HGNC:3236", "display": "EGFR"}
    ]
    assert comps["48004-6"]["valueCodeableConcept"]["coding"][0]["code"] == "NM_005228.5:c.2573T>G"
    assert comps["51958-7"]["valueCodeableConcept"]["coding"][0]["code"] == "NM_005228.5"
    assert comps["48005-3"]["valueCodeableConcept"]["coding"][0]["code"] == "p.Leu858Arg"
    assert comps["81290-9"]["valueCodeableConcept"]["coding"][0]["code"] == "NC_000007.14:g.55191822T>G"
    assert comps["62374-4"]["valueCodeableConcept"]["coding"][0]["code"] == "LA26806-2"
    assert comps["48002-0"]["valueCodeableConcept"]["coding"][0]["code"] == "LA6684-0"
    assert comps["81258-6"]["valueQuantity"] == {
        "value": 0.31,
        "system": "http://unitsofmeasure.org",
        "code": "1",
    }
    assert comps["81254-5"]["valueRange"] == {"low": {"value": 55191822}}
    assert comps["92822-6"]["valueCodeableConcept"]["coding"][0]["code"] == "LA30102-0"


def test_deletion_spans_its_reference_allele_and_has_no_g_hgvs() -> None:
    deletion = VariantFinding(
        id="f1", source="vcf", gene="EGFR", chrom="chr7", pos=55174771, ref="AGGAATTAAGAGAAGC", alt="A",
        build="GRCh38", zygosity="heterozygous",
    )  # fmt: skip
    comps = components(profiled(analysis_to_fhir(make_analysis(findings=[deletion])), "variant")[0])
    assert "81290-9" not in comps
    assert comps["81254-5"]["valueRange"] == {"low": {"value": 55174771}, "high": {"value": 55174786}}
    assert comps["53034-5"]["valueCodeableConcept"]["coding"][0]["code"] == "LA6706-1"


def test_consequence_is_a_molecular_consequence_derived_from_the_variant(bundle: dict[str, Any]) -> None:
    (consequence,) = profiled(bundle, "molecular-consequence")
    egfr_url = next(
        e["fullUrl"]
        for e in bundle["entry"]
        if "48004-6" in components(e["resource"]) and e["resource"].get("valueCodeableConcept")
    )
    assert consequence["derivedFrom"] == [{"reference": egfr_url}]
    assert (
        components(consequence)["feature-consequence"]["valueCodeableConcept"]["coding"][0]["code"]
        == "SO:0001583"
    )


def test_negative_fusion_is_an_absent_variant_naming_the_fusion(bundle: dict[str, Any]) -> None:
    absent = [
        o for o in profiled(bundle, "variant") if o["valueCodeableConcept"]["coding"][0]["code"] == "LA9634-2"
    ]
    (alk,) = absent
    assert components(alk)["81252-9"]["valueCodeableConcept"] == {"text": "ALK fusion"}
    assert alk["method"] == {"text": "IHC"}


def test_biomarker_is_a_molecular_biomarker_with_its_number(bundle: dict[str, Any]) -> None:
    (pdl1,) = profiled(bundle, "molecular-biomarker")
    assert pdl1["code"] == {"text": "PD-L1 (IHC, TPS)"}
    assert pdl1["valueQuantity"] == {
        "value": 60.0,
        "unit": "%",
        "system": "http://unitsofmeasure.org",
        "code": "%",
    }
    assert pdl1["interpretation"][0]["coding"][0]["code"] == "POS"


def test_copy_number_and_fusion_use_the_ig_structural_variant_shape() -> None:
    findings = [
        CopyNumberFinding(
            id="f1", source="table", origin="somatic", gene="ERBB2", call="amplification", copy_number=12.0
        ),
        FusionFinding(
            id="f2", source="table", origin="somatic", gene="ALK", partner="EML4", five_prime="EML4",
            three_prime="ALK",
        ),
    ]  # fmt: skip
    cnv, fusion = profiled(analysis_to_fhir(make_analysis(findings=findings)), "variant")
    assert components(cnv)["48019-4"]["valueCodeableConcept"]["coding"][0]["code"] == "SO:0001019"
    assert components(cnv)["82155-3"]["valueQuantity"] == {
        "value": 12,
        "system": "http://unitsofmeasure.org",
        "code": "1",
    }
    assert components(fusion)["81252-9"]["valueCodeableConcept"] == {"text": "EML4::ALK fusion"}
    genes = [
        c["valueCodeableConcept"]["coding"][0]["display"]
        for c in fusion["component"]
        if c["code"]["coding"][0]["code"] == "48018-6"
    ]
    assert genes == ["ALK", "EML4"]


def test_hla_presence_results_are_present_and_absent_allele_tests() -> None:
    hla = PgxResult(
        gene="HLA-B", diplotype="*57:01 positive, *58:01 negative", phenotype="*57:01 Positive", assessed=True
    )
    bundle = analysis_to_fhir(make_analysis(pgx=[hla], insights=[]))
    tests = {
        o["code"]["text"]: o["valueCodeableConcept"]["coding"][0]["code"]
        for o in resources(bundle, "Observation")
        if "Presence" in o["code"].get("text", "")
    }
    assert tests == {"HLA-B*57:01 [Presence]": "LA9633-4", "HLA-B*58:01 [Presence]": "LA9634-2"}
    (phenotype,) = profiled(bundle, "therapeutic-implication")
    assert (
        components(phenotype)["therapeutic-implication"]["valueCodeableConcept"]["coding"][0]["code"]
        == "LA19541-4"
    )


# --- implications and follow-up ----------------------------------------------------------------


def test_pgx_implication_derives_from_the_genotype_with_phenotype_and_rxnorm_drug(
    bundle: dict[str, Any],
) -> None:
    genotype_url = next(
        e["fullUrl"]
        for e in bundle["entry"]
        if IG + "genotype" in e["resource"].get("meta", {}).get("profile", [])
    )
    clopidogrel = next(
        o for o in profiled(bundle, "therapeutic-implication") if o["code"]["text"].startswith("Clopidogrel")
    )
    assert clopidogrel["derivedFrom"] == [{"reference": genotype_url}]
    comps = components(clopidogrel)
    assert comps["therapeutic-implication"]["valueCodeableConcept"]["coding"][0]["code"] == "LA9657-3"
    assert comps["51963-7"]["valueCodeableConcept"]["coding"] == [
        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "32968", "display": "clopidogrel"}
    ]
    assert comps["93044-6"]["valueCodeableConcept"]["text"] == "evidence level A; CPIC strength strong"
    assert clopidogrel["status"] == "preliminary"


def test_therapy_implication_is_responsive_and_cites_its_sources(bundle: dict[str, Any]) -> None:
    osimertinib = next(
        o for o in profiled(bundle, "therapeutic-implication") if o["code"]["text"].startswith("Osimertinib")
    )
    comps = components(osimertinib)
    assert comps["therapeutic-implication"]["valueCodeableConcept"]["coding"][0]["code"] == "LA6677-4"
    assert comps["conclusion-string"]["valueString"].startswith("EGFR L858R predicts benefit")
    cited = [x["valueRelatedArtifact"]["citation"] for x in osimertinib["extension"]]
    assert cited == ["FDA Tagrisso (osimertinib) label", "PMID 29151359"]


def test_test_recommendation_is_a_proposed_request_behind_a_followup_task(bundle: dict[str, Any]) -> None:
    (request,) = resources(bundle, "ServiceRequest")
    assert (request["status"], request["intent"], request["code"]["text"]) == (
        "draft",
        "proposal",
        "DPYD genotyping",
    )
    assert "Guideline: PMID, 29152729" in [n["text"] for n in request["note"]]
    (task,) = resources(bundle, "Task")
    assert task["meta"]["profile"] == [IG + "followup-recommendation"]
    request_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is request)
    assert task["focus"] == {"reference": request_url}


def test_germline_finding_adds_a_genetic_counseling_recommendation() -> None:
    brca2 = VariantFinding(
        id="f1", source="vcf", origin="germline", gene="BRCA2", hgvs_p="p.Ser1982ArgfsTer22"
    )
    germline = Insight(
        id="i1", kind="germline", title="Germline BRCA2 loss-of-function variant: hereditary cancer risk",
        summary="Germline BRCA2 truncating variant: refer for genetic counseling.", genes=["BRCA2"],
        finding_ids=["f1"], citations=[Citation(source="NCCN", id="Genetic/Familial High-Risk Assessment")],
    )  # fmt: skip
    bundle = analysis_to_fhir(make_analysis(findings=[brca2], insights=[germline]))
    (implication,) = profiled(bundle, "diagnostic-implication")
    (task,) = resources(bundle, "Task")
    assert task["code"]["coding"][0]["code"] == "LA14020-4"
    implication_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is implication)
    assert task["reasonReference"] == [{"reference": implication_url}]


# --- output file -------------------------------------------------------------------------------


def test_fhir_format_writes_fhir_bundle_json(analysis: Analysis, tmp_path: Path) -> None:
    written = write_outputs(analysis, tmp_path / "out", {"fhir", "json"})
    assert written == [tmp_path / "out" / "analysis.json", tmp_path / "out" / "fhir-bundle.json"]
    text = (tmp_path / "out" / "fhir-bundle.json").read_text()
    assert text == render_fhir_bundle(analysis)
    assert json.loads(text)["resourceType"] == "Bundle"

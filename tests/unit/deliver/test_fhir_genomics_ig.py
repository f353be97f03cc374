"""Our bundle against the HL7 Genomics Reporting IG's definitions and examples; those examples read in.

The IG files are read in place from ../shared/data/fhir-genomics-reporting: the FHIR Shorthand
(STU4 draft, close to STU3), the STU2 (2022) XML examples and the R4 JSON oncology bundle.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from tests.unit.deliver.sample import make_analysis

from integrome.deliver import analysis_to_fhir
from integrome.ingest.fhir import read_fhir, read_fhir_data
from integrome.model import (
    BiomarkerFinding,
    Citation,
    FusionFinding,
    Insight,
    PgxResult,
    VariantFinding,
)

IG = "fhir-genomics-reporting"
STU2 = f"{IG}/examples-stu2-2022"
LOINC = "http://loinc.org"


def ig_resources(path: Path) -> list[dict[str, Any]]:
    """Every resource of an IG example file (JSON or XML), Bundles unpacked."""
    if path.suffix == ".json":
        data = json.loads(path.read_text())
    else:
        from fhir.resources.R4B import get_fhir_model_class
        from lxml import etree

        root = etree.fromstring(path.read_bytes(), etree.XMLParser(remove_comments=True))
        model = get_fhir_model_class(etree.QName(root).localname).model_validate_xml(etree.tostring(root))
        data = model.model_dump(mode="json", by_alias=True, exclude_none=True)

    def walk(resource: dict[str, Any]) -> list[dict[str, Any]]:
        if resource["resourceType"] == "Bundle":
            return [r for entry in resource.get("entry", []) for r in walk(entry["resource"])]
        return [resource, *resource.get("contained", [])]

    return walk(data)


def codes_of(obs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["code"]["coding"][0]["code"]: c for c in obs.get("component", [])}


def value_code(component: dict[str, Any]) -> str:
    return str(component["valueCodeableConcept"]["coding"][0]["code"])


def our_observations(*findings: Any, **changes: Any) -> list[dict[str, Any]]:
    bundle = analysis_to_fhir(make_analysis(findings=list(findings), **changes))
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]


def fsh_instance(shared_data: Path, file: str, name: str) -> str:
    text = (shared_data / IG / "fsh" / file).read_text()
    start = text.index(f"Instance: {name}\n")
    end = text.find("\nInstance:", start + 1)
    return text[start : end if end > 0 else None]


# --- profiles and codes ------------------------------------------------------------------------


def test_every_declared_profile_is_one_the_ig_defines(shared_data: Path) -> None:
    fsh = "".join(
        (shared_data / IG / "fsh" / name).read_text()
        for name in ("CGGeneral.fsh", "CGFindings.fsh", "CGImplications.fsh")
    )
    defined = set(re.findall(r"^Profile:\s+\w+\nParent:\s+\w+\nId:\s+(\S+)", fsh, re.M))
    hla = PgxResult(gene="HLA-B", diplotype="*57:01/*08:01", phenotype="Positive", assessed=True)
    germline = VariantFinding(id="f9", source="vcf", origin="germline", gene="BRCA2", hgvs_p="p.Ser1982fs")
    insight = Insight(
        id="i9", kind="germline", title="Germline BRCA2", summary="Refer for genetic counseling.",
        finding_ids=["f9"], citations=[Citation(source="NCCN", id="Genetic/Familial High-Risk Assessment")],
    )  # fmt: skip
    analysis = make_analysis()
    bundle = analysis_to_fhir(
        make_analysis(
            findings=[*analysis.findings, germline],
            pgx=[*analysis.pgx, hla],
            insights=[*analysis.insights, insight],
        )
    )
    used = {
        p.rsplit("/", 1)[-1]
        for e in bundle["entry"]
        for p in e["resource"].get("meta", {}).get("profile", [])
    }
    assert used == {
        "genomic-report", "variant", "genotype", "molecular-biomarker", "therapeutic-implication",
        "diagnostic-implication", "molecular-consequence", "followup-recommendation",
    }  # fmt: skip
    assert used <= defined


def test_variant_uses_the_component_codes_of_the_ig_variant_example(shared_data: Path) -> None:
    """The IG's JAK2 p.Val617Phe variant (R4 oncology bundle) and ours for the same finding."""
    resources = ig_resources(shared_data / IG / "examples-json" / "Bundle-bundle-oncologyexamples-r4.json")
    jak2 = next(r for r in resources if "JAK2" in json.dumps(r.get("component", [])))
    finding = VariantFinding(
        id="f1", source="fhir", origin="germline", gene="JAK2", hgvs_p="p.Val617Phe", chrom="chr9",
        pos=5073770, ref="G", alt="T", build="GRCh37",
    )  # fmt: skip
    (ours,) = [o for o in our_observations(finding) if o["code"]["coding"][0]["code"] == "69548-6"]
    theirs, mine = codes_of(jak2), codes_of(ours)
    # 48006-1 (amino acid change type) is retired from the STU3 Variant profile (CGFindings.fsh);
    # the consequence is a MolecularConsequence of its own.
    assert set(theirs) - {"48006-1"} <= set(mine)
    assert ours["code"]["coding"][0]["code"] == jak2["code"]["coding"][0]["code"]
    assert ours["valueCodeableConcept"] == {"coding": [jak2["valueCodeableConcept"]["coding"][0]]}
    assert value_code(mine["48002-0"]) == value_code(theirs["48002-0"])
    assert value_code(mine["48005-3"]) == value_code(theirs["48005-3"])
    ig_gene, our_gene = (
        theirs["48018-6"]["valueCodeableConcept"]["coding"][0],
        mine["48018-6"]["valueCodeableConcept"]["coding"][0],
    )
    assert (our_gene["system"], our_gene["display"]) == (ig_gene["system"], ig_gene["display"])
    assert value_code(mine["81290-9"]).endswith(value_code(theirs["81290-9"]).split(":", 1)[1])


def test_positional_variant_matches_the_ig_cyp2c19_example(shared_data: Path) -> None:
    """rs12248560 (CYP2C19*17) in the IG's CYP2C19 report: assembly, RefSeq, 1-based start, alleles, state."""
    resources = ig_resources(shared_data / STU2 / "report-CYP2C19.xml")
    theirs = next(
        codes_of(r) for r in resources
        if codes_of(r).get("81254-5", {}).get("valueRange", {}).get("low", {}).get("value") == 96521657
    )  # fmt: skip
    finding = VariantFinding(
        id="f1", source="vcf", origin="germline", chrom="chr10", pos=96521657, ref="C", alt="T",
        build="GRCh37",
        zygosity=("homozygous" if value_code(theirs["53034-5"]) == "LA6705-3" else "heterozygous"),
    )  # fmt: skip
    (ours,) = [o for o in our_observations(finding) if o["code"]["coding"][0]["code"] == "69548-6"]
    mine = codes_of(ours)
    assert set(theirs) <= set(mine)
    for code in ("62374-4", "48013-7", "53034-5", "92822-6"):
        assert value_code(mine[code]) == value_code(theirs[code]), code
    for code in ("69547-8", "69551-0"):
        assert mine[code]["valueString"] == theirs[code]["valueString"]
    assert mine["81254-5"]["valueRange"]["low"] == theirs["81254-5"]["valueRange"]["low"]


def test_pgx_genotype_and_implication_use_the_codes_of_the_ig_cyp2c19_example(shared_data: Path) -> None:
    """The IG's eMERGE CYP2C19*2/*2 genotype and clopidogrel implication (CGExamples.fsh) and ours."""
    genotype_fsh = fsh_instance(shared_data, "CGExamples.fsh", "Pgx-geno-1001")
    implication_fsh = fsh_instance(shared_data, "CGExamples.fsh", "TxImp01")
    ig_hgnc = re.search(r"gene-studied\].valueCodeableConcept = \$HGNCID#(HGNC:\d+)", genotype_fsh)
    ig_phenotype = re.search(r"therapeutic-implication\].valueCodeableConcept = \$LNC#(\S+)", implication_fsh)
    ig_rxnorm = re.search(r"medication-assessed\].valueCodeableConcept = \$RXN#(\d+)", implication_fsh)
    assert ig_hgnc is not None
    assert ig_phenotype is not None
    assert ig_rxnorm is not None
    observations = our_observations()  # the sample: CYP2C19 *2/*2 poor metabolizer, clopidogrel insight
    genotype = next(o for o in observations if o["code"]["coding"][0]["code"] == "84413-4")
    clopidogrel = next(o for o in observations if o["code"].get("text", "").startswith("Clopidogrel"))
    assert genotype["valueCodeableConcept"]["text"] == "CYP2C19 *2/*2"
    assert value_code(codes_of(genotype)["48018-6"]) == ig_hgnc[1]
    mine = codes_of(clopidogrel)
    assert set(mine) >= {"therapeutic-implication", "51963-7"}
    assert value_code(mine["therapeutic-implication"]) == ig_phenotype[1]
    assert value_code(mine["51963-7"]) == ig_rxnorm[1]
    assert clopidogrel["code"]["coding"][0] == {
        "system": "http://hl7.org/fhir/uv/genomics-reporting/CodeSystem/tbd-codes-cs",
        "code": "therapeutic-implication",
        "display": "Therapeutic Implication",
    }


def test_genotype_shape_matches_the_ig_pgx_example(shared_data: Path) -> None:
    """The IG's CYP2C9 *4/*35B genotype: code 84413-4, '<gene> <diplotype>' value, HGNC gene studied."""
    theirs = next(
        r
        for r in ig_resources(shared_data / STU2 / "diagnosticreport-pgxexample.xml")
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == "84413-4"
    )
    cyp2c9 = PgxResult(
        gene="CYP2C9", diplotype="*4/*35B", phenotype="Intermediate Metabolizer", assessed=True
    )
    ours = next(
        o for o in our_observations(pgx=[cyp2c9], insights=[]) if o["code"]["coding"][0]["code"] == "84413-4"
    )
    assert ours["valueCodeableConcept"]["text"] == theirs["valueCodeableConcept"]["coding"][0]["display"]
    ig_gene = codes_of(theirs)["48018-6"]["valueCodeableConcept"]["coding"][0]
    our_gene = codes_of(ours)["48018-6"]["valueCodeableConcept"]["coding"][0]
    assert (our_gene["system"], our_gene["display"]) == (ig_gene["system"], ig_gene["display"])
    assert our_gene["code"].removeprefix("HGNC:") == ig_gene["code"]


# --- the IG's examples as input ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "variants", "genotypes", "biomarkers"),
    [
        ("SNVexample.xml", 1, [], []),
        # 3 Variant observations: one is the compound-heterozygote grouping of the other two
        ("compound-heterozygote.xml", 2, [], []),
        # 4 variants: a haplotype grouping (81263-6) of two CYP2D6 variants, plus ACAD9 and both members;
        # the *2 haplotype has no gene and is one allele of the CYP2C9 *2/*5 genotype
        ("diagnosticreport-cgexample.xml", 3, [("CYP2C9", "*2/*5")], []),
        ("diagnosticreport-cgexample-withGrouping.xml", 3, [("CYP2C9", "*2/*5")], []),
        # the two haplotypes are the alleles of the genotype
        ("diagnosticreport-pgxexample.xml", 2, [("CYP2C9", "*4/*35B")], []),
        (
            "CG-IG-HLA-FullBundle-01.xml",
            0,
            [
                ("HLA-A", "*01:01G/*01:02"),
                ("HLA-B", "*15:01:01G/*57:01:01G"),
                ("HLA-C", "*01:02:01G/*03:04:01G"),
            ],
            [],
        ),
        ("genotype-hla-a-glstring-r4.xml", 0, [("HLA-A", "*03:01:01:01/*30:01:01")], []),
        ("oncology-report-example.json", 12, [], []),
        ("oncology-diagnostic.xml", 1, [], ["TMB"]),
        ("oncologyexamples-r4.xml", 3, [], ["MSI", "TMB"]),
        ("oncologyexamples-r4-withGrouping.xml", 3, [], ["MSI", "TMB"]),
        ("report-CYP2C19.xml", 74, [], []),
        ("sequence-phase-relation-CYP2C19.xml", 2, [], []),
    ],
)
def test_ig_example_findings_are_all_read(
    shared_data: Path, file: str, variants: int, genotypes: list[tuple[str, str]], biomarkers: list[str]
) -> None:
    result = read_fhir(shared_data / STU2 / file)
    assert sum(isinstance(f, VariantFinding) for f in result.findings) == variants
    assert sorted((c.gene, c.diplotype) for c in result.genotypes if c.diplotype) == sorted(genotypes)
    assert sorted(f.biomarker for f in result.findings if isinstance(f, BiomarkerFinding)) == biomarkers


def test_ig_json_oncology_bundle_reads_variants_tmb_and_msi(shared_data: Path) -> None:
    result = read_fhir(shared_data / IG / "examples-json" / "Bundle-bundle-oncologyexamples-r4.json")
    assert sorted(f.gene or "" for f in result.findings if isinstance(f, VariantFinding)) == [
        "ERBB4",
        "JAK2",
        "KDR",
    ]
    markers = {f.biomarker: (f.status, f.numeric) for f in result.findings if isinstance(f, BiomarkerFinding)}
    assert markers == {"TMB": ("positive", 25.0), "MSI": ("positive", None)}


def test_variants_given_only_as_transcript_positions_are_reported_not_read(shared_data: Path) -> None:
    """complexVariant-nonHGVS.xml comments its c.HGVS out: a transcript position is not a c. coordinate."""
    result = read_fhir(shared_data / STU2 / "complexVariant-nonHGVS.xml")
    assert result.findings == []
    assert len([w for w in result.warnings if "no gene, HGVS or genomic coordinates" in w]) == 2


def test_ig_ros1_fusion_variant_is_a_fusion_not_a_mutation() -> None:
    """The IG's somatic example 'ROS1-Fusion-var' (somaticReportPDFexamples.fsh) names the fusion in text."""
    variant = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "69548-6"}]},
        "valueCodeableConcept": {"coding": [{"system": LOINC, "code": "LA9633-4", "display": "Present"}]},
        "component": [
            {
                "code": {"coding": [{"system": LOINC, "code": "81252-9"}]},
                "valueCodeableConcept": {"text": "ROS1 Fusion"},
            },
            {
                "code": {"coding": [{"system": LOINC, "code": "48018-6"}]},
                "valueCodeableConcept": {
                    "coding": [
                        {"system": "http://www.genenames.org", "code": "HGNC:10261", "display": "ROS1"}
                    ]
                },
            },
            {
                "code": {"coding": [{"system": LOINC, "code": "48002-0"}]},
                "valueCodeableConcept": {
                    "coding": [{"system": LOINC, "code": "LA6684-0", "display": "Somatic"}]
                },
            },
        ],
    }
    result = read_fhir_data(
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": variant}]}, name="b.json"
    )
    (fusion,) = result.findings
    assert isinstance(fusion, FusionFinding)
    assert (fusion.gene, fusion.partner, fusion.origin) == ("ROS1", None, "somatic")

"""Public example inputs (PCGR, MOAlmanac, HL7 Genomics Reporting, phenopackets, CIViC) through
`integrome analyze` as a new user runs it: every file is read, and the findings and tiered
insights are the ones the file's real drivers call for.

The inputs are read in place from ../shared/data; only the small FHIR bundles that state a
diagnosis (which the example files do not carry) are written here.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from integrome.cli.main import main
from integrome.examples import demo_inputs

Analysis = dict[str, Any]

ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"


def _bundle(tmp_path: Path, *, code: str, text: str, sex: str) -> Path:
    """A minimal FHIR R4 collection: one patient and one coded diagnosis (ICD-10-CM)."""
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:qa-patient",
                "resource": {
                    "resourceType": "Patient",
                    "id": "qa-patient",
                    "gender": sex,
                    "birthDate": "1961-04-02",
                },
            },
            {
                "fullUrl": "urn:uuid:qa-condition",
                "resource": {
                    "resourceType": "Condition",
                    "id": "qa-condition",
                    "subject": {"reference": "urn:uuid:qa-patient"},
                    "clinicalStatus": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                "code": "active",
                            }
                        ]
                    },
                    "code": {"coding": [{"system": ICD10, "code": code}], "text": text},
                },
            },
        ],
    }
    path = tmp_path / f"diagnosis-{code}.json"
    path.write_text(json.dumps(bundle))
    return path


def _breast(tmp_path: Path) -> Path:
    # C50.911: malignant neoplasm of unspecified site of right female breast.
    return _bundle(
        tmp_path, code="C50.911", text="Metastatic invasive ductal carcinoma of the breast", sex="female"
    )


def _colon(tmp_path: Path) -> Path:
    # C18.0: malignant neoplasm of cecum.
    return _bundle(tmp_path, code="C18.0", text="Metastatic adenocarcinoma of the cecum", sex="male")


def _melanoma(tmp_path: Path) -> Path:
    # C43.9: malignant melanoma of skin, unspecified (MOAlmanac's example patient is MEL).
    return _bundle(tmp_path, code="C43.9", text="Metastatic cutaneous melanoma", sex="female")


def _analyze(tmp_path: Path, inputs: Sequence[Path], *options: str) -> Analysis:
    out = tmp_path / "out"
    code = main(["analyze", *map(str, inputs), *options, "--out", str(out), "--format", "json"])
    assert code == 0
    data: Analysis = json.loads((out / "analysis.json").read_text())
    return data


def _variant(analysis: Analysis, gene: str, protein: str) -> dict[str, Any]:
    hits = [f for f in analysis["findings"] if f.get("gene") == gene and f.get("hgvs_p") == protein]
    assert len(hits) == 1, f"{gene} {protein} not found once in {len(analysis['findings'])} findings"
    found: dict[str, Any] = hits[0]
    return found


def _therapy(analysis: Analysis, drugs: set[str]) -> dict[str, Any]:
    hits = [i for i in analysis["insights"] if i["kind"] == "therapy" and set(i["drugs"]) == drugs]
    assert len(hits) == 1, f"no single therapy insight for {sorted(drugs)}"
    found: dict[str, Any] = hits[0]
    return found


# -- PCGR tumor VCFs, both builds -------------------------------------------------------------------

PIK3CA_H1047R = {"grch37": ("chr3", 178952085, "GRCh37"), "grch38": ("chr3", 179234297, "GRCh38")}
BRAF_V600E = {"grch37": ("chr7", 140453136, "GRCh37"), "grch38": ("chr7", 140753336, "GRCh38")}


@pytest.mark.parametrize("build", ["grch37", "grch38"])
def test_pcgr_breast_vcf_gives_alpelisib_tier_ia_for_its_pik3ca_h1047r(
    shared_data: Path, tmp_path: Path, build: str
) -> None:
    vcf = shared_data / "pcgr-examples" / f"T001-BRCA.{build}.vcf.gz"
    analysis = _analyze(tmp_path, [_breast(tmp_path), vcf])
    chrom, pos, assembly = PIK3CA_H1047R[build]
    pik3ca = _variant(analysis, "PIK3CA", "p.His1047Arg")
    assert (pik3ca["chrom"], pik3ca["pos"], pik3ca["build"], pik3ca["origin"]) == (
        chrom,
        pos,
        assembly,
        "somatic",
    )
    assert {f["build"] for f in analysis["findings"] if f["kind"] == "variant"} == {assembly}
    alpelisib = _therapy(analysis, {"alpelisib", "fulvestrant"})
    assert (alpelisib["tier"], alpelisib["evidence_level"]) == ("IA", "A")
    assert pik3ca["id"] in alpelisib["finding_ids"]
    assert analysis["patient"]["diagnoses"][0]["oncotree"] == "IDC"


@pytest.mark.parametrize("build", ["grch37", "grch38"])
def test_pcgr_colon_vcf_gives_encorafenib_cetuximab_tier_ia_for_its_braf_v600e(
    shared_data: Path, tmp_path: Path, build: str
) -> None:
    vcf = shared_data / "pcgr-examples" / f"T001-COAD.{build}.vcf.gz"
    analysis = _analyze(tmp_path, [_colon(tmp_path), vcf])
    chrom, pos, assembly = BRAF_V600E[build]
    braf = _variant(analysis, "BRAF", "p.Val600Glu")
    assert (braf["chrom"], braf["pos"], braf["build"], braf["origin"]) == (chrom, pos, assembly, "somatic")
    assert _therapy(analysis, {"encorafenib", "cetuximab"})["tier"] == "IA"
    # BEACON CRC: BRAF inhibition without an anti-EGFR antibody is not the colorectal standard.
    assert not any(
        i["tier"] == "IA" and i["drugs"] and set(i["drugs"]) <= {"dabrafenib", "trametinib", "vemurafenib"}
        for i in analysis["insights"]
    )
    # ~3,300 calls without gene annotation: one summarising warning, not one per call.
    unannotated = [w for w in analysis["warnings"] if "stayed unannotated" in w]
    assert len(unannotated) == 1
    assert f"T001-COAD.{build}.vcf.gz" in unannotated[0]


def test_somatic_dpyd_call_in_a_tumor_normal_vcf_is_not_a_germline_genotype(
    shared_data: Path, tmp_path: Path
) -> None:
    """PCGR's T001-BRCA carries rs3918290 (DPYD c.1905+1G>A, *2A) as a somatic call at VAF 0.10:
    it says nothing about the patient's germline DPYD, so no DPYD phenotype may be reported."""
    analysis = _analyze(tmp_path, [shared_data / "pcgr-examples" / "T001-BRCA.grch38.vcf.gz"])
    dpyd_site = [f for f in analysis["findings"] if (f.get("chrom"), f.get("pos")) == ("chr1", 97450058)]
    assert [f["origin"] for f in dpyd_site] == ["somatic"]
    assert not [p for p in analysis["pgx"] if p["gene"] == "DPYD" and p["assessed"]]
    assert not [i for i in analysis["insights"] if i["kind"] == "pgx"]


def test_pcgr_copy_number_fusions_and_expression_join_the_vcf(shared_data: Path, tmp_path: Path) -> None:
    pcgr = shared_data / "pcgr-examples"
    inputs = [
        _breast(tmp_path),
        pcgr / "T001-BRCA.grch38.vcf.gz",
        pcgr / "T001-BRCA.grch38.cna.tsv",
        pcgr / "T001-BRCA.grch38.fusions.tsv",
        pcgr / "T001-BRCA.gene_expression.tsv.gz",
    ]
    analysis = _analyze(tmp_path, inputs)
    assert {d["format"] for d in analysis["inputs"]} >= {"fhir", "vcf"}
    assert len(analysis["inputs"]) == 5
    erbb2 = [f for f in analysis["findings"] if f["kind"] == "copy_number" and f["gene"] == "ERBB2"]
    assert [(f["call"], f["copy_number"]) for f in erbb2] == [("amplification", 9.0)]
    trastuzumab = _therapy(analysis, {"trastuzumab"})
    assert trastuzumab["tier"] == "IA"
    assert trastuzumab["finding_ids"] == [erbb2[0]["id"]]
    fusions = {(f["five_prime"], f["three_prime"]) for f in analysis["findings"] if f["kind"] == "fusion"}
    assert {("EML4", "ALK"), ("CCDC6", "RET"), ("BCR", "ABL1")} <= fusions
    # RET fusions: selpercatinib is FDA-approved across solid tumors (tumor-agnostic, 2022).
    assert _therapy(analysis, {"selpercatinib"})["tier"] == "IA"
    # BCR-ABL1 is a leukemia driver: no kinase-inhibitor claim for it in a breast tumor.
    assert not [i for i in analysis["insights"] if "ABL1" in i["genes"] and i["tier"] in ("IA", "IB")]
    assert "ERBB2" in {e["gene"] for e in analysis["expression"] if e["layer"] == "rna"}
    assert any("no expression reference given" in w for w in analysis["warnings"])


# -- MOAlmanac example patient --------------------------------------------------------------------


def _moalmanac_actionable_genes(shared_data: Path) -> set[str]:
    """Genes MOAlmanac rates FDA-approved or guideline-backed for sensitivity (its example output)."""
    table = shared_data / "moalmanac-examples" / "output" / "example_output.actionable.txt"
    with table.open() as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return {
        row["feature"]
        for row in rows
        if row["feature_type"] in ("Somatic Variant", "Copy Number", "Germline Variant")
        and row["sensitive_predictive_implication"] in ("FDA-Approved", "Guideline")
    }


def test_moalmanac_example_shares_its_key_actionable_genes(shared_data: Path, tmp_path: Path) -> None:
    example = shared_data / "moalmanac-examples" / "input"
    inputs = [
        _melanoma(tmp_path),
        example / "example_patient.capture.somatic.snvs.maf",
        example / "example_patient.capture.somatic.indels.maf",
        example / "example_patient.capture.somatic.called.cna.txt",
        example / "example_patient.rna.star.fusions.txt",
    ]
    analysis = _analyze(tmp_path, inputs)
    braf = _variant(analysis, "BRAF", "p.Val600Glu")
    assert (braf["build"], braf["source"], braf["origin"]) == ("GRCh37", "maf", "somatic")
    cdk4 = [f for f in analysis["findings"] if f["kind"] == "copy_number" and f["gene"] == "CDK4"]
    assert [f["call"] for f in cdk4] == ["amplification"]
    ours = {g for i in analysis["insights"] if i["kind"] == "therapy" for g in i["genes"]}
    theirs = _moalmanac_actionable_genes(shared_data)
    assert {"BRAF", "CDK4"} <= theirs & ours
    dabrafenib = _therapy(analysis, {"dabrafenib", "trametinib"})
    assert (dabrafenib["tier"], dabrafenib["finding_ids"]) == ("IA", [braf["id"]])


def test_moalmanac_germline_maf_read_as_germline_flags_brca2_for_counseling(
    shared_data: Path, tmp_path: Path
) -> None:
    """The germline MAF has no Mutation_Status column: --germline says what it is (MAF's default is
    somatic), and its BRCA2 frameshift becomes a hereditary-risk insight."""
    maf = shared_data / "moalmanac-examples" / "input" / "example_patient.capture.germline.maf"
    analysis = _analyze(tmp_path, [_melanoma(tmp_path), maf], "--germline")
    assert {f["origin"] for f in analysis["findings"] if f["kind"] == "variant"} == {"germline"}
    assert [d["role"] for d in analysis["inputs"] if d["format"] == "maf"] == ["germline"]
    germline = [i for i in analysis["insights"] if i["kind"] == "germline"]
    assert [i["genes"] for i in germline] == [["BRCA2"]]
    assert germline[0]["severity"] == "warning"


# -- HL7 Genomics Reporting examples --------------------------------------------------------------


def test_hl7_oncology_bundle_gives_msi_and_tmb_biomarkers_and_a_jak2_variant(
    shared_data: Path, tmp_path: Path
) -> None:
    bundle = (
        shared_data / "fhir-genomics-reporting" / "examples-json" / "Bundle-bundle-oncologyexamples-r4.json"
    )
    analysis = _analyze(tmp_path, [bundle])
    biomarkers = {f["biomarker"]: f for f in analysis["findings"] if f["kind"] == "biomarker"}
    assert set(biomarkers) == {"MSI", "TMB"}
    assert _variant(analysis, "JAK2", "p.Val617Phe")["source"] == "fhir"
    # Pembrolizumab is approved for MSI-H and for TMB-high (>= 10 mut/Mb) solid tumors: both support it.
    pembrolizumab = _therapy(analysis, {"pembrolizumab"})
    assert sorted(pembrolizumab["finding_ids"]) == sorted(b["id"] for b in biomarkers.values())


STU2 = "fhir-genomics-reporting/examples-stu2-2022"


@pytest.mark.parametrize(
    ("name", "gene", "protein"),
    [
        ("SNVexample.xml", "AR", "p.Ala412Val"),
        ("oncology-report-example.json", "PIK3CA", "p.His1047Arg"),
        ("oncology-report-example.json", "NRAS", "p.Gly12Cys"),
        ("oncology-diagnostic.xml", "BRAF", "p.Val600Glu"),
        ("diagnosticreport-cgexample.xml", "CYP2D6", "p.Arg296Cys"),
    ],
)
def test_hl7_stu2_examples_give_their_variants(
    shared_data: Path, tmp_path: Path, name: str, gene: str, protein: str
) -> None:
    analysis = _analyze(tmp_path, [shared_data / STU2 / name])
    assert _variant(analysis, gene, protein)["source"] == "fhir"


def test_hl7_hla_typing_at_g_group_resolution_flags_abacavir(shared_data: Path, tmp_path: Path) -> None:
    """HLA-B*57:01:01G is a higher-resolution HLA-B*57:01 (WHO nomenclature): CPIC's abacavir rule
    applies, PMID 24561393."""
    analysis = _analyze(tmp_path, [shared_data / STU2 / "CG-IG-HLA-FullBundle-01.xml"])
    hla_b = [p for p in analysis["pgx"] if p["gene"] == "HLA-B"]
    assert [(p["diplotype"], p["phenotype"]) for p in hla_b] == [("*15:01:01G/*57:01:01G", "*57:01 Positive")]
    assert [i["drugs"] for i in analysis["insights"] if "HLA-B" in i["genes"]] == [["abacavir"]]


def test_hl7_pgx_example_reads_the_cyp2c9_genotype(shared_data: Path, tmp_path: Path) -> None:
    analysis = _analyze(tmp_path, [shared_data / STU2 / "diagnosticreport-cgexample.xml"])
    cyp2c9 = [p for p in analysis["pgx"] if p["gene"] == "CYP2C9"]
    assert [(p["diplotype"], p["phenotype"], p["source"]) for p in cyp2c9] == [
        ("*2/*5", "Intermediate Metabolizer", "fhir")
    ]


def test_hl7_report_of_74_unannotated_variants_gives_one_warning(shared_data: Path, tmp_path: Path) -> None:
    analysis = _analyze(tmp_path, [shared_data / STU2 / "report-CYP2C19.xml"])
    assert len([f for f in analysis["findings"] if f["kind"] == "variant"]) == 74
    assert [w for w in analysis["warnings"] if "stayed unannotated" in w] == [
        next(w for w in analysis["warnings"] if w.startswith("74 variants stayed unannotated"))
    ]


@pytest.mark.parametrize(
    ("name", "types"),
    [("obs-idh-ex.xml", "Observation"), ("diagnosticreport-hla-glstring-r4.xml", "DiagnosticReport")],
)
def test_hl7_example_without_usable_data_says_so_in_a_warning(
    shared_data: Path, tmp_path: Path, name: str, types: str
) -> None:
    """An implication whose variant lives elsewhere, a report whose results are only narrative."""
    analysis = _analyze(tmp_path, [shared_data / STU2 / name])
    assert (analysis["findings"], analysis["insights"]) == ([], [])
    assert analysis["warnings"] == [
        f"{name}: no patient data read: nothing in its {types} resources is a patient, diagnosis, "
        "medication, result or genomic finding that integrome can use"
    ]


# -- phenopackets -----------------------------------------------------------------------------------


def test_twenty_phenopackets_give_a_diagnosis_and_their_variants(shared_data: Path, tmp_path: Path) -> None:
    packets = sorted((shared_data / "phenopackets").glob("*.json"))[:20]
    assert len(packets) == 20
    for number, packet in enumerate(packets):
        data = json.loads(packet.read_text())
        named_genes = {
            gi["variantInterpretation"]["variationDescriptor"]["geneContext"]["symbol"]
            for interpretation in data.get("interpretations", [])
            for gi in interpretation["diagnosis"].get("genomicInterpretations", [])
            if "geneContext" in gi.get("variantInterpretation", {}).get("variationDescriptor", {})
        }
        analysis = _analyze(tmp_path / str(number), [packet])
        assert analysis["patient"]["diagnoses"], packet.name
        genes = {f["gene"] for f in analysis["findings"] if f["kind"] == "variant"}
        assert genes == named_genes, packet.name
        assert all(f["origin"] == "germline" for f in analysis["findings"] if f["kind"] == "variant")


# -- CIViC VCF ----------------------------------------------------------------------------------------

CIVIC_VCF = "civic/01-Oct-2019/01-Oct-2019-civic_accepted.vcf"


def test_civic_vcf_without_build_hints_asks_for_build(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["analyze", str(shared_data / CIVIC_VCF), "--out", str(tmp_path / "out")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: 01-Oct-2019-civic_accepted.vcf:header: cannot tell the genome build")
    assert "--build GRCh37" in err


def test_civic_vcf_release_with_an_html_page_inside_a_record_is_refused_at_that_line(
    shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The 01-Oct-2019 release has an HTML error page pasted into REF at line 56 (htslib stops
    there too): the file is malformed, and the user is told where."""
    args = ["analyze", str(shared_data / CIVIC_VCF), "--build", "GRCh37", "--out", str(tmp_path / "out")]
    assert main(args) == 2
    assert capsys.readouterr().err == (
        "error: 01-Oct-2019-civic_accepted.vcf:line 56: expected 8 tab-separated columns for a sites-only "
        "VCF, found 4\n"
    )
    assert not (tmp_path / "out").exists()


def test_civic_vcf_records_before_the_damage_are_read_with_their_csq_genes(
    shared_data: Path, tmp_path: Path
) -> None:
    lines = (shared_data / CIVIC_VCF).read_text().splitlines(keepends=True)[:55]
    intact = tmp_path / "civic-intact.vcf"
    intact.write_text("".join(lines))
    analysis = _analyze(tmp_path, [intact], "--build", "GRCh37")
    records = [line.split("\t") for line in lines if not line.startswith("#")]
    # Some CIViC variants share a genomic change: one finding per change.
    changes = {(r[0], r[1], r[3], r[4]) for r in records}
    variants = [f for f in analysis["findings"] if f["kind"] == "variant"]
    assert len(variants) == len(changes) < len(records)
    assert {"ALK", "MTOR", "DDR2", "NRAS"} <= {f["gene"] for f in variants}
    assert {f["build"] for f in variants} == {"GRCh37"}
    nras = _variant(analysis, "NRAS", "p.Gln61Arg")
    assert nras["hgvs_c"] == "ENST00000369535.4:c.182A>G"


# -- the report a physician reads ----------------------------------------------------------------------


def test_report_first_section_lists_every_therapy_option_at_a_glance(
    shared_data: Path, tmp_path: Path
) -> None:
    """Sixteen options on four drivers fit in a few table rows on page one, each linking to its card."""
    pcgr = shared_data / "pcgr-examples"
    inputs = [_breast(tmp_path), pcgr / "T001-BRCA.grch38.vcf.gz", pcgr / "T001-BRCA.grch38.cna.tsv"]
    out = tmp_path / "out"
    assert main(["analyze", *map(str, inputs), "--out", str(out), "--format", "json,html"]) == 0
    analysis = json.loads((out / "analysis.json").read_text())
    html = (out / "report.html").read_text()
    therapies = [i for i in analysis["insights"] if i["kind"] == "therapy"]
    assert len(therapies) >= 5
    glance = html[
        html.index('<table class="glance">') : html.index("</table>", html.index('<table class="glance">'))
    ]
    assert html.index('<table class="glance">') < html.index('<article class="card')
    for insight in therapies:
        assert f'<a href="#insight-{insight["id"]}">{" + ".join(insight["drugs"])}</a>' in glance
    assert '<th scope="row">ERBB2 amplification' in glance
    assert '<th scope="row">PIK3CA p.His1047Arg' in glance


def test_report_marks_a_planned_regimen_in_the_overview(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["analyze", *map(str, demo_inputs()), "--out", str(out), "--format", "html"]) == 0
    html = (out / "report.html").read_text()
    assert "osimertinib (planned)</a>" in html

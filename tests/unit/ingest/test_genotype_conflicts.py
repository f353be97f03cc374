"""Germline genotypes stated by two inputs at one position: agreeing ones collapse, others are uncalled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from integrome.ingest.load import IngestOptions, load_inputs
from integrome.ingest.vcf import VcfOptions
from integrome.knowledge.pgx import load_pgx_knowledge
from integrome.model import PatientProfile
from integrome.pipeline import RunOptions, run_analysis

STAR2 = 94781859  # CYP2C19 rs4244285 (*2) on GRCh38
STAR17 = 94761900  # CYP2C19 rs12248560 (*17) on GRCh38
HEADER = """##fileformat=VCFv4.2
##reference=GRCh38
##contig=<ID=chr10,length=133797422,assembly=GRCh38>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1
"""
LOINC = "http://loinc.org"


def write_vcf(path: Path, star2_gt: str) -> Path:
    """CYP2C19 *17, *3 and *2 positions; only the *2 genotype varies."""
    records = [
        f"chr10\t{STAR17}\trs12248560\tC\tT\t.\tPASS\t.\tGT\t0/0",
        "chr10\t94780653\trs4986893\tG\tA\t.\tPASS\t.\tGT\t0/0",
        f"chr10\t{STAR2}\trs4244285\tG\tA\t.\tPASS\t.\tGT\t{star2_gt}",
    ]
    path.write_text(HEADER + "\n".join(records) + "\n", encoding="utf-8")
    return path


def coded(code: str, display: str, system: str = LOINC) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def write_bundle(path: Path, zygosity: tuple[str, str]) -> Path:
    """A Genomics Reporting variant Observation `obs-2` stating rs4244285 with the given allelic state."""
    components = [
        (
            "48018-6",
            {"valueCodeableConcept": coded("HGNC:2621", "CYP2C19", "http://www.genenames.org")},
        ),
        (
            "81290-9",
            {
                "valueCodeableConcept": coded(
                    f"NC_000010.11:g.{STAR2}G>A", f"NC_000010.11:g.{STAR2}G>A", "http://varnomen.hgvs.org"
                )
            },
        ),
        ("53034-5", {"valueCodeableConcept": coded(*zygosity)}),
        ("48002-0", {"valueCodeableConcept": coded("LA6683-2", "Germline")}),
    ]
    observation = {
        "resourceType": "Observation",
        "id": "obs-2",
        "status": "final",
        "code": coded("69548-6", "Genetic variant assessment"),
        "valueCodeableConcept": coded("LA9633-4", "Present"),
        "component": [{"code": coded(code, code), **value} for code, value in components],
    }
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": observation}]}
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


HOMOZYGOUS = ("LA6705-3", "homozygous")
HETEROZYGOUS = ("LA6706-1", "heterozygous")


def load(*paths: Path) -> PatientProfile:
    """Read as the pipeline does: the VCF keeps the PGx positions, which name their gene in warnings."""
    kb = load_pgx_knowledge()
    builds = ("GRCh38", "GRCh37")
    genes = {
        (build, position.chrom, pos): gene
        for gene, definition in kb.definitions.items()
        for position in definition.positions
        for build in builds
        if (pos := position.pos(build)) is not None
    }
    options = IngestOptions(
        vcf=VcfOptions(sites_of_interest={build: kb.sites_of_interest(build) for build in builds}),
        position_genes=genes,
    )
    return load_inputs(list(paths), options)


def star2(profile: PatientProfile) -> list[tuple[list[str | None], str | None]]:
    return [(s.alleles, s.provenance) for s in profile.sites if s.pos == STAR2]


def test_vcf_and_fhir_observation_disagreeing_leave_the_position_uncalled_and_warn(tmp_path: Path) -> None:
    vcf = write_vcf(tmp_path / "variants.vcf", "0/1")
    bundle = write_bundle(tmp_path / "bundle.json", HOMOZYGOUS)
    profile = load(vcf, bundle)
    assert star2(profile) == [([None, None], "variants.vcf; also bundle.json#Observation/obs-2")]
    assert (
        "CYP2C19 chr10:94781859: variants.vcf says G/A, bundle.json (Observation obs-2) says A/A; "
        "the position is treated as not assessed"
    ) in profile.warnings


def test_the_contradiction_does_not_depend_on_the_input_order(tmp_path: Path) -> None:
    vcf = write_vcf(tmp_path / "variants.vcf", "0/1")
    bundle = write_bundle(tmp_path / "bundle.json", HOMOZYGOUS)
    first, second = load(vcf, bundle), load(bundle, vcf)
    assert star2(first) == star2(second)
    assert [w for w in first.warnings if "says" in w] == [w for w in second.warnings if "says" in w]


def test_agreeing_vcf_and_fhir_observation_collapse_to_one_site_naming_both(tmp_path: Path) -> None:
    vcf = write_vcf(tmp_path / "variants.vcf", "0/1")
    bundle = write_bundle(tmp_path / "bundle.json", HETEROZYGOUS)
    profile = load(bundle, vcf)
    assert star2(profile) == [(["G", "A"], "variants.vcf; also bundle.json#Observation/obs-2")]
    assert not any("not assessed" in w for w in profile.warnings)


def test_two_vcfs_disagreeing_name_both_files(tmp_path: Path) -> None:
    first = write_vcf(tmp_path / "blood.vcf", "0/1")
    second = write_vcf(tmp_path / "saliva.vcf", "1/1")
    profile = load(first, second)
    assert star2(profile) == [([None, None], "blood.vcf; also saliva.vcf")]
    assert (
        "CYP2C19 chr10:94781859: blood.vcf says G/A, saliva.vcf says A/A; "
        "the position is treated as not assessed"
    ) in profile.warnings
    agreeing = [(s.pos, s.alleles) for s in profile.sites if s.pos == STAR17]
    assert agreeing == [(STAR17, ["C", "C"])]


def test_the_no_call_made_of_disagreeing_inputs_is_marked_as_a_conflict(tmp_path: Path) -> None:
    profile = load(write_vcf(tmp_path / "blood.vcf", "0/1"), write_vcf(tmp_path / "saliva.vcf", "1/1"))
    assert [s.conflict for s in profile.sites if s.pos == STAR2] == [True]
    assert [s.conflict for s in profile.sites if s.pos == STAR17] == [False]


def test_a_single_inputs_no_call_is_not_a_conflict(tmp_path: Path) -> None:
    profile = load(write_vcf(tmp_path / "a.vcf", "./."))
    assert [(s.alleles, s.conflict) for s in profile.sites if s.pos == STAR2] == [([None, None], False)]
    two = load(write_vcf(tmp_path / "b.vcf", "./."), write_vcf(tmp_path / "c.vcf", "./."))
    assert [(s.alleles, s.conflict) for s in two.sites if s.pos == STAR2] == [([None, None], False)]


def test_agreeing_inputs_are_not_a_conflict(tmp_path: Path) -> None:
    profile = load(write_vcf(tmp_path / "a.vcf", "0/1"), write_bundle(tmp_path / "bundle.json", HETEROZYGOUS))
    assert [s.conflict for s in profile.sites if s.pos == STAR2] == [False]


def test_a_no_call_gives_way_to_another_inputs_call(tmp_path: Path) -> None:
    profile = load(write_vcf(tmp_path / "a.vcf", "./."), write_vcf(tmp_path / "b.vcf", "1/1"))
    assert star2(profile) == [(["A", "A"], "b.vcf")]
    assert not any("not assessed" in w for w in profile.warnings)


def test_pgx_result_of_a_contradicted_position_is_indeterminate_not_a_phenotype(tmp_path: Path) -> None:
    vcf = write_vcf(tmp_path / "variants.vcf", "0/1")
    bundle = write_bundle(tmp_path / "bundle.json", HOMOZYGOUS)
    analysis = run_analysis([vcf, bundle], options=RunOptions(deterministic=True))
    cyp2c19 = next(r for r in analysis.pgx if r.gene == "CYP2C19")
    assert "chr10:94781859 (rs4244285)" in cyp2c19.missing_positions
    # neither the VCF's *1/*2 (intermediate), the Observation's *2/*2 (poor metabolizer), nor the
    # *38/*38 (normal metabolizer) the remaining positions would give
    assert (cyp2c19.assessed, cyp2c19.diplotype, cyp2c19.phenotype) == (True, None, "Indeterminate")
    assert cyp2c19.note == (
        "inputs disagree at chr10:94781859 (rs4244285): phenotype not called; repeat CYP2C19 genotyping"
    )
    assert any("the position is treated as not assessed" in w for w in analysis.warnings)


def test_clopidogrel_planned_with_contradicted_cyp2c19_inputs_is_genotyped_again(tmp_path: Path) -> None:
    vcf = write_vcf(tmp_path / "variants.vcf", "0/1")
    bundle = write_bundle(tmp_path / "bundle.json", HOMOZYGOUS)
    data = json.loads(bundle.read_text(encoding="utf-8"))
    order = {
        "resourceType": "MedicationRequest",
        "id": "mr-1",
        "status": "draft",
        "intent": "order",
        "medicationCodeableConcept": {"text": "clopidogrel 75 mg"},
        "subject": {"reference": "Patient/p1"},
    }
    data["entry"].append({"resource": order})
    bundle.write_text(json.dumps(data), encoding="utf-8")
    analysis = run_analysis([vcf, bundle], options=RunOptions(deterministic=True))
    tests = [i for i in analysis.insights if i.kind == "test_recommendation" and "CYP2C19" in i.genes]
    assert [(i.title, i.severity) for i in tests] == [("CYP2C19 genotyping before clopidogrel", "warning")]
    assert tests[0].summary.startswith(
        "CYP2C19 result indeterminate (inputs disagree at chr10:94781859 (rs4244285)): genotype again"
    )
    about = [i for i in analysis.insights if "clopidogrel" in i.drugs]
    assert not any("metabolizer" in (i.title + i.summary).lower() for i in about)


def test_inputs_agreeing_against_a_third_are_named_together(tmp_path: Path) -> None:
    profile = load(
        write_vcf(tmp_path / "a.vcf", "1/0"),
        write_vcf(tmp_path / "b.vcf", "0/1"),
        write_bundle(tmp_path / "bundle.json", HOMOZYGOUS),
    )
    assert star2(profile) == [([None, None], "a.vcf; also b.vcf; also bundle.json#Observation/obs-2")]
    assert (
        "CYP2C19 chr10:94781859: a.vcf and b.vcf say A/G, bundle.json (Observation obs-2) says A/A; "
        "the position is treated as not assessed"
    ) in profile.warnings


def test_without_a_gene_for_the_position_the_warning_names_the_position_alone(tmp_path: Path) -> None:
    kb = load_pgx_knowledge()
    options = IngestOptions(vcf=VcfOptions(sites_of_interest={"GRCh38": kb.sites_of_interest("GRCh38")}))
    paths = [write_vcf(tmp_path / "a.vcf", "0/1"), write_vcf(tmp_path / "b.vcf", "0/0")]
    profile = load_inputs(paths, options)
    assert (
        "chr10:94781859: a.vcf says G/A, b.vcf says G/G; the position is treated as not assessed"
        in profile.warnings
    )


def test_the_analysis_names_the_pharmacogene_of_a_contradicted_unannotated_position(tmp_path: Path) -> None:
    """Unannotated VCFs carry no gene; the pipeline passes the knowledge base's definition
    positions, so the warning still says which gene lost the position."""
    blood = write_vcf(tmp_path / "blood.vcf", "0/0")
    saliva = write_vcf(tmp_path / "saliva.vcf", "0/1")
    analysis = run_analysis([blood, saliva], options=RunOptions(deterministic=True))
    assert any(
        w.startswith("CYP2C19 chr10:94781859") and "treated as not assessed" in w for w in analysis.warnings
    )

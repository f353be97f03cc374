"""Per-file somatic/germline roles: a tumor VCF and a blood VCF whose headers say neither, one run.

CYP2C19 positions are GRCh38 (rs12248560 *17 at chr10:94761900, rs4244285 *2 at 94781859, with
rs4986893 and rs12769205), as in tests/unit/match/test_pgx_vcf_input.py; KRAS G12C is
chr12:25245351 C>A as in tests/unit/insights/test_analyze.py.
"""

from __future__ import annotations

import json
from pathlib import Path

from integrome.ingest.load import IngestOptions, load_inputs
from integrome.ingest.vcf import VcfOptions
from integrome.knowledge.pgx import load_pgx_knowledge
from integrome.match.pgx import call_pgx
from integrome.model import Origin, PatientProfile, VariantFinding

HEADER = """##fileformat=VCFv4.2
##reference=GRCh38
##contig=<ID=chr10,length=133797422>
##contig=<ID=chr12,length=133275309>
##INFO=<ID=GENE,Number=1,Type=String,Description="Gene">
##INFO=<ID=HGVSP,Number=A,Type=String,Description="Protein change">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1
"""
TUMOR = [
    "chr10\t94781859\trs4244285\tG\tA\t.\tPASS\t.\tGT\t0/1",
    "chr12\t25245351\t.\tC\tA\t.\tPASS\tGENE=KRAS;HGVSP=p.Gly12Cys\tGT\t0/1",
]
BLOOD = [
    "chr10\t94761900\trs12248560\tC\tT\t.\tPASS\t.\tGT\t1/1",
    "chr10\t94775367\trs12769205\tA\tG\t.\tPASS\t.\tGT\t0/0",
    "chr10\t94780653\trs4986893\tG\tA\t.\tPASS\t.\tGT\t0/0",
    "chr10\t94781859\trs4244285\tG\tA\t.\tPASS\t.\tGT\t0/0",
]


def write(tmp_path: Path, name: str, records: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(records) + "\n", encoding="utf-8")
    return path


def load(tmp_path: Path, roles: dict[str, Origin]) -> PatientProfile:
    tumor, blood = write(tmp_path, "tumor.vcf", TUMOR), write(tmp_path, "blood.vcf", BLOOD)
    sites = {b: load_pgx_knowledge().sites_of_interest(b) for b in ("GRCh38", "GRCh37")}
    options = IngestOptions(
        vcf=VcfOptions(sites_of_interest=sites),
        roles={tmp_path / name: role for name, role in roles.items()},
    )
    return load_inputs([tumor, blood], options)


def test_per_file_roles_take_somatic_findings_from_the_tumor_and_genotypes_from_blood(tmp_path: Path) -> None:
    profile = load(tmp_path, {"tumor.vcf": "somatic", "blood.vcf": "germline"})
    assert {d.name: d.role for d in profile.inputs} == {"tumor.vcf": "somatic", "blood.vcf": "germline"}
    variants = [f for f in profile.findings if isinstance(f, VariantFinding)]
    assert [(f.gene, f.hgvs_p, f.origin) for f in variants if f.gene == "KRAS"] == [
        ("KRAS", "p.Gly12Cys", "somatic")
    ]
    assert {(s.pos, tuple(s.alleles)) for s in profile.sites if s.pos == 94781859} == {(94781859, ("G", "G"))}
    assert call_pgx(profile.sites, load_pgx_knowledge())["CYP2C19"][0].top[0].name == "*17/*17"


def test_without_roles_the_tumor_genotype_contradicts_the_blood_one_and_leaves_the_position_uncalled(
    tmp_path: Path,
) -> None:
    profile = load(tmp_path, {})
    assert {d.role for d in profile.inputs} == {"unknown"}
    assert [tuple(s.alleles) for s in profile.sites if s.pos == 94781859] == [(None, None)]
    assert (
        "chr10:94781859: blood.vcf says G/G, tumor.vcf says G/A; "
        "the position is treated as not assessed" in profile.warnings
    )


def test_a_role_reaches_a_file_named_through_another_path(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    indirect = tmp_path / "sub" / ".." / "tumor.vcf"
    write(tmp_path, "tumor.vcf", TUMOR)
    profile = load_inputs([tmp_path / "tumor.vcf"], IngestOptions(roles={indirect: "somatic"}))
    assert [d.role for d in profile.inputs] == ["somatic"]


def test_a_role_for_a_maf_overrides_its_somatic_default(tmp_path: Path) -> None:
    maf = tmp_path / "blood.maf"
    columns = "Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\tNCBI_Build"
    maf.write_text(f"{columns}\nKRAS\tchr12\t25245351\tC\tA\tGRCh38\n", encoding="utf-8")
    profile = load_inputs([maf], IngestOptions(roles={maf: "germline"}))
    assert [(f.origin, d.role) for f in profile.findings for d in profile.inputs] == [
        ("germline", "germline")
    ]


def test_a_role_given_for_a_fhir_record_is_reported_as_unused(tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Patient"}}],
    }
    record.write_text(json.dumps(bundle), encoding="utf-8")
    profile = load_inputs([record], IngestOptions(roles={record: "somatic"}))
    expected = "record.json: the somatic role applies to VCF and MAF files only; not used for this fhir file"
    assert expected in profile.warnings

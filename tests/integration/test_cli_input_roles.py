"""`integrome analyze --somatic-input TUMOR --germline-input BLOOD`: per-file roles end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrome.cli.main import main
from integrome.deliver import read_analysis
from integrome.model import VariantFinding

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
"""A tumor-only call set: KRAS G12C (GRCh38) and a germline CYP2C19 *2 (rs4244285) heterozygote."""
BLOOD = [
    "chr10\t94761900\trs12248560\tC\tT\t.\tPASS\t.\tGT\t1/1",
    "chr10\t94775367\trs12769205\tA\tG\t.\tPASS\t.\tGT\t0/0",
    "chr10\t94780653\trs4986893\tG\tA\t.\tPASS\t.\tGT\t0/0",
    "chr10\t94781859\trs4244285\tG\tA\t.\tPASS\t.\tGT\t0/0",
]
"""A germline CYP2C19 panel: *17/*17 (positions as in tests/unit/match/test_pgx_vcf_input.py)."""


def write(tmp_path: Path, name: str, records: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "\n".join(records) + "\n", encoding="utf-8")
    return path


def test_analyze_reads_tumor_and_blood_vcfs_with_their_own_roles(tmp_path: Path) -> None:
    tumor, blood = write(tmp_path, "tumor.vcf", TUMOR), write(tmp_path, "blood.vcf", BLOOD)
    record = tmp_path / "bundle.json"
    patient = {"resourceType": "Patient", "id": "p1", "gender": "female"}
    record.write_text(
        json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [{"resource": patient}]})
    )
    out = tmp_path / "out"
    args = ["analyze", str(record), "--somatic-input", str(tumor), "--germline-input", str(blood)]
    assert main([*args, "--out", str(out), "--format", "json"]) == 0
    analysis = read_analysis(out / "analysis.json")
    assert [(d.name, d.role) for d in analysis.inputs] == [
        ("bundle.json", "unknown"),
        ("tumor.vcf", "somatic"),
        ("blood.vcf", "germline"),
    ]
    kras = [f for f in analysis.findings if isinstance(f, VariantFinding) and f.gene == "KRAS"]
    assert [(f.hgvs_p, f.origin) for f in kras] == [("p.Gly12Cys", "somatic")]
    cyp2c19 = next(p for p in analysis.pgx if p.gene == "CYP2C19")
    assert (cyp2c19.diplotype, cyp2c19.phenotype) == ("*17/*17", "Ultrarapid Metabolizer")


def test_one_file_given_as_both_somatic_and_germline_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tumor = write(tmp_path, "tumor.vcf", TUMOR)
    args = [
        "analyze",
        "--somatic-input",
        str(tumor),
        "--germline-input",
        str(tumor),
        "--out",
        str(tmp_path / "o"),
    ]
    assert main(args) == 2
    assert "tumor.vcf given as both somatic and germline" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_analyze_without_any_input_file_is_a_usage_error(tmp_path: Path) -> None:
    assert main(["analyze", "--out", str(tmp_path / "o")]) == 2
    assert not (tmp_path / "o").exists()

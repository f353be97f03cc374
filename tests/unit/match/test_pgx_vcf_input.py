"""PGx from VCF files through `read_vcf` and the `integrome pgx` command (multi-sample, JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from integrome.cli.main import app, main
from integrome.ingest.vcf import VcfOptions, read_vcf
from integrome.knowledge.pgx import load_pgx_knowledge
from integrome.match.pgx import call_pgx

HEADER = """##fileformat=VCFv4.2
##reference=GRCh38
##contig=<ID=chr10,length=133797422,assembly=GRCh38>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\tS2
"""
RECORDS = [
    "chr10\t94761900\trs12248560\tC\tT\t.\tPASS\t.\tGT\t0/0\t1/1",
    "chr10\t94780653\trs4986893\tG\tA\t.\tPASS\t.\tGT\t0/0\t0/0",
    "chr10\t94781859\trs4244285\tG\tA\t.\tPASS\t.\tGT\t1/1\t0/0",
    "chr10\t94775367\trs12769205\tA\tG\t.\tPASS\t.\tGT\t1/1\t0/0",
]


def write_vcf(tmp_path: Path) -> Path:
    path = tmp_path / "two.vcf"
    path.write_text(HEADER + "\n".join(RECORDS) + "\n", encoding="utf-8")
    return path


def test_multi_sample_vcf_calls_the_chosen_sample(tmp_path: Path) -> None:
    kb = load_pgx_knowledge()
    sites = {b: kb.sites_of_interest(b) for b in ("GRCh38", "GRCh37")}
    path = write_vcf(tmp_path)
    first = read_vcf(path, VcfOptions(sample="S1", sites_of_interest=sites))
    second = read_vcf(path, VcfOptions(sample="S2", sites_of_interest=sites))
    assert call_pgx(first.sites, kb)["CYP2C19"][0].top[0].name == "*2/*2"
    assert call_pgx(second.sites, kb)["CYP2C19"][0].top[0].name == "*17/*17"


def test_pgx_command_prints_the_pgx_block_as_json(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["pgx", str(write_vcf(tmp_path)), "--sample", "S2", "--json"])
    assert result.exit_code == 0, result.output
    block = json.loads(result.stdout)["pgx"]
    cyp = next(r for r in block if r["gene"] == "CYP2C19")
    assert (cyp["diplotype"], cyp["phenotype"], cyp["assessed"]) == (
        "*17/*17",
        "Ultrarapid Metabolizer",
        True,
    )


def test_pgx_command_reads_outside_calls(tmp_path: Path) -> None:
    calls = tmp_path / "calls.tsv"
    calls.write_text("CYP2D6\t*4/*4\n", encoding="utf-8")
    args = ["pgx", str(write_vcf(tmp_path)), "--sample", "S1", "--outside-calls", str(calls), "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    cyp2d6 = next(r for r in json.loads(result.stdout)["pgx"] if r["gene"] == "CYP2D6")
    assert (cyp2d6["phenotype"], cyp2d6["activity_score"]) == ("Poor Metabolizer", 0.0)


def test_pgx_command_rejects_an_unknown_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pgx", str(write_vcf(tmp_path)), "--build", "hg18"]) == 2
    assert "expected GRCh38 or GRCh37" in capsys.readouterr().err

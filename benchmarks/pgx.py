"""PGx per-sample time on a 30x WGS-size VCF: streaming and targeted, against bcftools.

Run: `.venv/bin/python benchmarks/pgx.py [--records N]`. The synthetic VCF (about 4.5 million
records, `benchmarks/_synthetic.py`) carries heterozygous calls at a few PGx positions. Baselines run
in the same process run (PERFORMANCE.md): `bcftools view -R` over the same positions for targeted
mode and `bcftools view` over the whole file for streaming. Goals (issue 4): targeted < 1 s and
within 3x of bcftools; streaming within 2x of bcftools. Prints ratios and the machine; not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _synthetic import ensure_synthetic_wgs
from integrome.ingest.vcf import VcfOptions, read_vcf
from integrome.knowledge.pgx import load_pgx_knowledge
from integrome.match.pgx import call_pgx

PLANTED = [
    ("chr10", 94761900, "C", "T"),  # CYP2C19 *17 (rs12248560)
    ("chr10", 94781859, "G", "A"),  # CYP2C19 *2 (rs4244285)
    ("chr1", 97450058, "C", "T"),  # DPYD c.1905+1G>A (*2A)
    ("chr6", 18138997, "C", "T"),  # TPMT *3B (rs1800460)
]


def _median(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _pgx(path: Path, targeted: bool) -> None:
    knowledge = load_pgx_knowledge()
    sites = {b: knowledge.sites_of_interest(b) for b in ("GRCh38", "GRCh37")}
    result = read_vcf(path, VcfOptions(role="germline", sites_of_interest=sites, targeted=targeted))
    calls = call_pgx(result.sites, knowledge)
    if not calls["CYP2C19"][0].assessed:
        raise SystemExit("benchmark VCF lost the planted CYP2C19 sites")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=4_500_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    path = ensure_synthetic_wgs(Path(f"wgs_pgx_{args.records}.vcf.gz"), args.records, PLANTED)
    knowledge = load_pgx_knowledge()
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as regions:
        for chrom, pos in sorted(knowledge.sites_of_interest("GRCh38")):
            regions.write(f"{chrom}\t{pos}\n")
    n_sites = len(knowledge.sites_of_interest("GRCh38"))
    null = subprocess.DEVNULL
    bcf_targeted = _median(
        lambda: subprocess.run(
            ["bcftools", "view", "-H", "-R", regions.name, str(path)], stdout=null, check=True
        ),
        args.repeats,
    )
    ours_targeted = _median(lambda: _pgx(path, targeted=True), args.repeats)
    bcf_stream = _median(
        lambda: subprocess.run(["bcftools", "view", "-H", str(path)], stdout=null, check=True), args.repeats
    )
    ours_stream = _median(lambda: _pgx(path, targeted=False), args.repeats)
    os.unlink(regions.name)
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"input: {path.name}, {args.records} records, {n_sites} PGx positions; median of {args.repeats}")
    print(
        f"targeted : integrome {ours_targeted:.3f} s, bcftools view -R {bcf_targeted:.3f} s, "
        f"ratio {ours_targeted / bcf_targeted:.2f}x (goal < 1 s and <= 3x)"
    )
    print(
        f"streaming: integrome {ours_stream:.2f} s, bcftools view {bcf_stream:.2f} s, "
        f"ratio {ours_stream / bcf_stream:.2f}x (goal <= 2x)"
    )


if __name__ == "__main__":
    main()

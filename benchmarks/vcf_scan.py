"""Benchmark: reading a whole-genome VCF for ~200 sites of interest, against bcftools.

Run: `.venv/bin/python benchmarks/vcf_scan.py`. Generates (once, cached in benchmarks/.data/) a
synthetic GRCh38 single-sample VCF of 4.5 million records, then times in this process, median of
three runs each, file in page cache:

- ours, streaming: `read_vcf` with role germline and 200 sites of interest (the lean byte scan);
- ours, targeted: the same with `targeted=True` (tabix index, one open file);
- baseline `bcftools view -H FILE | wc -l` (a full decode of every record);
- baseline `bcftools view -H -R sites.tsv FILE` (indexed region queries);
- the decompression floor `bgzip -dc -@2 FILE | wc -l`.

Prints the ratios ours / bcftools and the machine (PERFORMANCE.md: report ratios, not bare seconds).
"""

from __future__ import annotations

import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from _synthetic import DATA_DIR, GRCH38_LENGTHS, ensure_synthetic_wgs
from integrome.ingest.vcf import VcfOptions, read_vcf

RUNS = 3
N_SITES = 200
SEED = 7


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def median_seconds(action: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def shell(command: str) -> str:
    return subprocess.run(command, shell=True, check=True, capture_output=True, text=True).stdout


def pick_sites(path: Path) -> list[tuple[str, int]]:
    """150 positions that are in the file (first record of random 1 Mb windows) and 50 that are not."""
    import pysam

    rng = random.Random(SEED)
    present: set[tuple[str, int]] = set()
    names = sorted(GRCH38_LENGTHS)
    with pysam.VariantFile(str(path)) as vcf:
        while len(present) < 150:
            chrom = rng.choice(names)
            start = rng.randrange(1, GRCH38_LENGTHS[chrom] - 1_000_000)
            for record in vcf.fetch(chrom, start, start + 1_000_000):
                present.add((chrom, record.pos))
                break
    absent = {(rng.choice(names), rng.randrange(1, 50_000_000) * 2 + 1) for _ in range(50)}
    return sorted(present | (absent - present))


def main() -> int:
    missing = [tool for tool in ("bcftools", "bgzip") if shutil.which(tool) is None]
    if missing:
        print(f"needs {' and '.join(missing)} (Debian packages bcftools, tabix) for the baselines")
        return 1
    started = time.perf_counter()
    path = ensure_synthetic_wgs(DATA_DIR / "wgs-4.5M.vcf.gz")
    prepared = time.perf_counter() - started
    sites = pick_sites(path)
    regions = DATA_DIR / "sites.tsv"
    regions.write_text("".join(f"{chrom}\t{pos}\n" for chrom, pos in sites))
    site_set = frozenset(sites)
    streaming = VcfOptions(role="germline", sites_of_interest={"GRCh38": site_set})
    targeted = VcfOptions(role="germline", sites_of_interest={"GRCh38": site_set}, targeted=True)

    records = int(shell(f"bgzip -dc -@2 {path} | grep -vc '^#'"))
    ours_stream = read_vcf(path, streaming)
    ours_target = read_vcf(path, targeted)
    bcftools_hits = shell(f"bcftools view -H -R {regions} {path}").splitlines()
    exact_hits = {(line.split("\t")[0], int(line.split("\t")[1])) for line in bcftools_hits} & site_set

    t_stream = median_seconds(lambda: read_vcf(path, streaming))
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t_target = median_seconds(lambda: read_vcf(path, targeted))
    t_view = median_seconds(lambda: shell(f"bcftools view -H {path} | wc -l"))
    t_regions = median_seconds(lambda: shell(f"bcftools view -H -R {regions} {path}"))
    t_floor = median_seconds(lambda: shell(f"bgzip -dc -@2 {path} | wc -l"))

    size_mb = path.stat().st_size / 1e6
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}")
    print(f"tools: {shell('bcftools --version').splitlines()[0]}")
    print(f"input: {path.name}, {records:,} records, {size_mb:.0f} MB bgzipped (ready in {prepared:.1f} s)")
    print(f"sites of interest: {len(sites)} ({len(exact_hits)} present in the file)")
    print(
        f"agreement: streaming {len(ours_stream.sites)} sites, targeted {len(ours_target.sites)} sites, "
        f"bcftools -R {len(exact_hits)} sites"
    )
    print(f"median of {RUNS} runs, file in page cache:")
    rows = [
        ("ours: read_vcf streaming, 200 sites (germline)", t_stream, records / t_stream),
        ("bcftools view -H | wc -l", t_view, records / t_view),
        ("bgzip -dc -@2 | wc -l (decompression floor)", t_floor, records / t_floor),
        ("ours: read_vcf targeted (tabix index)", t_target, None),
        ("bcftools view -H -R sites.tsv", t_regions, None),
    ]
    for label, seconds, rate in rows:
        speed = f"{rate / 1e6:6.2f} M records/s" if rate else ""
        print(f"  {label:<50} {seconds:7.3f} s  {speed}")
    print(f"  peak RSS of this process after streaming: {rss_mb:.0f} MB")
    print("ratios (lower is better for ours):")
    print(f"  streaming / bcftools view       = {t_stream / t_view:.2f}")
    print(f"  streaming / decompression floor = {t_stream / t_floor:.2f}")
    print(f"  targeted  / bcftools view -R    = {t_target / t_regions:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Cohort throughput: N patients through `integrome cohort` on the local and the Spark engine.

Run: `.venv/bin/python benchmarks/cohort.py [--patients N] [--no-spark]`. The cohort replicates the
example patients of tests/cases under new ids (patient folders of symbolic links to their input
files, in a temporary folder), so every run analyzes the same inputs.

Reported, as PERFORMANCE.md asks, with the baseline measured in the same process run:
- the sequential baseline: the same per-patient function (`analyze_patient`) in a loop in this
  process, after loading the knowledge base and the notes pipeline once;
- the local engine with 1 and 2 worker processes and the Spark engine (`local[2]`), each timed
  end to end (worker or JVM start-up, per-worker warm-up, the analyses, the summary tables);
- patients per second and the ratio to the baseline; every engine's summary.tsv must equal the
  others' (they are compared, and a difference stops the benchmark).
Prints the machine; not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from integrome.batch import Engine, analyze_patient, read_cohort, run_cohort, spark_unavailable, warm_up
from integrome.pipeline import RunOptions

CASES = Path(__file__).resolve().parents[1] / "tests" / "cases"
NOT_INPUTS = {"expected.json", "README.md"}


def build_cohort(root: Path, count: int) -> Path:
    """`count` patient folders p00001... cycling through the example cases (linked, not copied)."""
    cases = sorted(p for p in CASES.iterdir() if p.is_dir())
    cohort = root / "cohort"
    for number in range(count):
        case = cases[number % len(cases)]
        folder = cohort / f"p{number + 1:05d}"
        folder.mkdir(parents=True)
        for source in sorted(case.iterdir()):
            if source.is_file() and source.name not in NOT_INPUTS:
                (folder / source.name).symlink_to(source)
    return cohort


def _cpu() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark engine")
    args = parser.parse_args()
    options = RunOptions(deterministic=True)

    with tempfile.TemporaryDirectory(prefix="integrome-cohort-bench-") as scratch:
        root = Path(scratch)
        cohort = build_cohort(root, args.patients)
        patients = read_cohort(cohort)
        n = len(patients)
        cases = len({patient.inputs[0].resolve().parent for patient in patients})
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

        start = time.perf_counter()
        warm_up(options)
        warm = time.perf_counter() - start
        for patient in patients:
            analyze_patient(patient, root / "sequential", options)
        sequential = time.perf_counter() - start
        baseline = n / sequential

        runs: list[tuple[str, float]] = []
        summaries: dict[str, bytes] = {}
        engines: list[tuple[str, Engine, int]] = [
            ("local, 1 worker", "local", 1),
            ("local, 2 workers", "local", 2),
        ]
        reason = spark_unavailable()
        if not args.no_spark and reason is None:
            engines.append(("spark, local[2]", "spark", 2))
        for label, engine, workers in engines:
            out = root / label.replace(" ", "").replace(",", "-")
            start = time.perf_counter()
            run = run_cohort(cohort, out, options=options, engine=engine, workers=workers)
            runs.append((label, time.perf_counter() - start))
            if run.counts()["ok"] != n:
                raise SystemExit(f"{label}: {dict(run.counts())}, expected {n} analyzed patients")
            summaries[label] = (out / "summary.tsv").read_bytes()
        if len(set(summaries.values())) != 1:
            raise SystemExit(f"the engines wrote different summary tables: {sorted(summaries)}")

    print(f"machine: {_cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load average at start: {load:.1f} (other processes share the cores: compare ratios, not seconds)")
    print(f"cohort: {n:,} patients ({cases} distinct example cases, replicated)")
    print(
        f"sequential baseline (one process): {sequential:.1f} s = {baseline:.1f} patients/s "
        f"(knowledge base + notes pipeline warm-up {warm:.1f} s of it)"
    )
    for label, seconds in runs:
        rate = n / seconds
        print(f"{label}: {seconds:.1f} s = {rate:.1f} patients/s, {rate / baseline:.2f}x the baseline")
    if args.no_spark:
        print("spark: skipped (--no-spark)")
    elif reason is not None:
        print(f"spark: skipped ({reason})")
    print("summary tables identical across engines")


if __name__ == "__main__":
    main()

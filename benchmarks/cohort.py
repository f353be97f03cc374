"""Cohort throughput: N patients through `integrome cohort` on the local and the Spark engine.

Run: `.venv/bin/python benchmarks/cohort.py [--patients N] [--no-spark]`. The cohort replicates the
example patients of tests/cases under new ids (patient folders of symbolic links to their input
files, in a temporary folder), so every run analyzes the same inputs.

Reported, as PERFORMANCE.md asks, with the baseline measured in the same run (median of rounds
that interleave the configurations):
- the sequential baseline: the same per-patient function (`analyze_patient`) in a plain loop in
  one fresh process (interpreter start, imports, knowledge base and notes pipeline warm-up, then
  every patient), the cost an engine has to beat;
- the local engine with 1 and 2 worker processes and the Spark engine (`local[2]`), each timed
  end to end (worker or JVM start-up, per-worker warm-up, the analyses, the summary tables);
- patients per second and the speed-up over the baseline; every run's summary.tsv must equal the
  others' (they are compared, and a difference stops the benchmark).
Prints the machine; not a test.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from integrome.batch import (
    CohortPatient,
    Engine,
    analyze_patient,
    read_cohort,
    run_cohort,
    spark_unavailable,
    warm_up,
)
from integrome.pipeline import RunOptions

CASES = Path(__file__).resolve().parents[1] / "tests" / "cases"
NOT_INPUTS = {"expected.json", "README.md"}
BASELINE = "sequential baseline (one fresh process, no pool)"


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


def _sequential(patients: list[CohortPatient], out: Path, options: RunOptions) -> float:
    """The baseline, run in a fresh process: warm-up, then every patient in a plain loop.
    Returns the warm-up seconds."""
    start = time.perf_counter()
    warm_up(options)
    warm = time.perf_counter() - start
    for patient in patients:
        analyze_patient(patient, out, options)
    return warm


def _time_sequential(patients: list[CohortPatient], out: Path, options: RunOptions) -> tuple[float, float]:
    """(wall seconds including interpreter start and imports, warm-up seconds) of the baseline."""
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        warm = pool.submit(_sequential, patients, out, options).result()
    return time.perf_counter() - start, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3, help="rounds; each configuration reports its median")
    parser.add_argument("--no-spark", action="store_true", help="skip the Spark engine")
    args = parser.parse_args()
    options = RunOptions(deterministic=True)
    engines: list[tuple[str, Engine, int]] = [
        ("local, 1 worker", "local", 1),
        ("local, 2 workers", "local", 2),
    ]
    reason = spark_unavailable()
    if not args.no_spark and reason is None:
        engines.append(("spark, local[2]", "spark", 2))

    times: dict[str, list[float]] = {label: [] for label in [BASELINE, *(e[0] for e in engines)]}
    warm_ups: list[float] = []
    summaries: set[bytes] = set()
    with tempfile.TemporaryDirectory(prefix="integrome-cohort-bench-") as scratch:
        root = Path(scratch)
        cohort = build_cohort(root, args.patients)
        patients = read_cohort(cohort)
        n = len(patients)
        cases = len({patient.inputs[0].resolve().parent for patient in patients})
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        # Rounds interleave the configurations, so a change in the machine's load hits all of them.
        for _ in range(args.rounds):
            out = root / "out"
            seconds, warm = _time_sequential(patients, out, options)
            times[BASELINE].append(seconds)
            warm_ups.append(warm)
            shutil.rmtree(out)
            for label, engine, workers in engines:
                start = time.perf_counter()
                run = run_cohort(cohort, out, options=options, engine=engine, workers=workers)
                times[label].append(time.perf_counter() - start)
                if run.counts()["ok"] != n:
                    raise SystemExit(f"{label}: {dict(run.counts())}, expected {n} analyzed patients")
                summaries.add((out / "summary.tsv").read_bytes())
                shutil.rmtree(out)
    if len(summaries) != 1:
        raise SystemExit("the engines wrote different summary tables")

    print(f"machine: {_cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"load average at start: {load:.1f} (other processes share the cores: compare ratios, not seconds)")
    print(
        f"cohort: {n:,} patients ({cases} distinct example cases, replicated); median of {args.rounds} rounds"
    )
    baseline = statistics.median(times[BASELINE])
    for label, values in times.items():
        seconds = statistics.median(values)
        spread = f"{min(values):.1f}-{max(values):.1f} s"
        line = f"{label}: {seconds:.1f} s ({spread}) = {n / seconds:.1f} patients/s"
        if label == BASELINE:
            line += f"; knowledge base + notes pipeline warm-up {statistics.median(warm_ups):.1f} s of it"
        else:
            line += f", {baseline / seconds:.2f}x the baseline"
        print(line)
    if args.no_spark:
        print("spark: skipped (--no-spark)")
    elif reason is not None:
        print(f"spark: skipped ({reason})")
    print("summary tables identical across engines")


if __name__ == "__main__":
    main()

"""The Spark engine: the cohort's patients distributed over Spark (`local[N]` on this machine).

Only patient folder paths travel: `mapPartitions` hands each partition to a Python worker that
loads the knowledge base and the notes pipeline once (cached for the worker's later partitions,
Spark reuses Python workers), analyzes its patients with the same function as the local engine,
writes their analysis.json itself and returns one JSON row set per patient. The driver collects
the rows into the same tables as the local engine.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import sys
import warnings
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from integrome.batch._inputs import CohortPatient
from integrome.batch._patient import analyze_patient, warm_up
from integrome.batch.summary import PatientRows
from integrome.errors import ConfigError
from integrome.pipeline import RunOptions

if TYPE_CHECKING:
    from pyspark import SparkConf, SparkContext

__all__ = ["require_spark", "run_spark", "spark_unavailable"]

PARTITIONS_PER_WORKER = 4
"""More partitions than cores, so a partition of slow patients does not leave a core idle at the end."""


def spark_unavailable() -> str | None:
    """Why the Spark engine cannot run on this machine, or None when it can."""
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'integrome[spark]')"
    home = os.environ.get("JAVA_HOME")
    if not (home and (Path(home) / "bin" / "java").is_file()) and shutil.which("java") is None:
        return "Java is not installed (Spark needs Java 17 or later on PATH or in JAVA_HOME)"
    return None


def require_spark() -> None:
    """ConfigError naming what is missing when the Spark engine cannot run on this machine."""
    reason = spark_unavailable()
    if reason is not None:
        raise ConfigError(f"the spark engine cannot run here: {reason}")


def run_spark(
    patients: Sequence[CohortPatient], out: Path, options: RunOptions, *, workers: int
) -> list[PatientRows]:
    """Analyze every patient on a local Spark cluster of `workers` cores; results in partition order.

    Spark shows its own console progress bar (stages and tasks) on stderr.
    """
    require_spark()
    from pyspark import SparkConf

    conf = (
        SparkConf()
        .setMaster(f"local[{workers}]")
        .setAppName("integrome-cohort")
        .set("spark.ui.enabled", "false")
        .set("spark.driver.host", "127.0.0.1")
        .set("spark.driver.bindAddress", "127.0.0.1")
    )
    context = _context(conf)
    try:
        context.setLogLevel("ERROR")
        slices = max(1, min(len(patients), workers * PARTITIONS_PER_WORKER))
        task = functools.partial(_analyze_partition, out=str(out), options=options)
        lines: list[str] = context.parallelize(list(patients), slices).mapPartitions(task).collect()
    finally:
        context.stop()
    return [PatientRows.model_validate_json(line) for line in lines]


def _context(conf: SparkConf) -> SparkContext:
    """A SparkContext whose Python workers run this interpreter, the one integrome is installed in.

    PySpark reads the workers' interpreter from PYSPARK_PYTHON when the context starts (default:
    `python3` on PATH, which may lack integrome); a value the user set is respected.
    """
    from pyspark import SparkContext

    previous = os.environ.get("PYSPARK_PYTHON")
    os.environ["PYSPARK_PYTHON"] = previous or sys.executable
    try:
        with warnings.catch_warnings():
            # Starting a context imports pyspark.testing, which warns that pandas 3 is not fully
            # supported; the pandas API of PySpark is not used here.
            warnings.simplefilter("ignore", FutureWarning)
            return SparkContext(conf=conf)
    finally:
        if previous is None:
            del os.environ["PYSPARK_PYTHON"]


def _analyze_partition(patients: Iterable[CohortPatient], *, out: str, options: RunOptions) -> Iterator[str]:
    warm_up(options)
    for patient in patients:
        yield analyze_patient(patient, Path(out), options).model_dump_json()

"""A cohort run from start to end: find the patients, analyze them on an engine, write the tables.

Everything that can stop the whole run is checked before the first patient starts (the cohort's
layout, the output folder, the knowledge base), so a bad run fails in seconds with one message;
after that, problems belong to single patients and the run goes on.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from integrome.batch._inputs import CohortPatient, read_cohort
from integrome.batch._patient import patient_folder
from integrome.batch._tables import write_table, write_tsv
from integrome.batch.local import PatientDone, run_local
from integrome.batch.spark import require_spark, run_spark
from integrome.batch.summary import (
    PGX_COLUMNS,
    SUMMARY_COLUMNS,
    ColumnType,
    PatientRows,
    Status,
    pgx_records,
    summary_records,
)
from integrome.errors import ConfigError
from integrome.pipeline import RunOptions
from integrome.settings import get_settings

__all__ = ["LINKAGE_COLUMNS", "CohortRun", "Engine", "default_workers", "run_cohort"]

Engine = Literal["local", "spark"]

LINKAGE_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("pseudonym", "str"),
    ("patient", "str"),
    ("status", "str"),
    ("folder", "str"),
)
"""`linkage.tsv`: which patient folder each pseudonym stands for. It re-identifies the summary
tables, so it stays with whoever holds the patient data when the tables are shared."""


@dataclass(frozen=True)
class CohortRun:
    """The outcome of a cohort run: every patient with its rows, in pseudonym order."""

    patients: list[CohortPatient]
    rows: list[PatientRows]
    files: list[Path]
    """The tables written (summary, pgx, linkage)."""

    def counts(self) -> Counter[Status]:
        return Counter(rows.row.status for rows in self.rows)


def default_workers() -> int:
    """The cores this process may run on (the CPU affinity mask, not the machine's core count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def run_cohort(
    source: Path,
    out: Path,
    *,
    options: RunOptions,
    engine: Engine = "local",
    workers: int | None = None,
    exclude: Sequence[str] = (),
    on_done: PatientDone | None = None,
) -> CohortRun:
    """Analyze every patient of `source` (folder or manifest TSV) into `out`.

    Writes `patients/<key>/analysis.json` (or ERROR.txt) per patient, then `summary.parquet`/
    `.tsv`, `pgx.parquet`/`.tsv` and `linkage.tsv`. `on_done` is called as each patient finishes
    on the local engine; Spark reports progress itself.
    """
    from integrome.knowledge import load_knowledge_base

    patients = read_cohort(source, exclude=exclude)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: the output path exists and is not a folder")
    if source.is_dir() and out.resolve().is_relative_to(source.resolve()):
        raise ConfigError(
            f"{out}: the output folder is inside the cohort folder {source}; "
            "its patients/ folder would be read as a patient on the next run"
        )
    if engine == "spark":
        require_spark()
    options = replace(options, progress=None)
    # A broken extra knowledge base is the user's error: report it once, not once per worker.
    load_knowledge_base(extra_dir=options.kb_dir or get_settings().kb_path)
    count = workers or default_workers()
    out.mkdir(parents=True, exist_ok=True)
    if engine == "spark":
        results = run_spark(patients, out, options, workers=count)
    else:
        results = run_local(patients, out, options, workers=count, on_done=on_done)
    by_pseudonym = {rows.row.pseudonym: rows for rows in results}
    ordered = [by_pseudonym[patient.pseudonym] for patient in patients]
    files = write_table(out, "summary", SUMMARY_COLUMNS, summary_records([rows.row for rows in ordered]))
    files += write_table(out, "pgx", PGX_COLUMNS, pgx_records([pgx for rows in ordered for pgx in rows.pgx]))
    linkage: list[dict[str, object]] = [
        {
            "pseudonym": patient.pseudonym,
            "patient": patient.key,
            "status": rows.row.status,
            "folder": patient_folder(out, patient).relative_to(out).as_posix(),
        }
        for patient, rows in zip(patients, ordered, strict=True)
    ]
    files.append(write_tsv(out / "linkage.tsv", LINKAGE_COLUMNS, linkage))
    return CohortRun(patients=patients, rows=ordered, files=files)

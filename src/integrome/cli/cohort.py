"""`integrome cohort DIR --out DIR [--engine local|spark]`: many patients, one summary table.

Argument handling and what is printed; the work is `batch.run_cohort`. A patient whose inputs
are bad is recorded (ERROR.txt, status "error") and the run goes on with exit status 0; a crash
(a bug) is recorded the same way and the command exits 1 at the end. A problem with the cohort
itself (layout, manifest, output folder, knowledge base) stops before any patient: exit 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from integrome.cli._options import BuildOption, GermlineFlag, KbDirOption, SomaticFlag

if TYPE_CHECKING:
    from integrome.batch import CohortRun, PatientDone

__all__ = ["cohort", "cohort_lines", "exit_status"]

CRASH_EXIT = 1
"""Exit status when any patient crashed: the tables are written, but integrome has a bug to report."""


def cohort(
    source: Annotated[
        Path,
        typer.Argument(
            help="Cohort folder (one sub-folder of input files per patient) or manifest TSV "
            "(header 'patient_id<TAB>path'; one or more files per row).",
            metavar="COHORT",
            exists=True,
            readable=True,
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Folder for patients/, summary and PGx tables (created if missing).",
            file_okay=False,
        ),
    ],
    engine: Annotated[
        Literal["local", "spark"],
        typer.Option(
            help="local: a process pool; spark: PySpark local[N] (needs pyspark and Java).",
            case_sensitive=False,
        ),
    ] = "local",
    workers: Annotated[
        int | None,
        typer.Option(
            help="Processes (local) or Spark cores (default: every core available).",
            min=1,
            show_default=False,
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            help="Glob of file names in patient folders that are not inputs (repeatable).", show_default=False
        ),
    ] = None,
    build: BuildOption = None,
    somatic: SomaticFlag = False,
    germline: GermlineFlag = False,
    targets: Annotated[
        Path | None,
        typer.Option(
            "--targets",
            help="BED of the assay's target regions, shared by every patient.",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    kb_dir: KbDirOption = None,
) -> int:
    """Analyze every patient of a cohort; write per-patient analyses and one summary table."""
    if somatic and germline:
        raise typer.BadParameter("choose one of --somatic and --germline", param_hint="--somatic/--germline")
    from integrome.batch import run_cohort
    from integrome.model import Origin
    from integrome.pipeline import RunOptions

    role: Origin = "somatic" if somatic else "germline" if germline else "unknown"
    options = RunOptions(build=build, role=role, targets_bed=targets, kb_dir=kb_dir)
    with _patient_progress(engine) as on_done:
        run = run_cohort(
            source,
            out,
            options=options,
            engine=engine,
            workers=workers,
            exclude=exclude or (),
            on_done=on_done,
        )
    _print(cohort_lines(run, out))
    return exit_status(run)


def exit_status(run: CohortRun) -> int:
    """0 when no patient crashed (input errors are recorded, not fatal); CRASH_EXIT otherwise."""
    return CRASH_EXIT if run.counts()["crash"] else 0


def cohort_lines(run: CohortRun, out: Path) -> list[str]:
    """Plain-text run summary: counts by status, each failed patient and where its ERROR.txt is."""
    from integrome.batch import ERROR_FILE, patient_folder

    counts = run.counts()
    total = len(run.rows)
    lines = [
        f"Cohort of {total} patient{'' if total == 1 else 's'}: {counts['ok']} analyzed, "
        f"{counts['error']} with input errors, {counts['crash']} crashed"
    ]
    for patient, rows in zip(run.patients, run.rows, strict=True):
        if rows.row.status != "ok":
            error_file = patient_folder(out, patient) / ERROR_FILE
            lines.append(f"  {rows.row.status:<5} {rows.row.pseudonym} {patient.key}: {error_file}")
    if counts["crash"]:
        lines.append("Crashes are bugs in integrome: please report them with the traceback in ERROR.txt")
    lines.append(f"Wrote {out / 'patients'}/ and:")
    lines += [f"  {path}" for path in run.files]
    return lines


def _print(lines: list[str]) -> None:
    from rich.text import Text

    from integrome.cli._output import console

    out = console()
    for line in lines:
        out.print(Text(line))


@contextmanager
def _patient_progress(engine: str) -> Iterator[PatientDone | None]:
    """A Rich bar of finished patients on an interactive stderr (local engine; Spark draws its own)."""
    if engine != "local":
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from integrome.cli._output import console

    err = console(stderr=True)
    with Progress(
        TextColumn("Patients"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("patients", total=None)

        def done(finished: int, total: int) -> None:
            progress.update(task, completed=finished, total=total)

        yield done

"""The local engine: a process pool on this machine, one patient per task.

Processes, not threads: analysis is CPU-bound Python. Workers start from a fork server (a clean
process, not a fork of a parent that may already run progress or library threads) and each
loads the knowledge base and the notes pipeline once, in its initializer.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path

from integrome.batch._inputs import CohortPatient
from integrome.batch._patient import analyze_patient, describe_failure, record_failure, warm_up
from integrome.batch.summary import PatientRows
from integrome.pipeline import RunOptions

__all__ = ["PatientDone", "run_local"]

PatientDone = Callable[[int, int], None]
"""Called in the calling process as each patient finishes, with (patients finished, total)."""


def run_local(
    patients: Sequence[CohortPatient],
    out: Path,
    options: RunOptions,
    *,
    workers: int,
    on_done: PatientDone | None = None,
) -> list[PatientRows]:
    """Analyze every patient in `workers` processes; results in completion order.

    A worker that dies (killed, out of memory) breaks the pool: the patients still in it are
    recorded as crashes with the reason (BrokenProcessPool), and the finished ones are kept.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    results: list[PatientRows] = []
    pool = ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(patients))),
        mp_context=context,
        initializer=warm_up,
        initargs=(options,),
    )
    try:
        futures: dict[Future[PatientRows], CohortPatient] = {
            pool.submit(analyze_patient, patient, out, options): patient for patient in patients
        }
        for future in as_completed(futures):
            patient = futures[future]
            try:
                rows = future.result()
            except Exception as exc:  # a dead worker (BrokenProcessPool) or a result that cannot cross
                status, text = describe_failure(exc)
                rows = record_failure(patient, out, status, type(exc).__name__, text)
            results.append(rows)
            if on_done is not None:
                on_done(len(results), len(futures))
    finally:
        # On Ctrl-C the queued patients are dropped; leaving a `with` block would run them all first.
        pool.shutdown(wait=True, cancel_futures=True)
    return results

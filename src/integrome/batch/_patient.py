"""One patient of a cohort, as every engine runs it: analyze, write, summarize, never raise.

PharmCAT's multi-sample rule (STYLE.md section 1): a failing sample gets an ERROR file and the
other samples go on. An `IntegromeError` is the user's to fix (status "error", its one-line
message in ERROR.txt); anything else is a bug (status "crash", the traceback in ERROR.txt, and
the cohort command exits non-zero). A patient folder holds either analysis.json or ERROR.txt:
whichever a rerun writes replaces the other, so a stale result never sits beside a new error.
"""

from __future__ import annotations

import os
import traceback
import uuid
from pathlib import Path

from integrome.batch._inputs import CohortPatient
from integrome.batch.summary import PatientRows, Status, failure_rows, patient_rows
from integrome.errors import InputError, IntegromeError
from integrome.pipeline import OUTPUT_FILES, RunOptions, run_analysis, write_outputs
from integrome.settings import get_settings

__all__ = ["ERROR_FILE", "analyze_patient", "describe_failure", "patient_folder", "record_failure", "warm_up"]

ERROR_FILE = "ERROR.txt"


def patient_folder(out: Path, patient: CohortPatient) -> Path:
    return out / "patients" / patient.key


def warm_up(options: RunOptions) -> None:
    """Load the knowledge base and build the clinical-notes pipeline in this process, once.

    Both are cached per process and take seconds to build: a worker pays for them once, before
    its first patient, instead of inside whichever patient happens to need them first.
    """
    from integrome.ingest import extract_text
    from integrome.knowledge import load_knowledge_base

    load_knowledge_base(extra_dir=options.kb_dir or get_settings().kb_path)
    extract_text("warm-up", source="notes", provenance="warm-up")


def analyze_patient(patient: CohortPatient, out: Path, options: RunOptions) -> PatientRows:
    """Analyze one patient and write `<out>/patients/<key>/analysis.json` (or ERROR.txt)."""
    folder = patient_folder(out, patient)
    try:
        if not patient.inputs:
            raise InputError(patient.origin, None, "expected patient input files, found none")
        analysis = run_analysis(patient.inputs, options=options)
        write_outputs(analysis, folder, ["json"])
    except Exception as exc:
        status, text = describe_failure(exc)
        return record_failure(patient, out, status, type(exc).__name__, text)
    (folder / ERROR_FILE).unlink(missing_ok=True)
    return patient_rows(patient.pseudonym, analysis)


def describe_failure(exc: BaseException) -> tuple[Status, str]:
    """("error", the one-line message) for an `IntegromeError`; ("crash", the traceback) otherwise."""
    if isinstance(exc, IntegromeError):
        return "error", " ".join(str(exc).split())
    trace = "".join(traceback.format_exception(exc)).rstrip()
    return "crash", f"crash: a bug in integrome, not a problem with the inputs; please report it\n{trace}"


def record_failure(
    patient: CohortPatient, out: Path, status: Status, error_type: str, text: str
) -> PatientRows:
    """Write the patient's ERROR.txt (atomically, replacing any analysis.json of an earlier run)
    and return its failure row."""
    folder = patient_folder(out, patient)
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{ERROR_FILE}.{uuid.uuid4().hex[:12]}.partial"
    partial.write_text(f"{text}\n", encoding="utf-8")
    os.replace(partial, folder / ERROR_FILE)
    (folder / OUTPUT_FILES["json"]).unlink(missing_ok=True)
    return failure_rows(patient.pseudonym, status, error_type)

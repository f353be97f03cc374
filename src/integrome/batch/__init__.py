"""batch stage: cohorts, many patients analyzed with the single-patient pipeline.

`run_cohort` reads a cohort folder (one sub-folder per patient) or manifest TSV, analyzes each
patient on the local process pool or on Spark, writes each patient's analysis.json (or ERROR.txt)
and one de-identified summary table. Engines differ only in where `analyze_patient` runs, so they
produce the same tables for the same cohort.
"""

from integrome.batch._inputs import CohortPatient, read_cohort
from integrome.batch._patient import ERROR_FILE, analyze_patient, patient_folder, warm_up
from integrome.batch._run import LINKAGE_COLUMNS, CohortRun, Engine, default_workers, run_cohort
from integrome.batch.local import PatientDone, run_local
from integrome.batch.spark import run_spark, spark_unavailable
from integrome.batch.summary import (
    PGX_COLUMNS,
    SUMMARY_COLUMNS,
    PatientRows,
    PgxRow,
    Status,
    SummaryRow,
    age_band,
    patient_rows,
)

__all__ = [
    "ERROR_FILE",
    "LINKAGE_COLUMNS",
    "PGX_COLUMNS",
    "SUMMARY_COLUMNS",
    "CohortPatient",
    "CohortRun",
    "Engine",
    "PatientDone",
    "PatientRows",
    "PgxRow",
    "Status",
    "SummaryRow",
    "age_band",
    "analyze_patient",
    "default_workers",
    "patient_folder",
    "patient_rows",
    "read_cohort",
    "run_cohort",
    "run_local",
    "run_spark",
    "spark_unavailable",
    "warm_up",
]

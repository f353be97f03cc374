"""The cohort summary: one de-identified row per patient, one row per pharmacogene, and the
column schemas of the tables they become (`summary.parquet`/`.tsv`, `pgx.parquet`/`.tsv`).

Pure: rows are computed from an `Analysis` (or a failure) and nothing else, so the local and
Spark engines produce the same table for the same cohort.

De-identification follows HIPAA Safe Harbor (45 CFR 164.514(b)(2)): a row carries no name,
record id or date. The patient is named by a per-run pseudonym (its link to the patient folder
is kept apart, in `linkage.tsv`), and age is a ten-year band computed at the analysis date, with
90 and older pooled into "90+".
"""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date
from typing import Literal, get_args

from integrome.match.tiering import TIER_ORDER, tier_rank
from integrome.model import Analysis, InsightKind, StrictModel

__all__ = [
    "INSIGHT_KINDS",
    "PGX_COLUMNS",
    "SUMMARY_COLUMNS",
    "ColumnType",
    "PatientRows",
    "PgxRow",
    "Status",
    "SummaryRow",
    "age_band",
    "failure_rows",
    "patient_rows",
    "pgx_records",
    "summary_records",
]

Status = Literal["ok", "error", "crash"]
"""ok: analyzed; error: an `IntegromeError` (bad input, the message is in ERROR.txt);
crash: any other exception, a bug (the traceback is in ERROR.txt)."""

ColumnType = Literal["str", "int", "float", "bool", "list[str]"]

INSIGHT_KINDS: tuple[str, ...] = get_args(InsightKind)
"""Every insight kind gets its own count column (`n_therapy`, `n_trial`, ...), so the schema
does not depend on which kinds a cohort happens to have."""

TIER_ONE = frozenset({"IA", "IB"})
"""AMP/ASCO/CAP 2017 tier I: IA and IB (strong clinical significance)."""

SUMMARY_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("pseudonym", "str"),
    ("status", "str"),
    ("error_type", "str"),
    ("sex", "str"),
    ("age_band", "str"),
    ("oncotree", "list[str]"),
    ("n_findings", "int"),
    ("n_insights", "int"),
    ("n_critical", "int"),
    *((f"n_{kind}", "int") for kind in INSIGHT_KINDS),
    ("top_tier", "str"),
    ("tier1_therapies", "list[str]"),
    ("n_warnings", "int"),
    ("kb_version", "str"),
)
"""Summary table columns in order. A failed patient has nulls in every count (not 0: nothing
is known about it)."""

PGX_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("pseudonym", "str"),
    ("gene", "str"),
    ("diplotype", "str"),
    ("phenotype", "str"),
    ("functional_phenotype", "str"),
    ("activity_score", "float"),
    ("assessed", "bool"),
    ("source", "str"),
)
"""Long PGx table: one row per patient and pharmacogene, so the columns stay the same whichever
genes the knowledge base covers."""


class SummaryRow(StrictModel):
    """One patient in the summary table (see `SUMMARY_COLUMNS`)."""

    pseudonym: str
    status: Status
    error_type: str | None = None
    sex: str | None = None
    age_band: str | None = None
    oncotree: list[str] = []
    n_findings: int | None = None
    n_insights: int | None = None
    n_critical: int | None = None
    insight_counts: dict[str, int] = {}
    top_tier: str | None = None
    tier1_therapies: list[str] = []
    n_warnings: int | None = None
    kb_version: str | None = None


class PgxRow(StrictModel):
    """One pharmacogene of one patient (see `PGX_COLUMNS`)."""

    pseudonym: str
    gene: str
    diplotype: str | None
    phenotype: str
    functional_phenotype: str | None
    activity_score: float | None
    assessed: bool
    source: str | None


class PatientRows(StrictModel):
    """Everything one patient contributes to the cohort tables; what a worker sends back."""

    row: SummaryRow
    pgx: list[PgxRow] = []


def patient_rows(pseudonym: str, analysis: Analysis) -> PatientRows:
    """The summary row and PGx rows of an analyzed patient."""
    insights = analysis.insights
    kinds: Counter[str] = Counter(insight.kind for insight in insights)
    tiers = [insight.tier for insight in insights if insight.tier in TIER_ORDER]
    row = SummaryRow(
        pseudonym=pseudonym,
        status="ok",
        sex=analysis.patient.sex,
        age_band=age_band(analysis.patient.birth_date, date.fromisoformat(analysis.generated_at[:10])),
        oncotree=sorted({d.oncotree for d in analysis.patient.diagnoses if d.oncotree}),
        n_findings=len(analysis.findings),
        n_insights=len(insights),
        n_critical=sum(1 for insight in insights if insight.severity == "critical"),
        insight_counts={kind: kinds[kind] for kind in INSIGHT_KINDS},
        top_tier=min(tiers, key=tier_rank) if tiers else None,
        tier1_therapies=sorted(
            {
                drug
                for insight in insights
                if insight.kind == "therapy" and insight.tier in TIER_ONE
                for drug in insight.drugs
            }
        ),
        n_warnings=len(analysis.warnings),
        kb_version=analysis.kb_version,
    )
    pgx = [
        PgxRow(
            pseudonym=pseudonym,
            gene=result.gene,
            diplotype=result.diplotype,
            phenotype=result.phenotype,
            functional_phenotype=result.functional_phenotype,
            activity_score=result.activity_score,
            assessed=result.assessed,
            source=result.source,
        )
        for result in sorted(analysis.pgx, key=lambda result: result.gene)
    ]
    return PatientRows(row=row, pgx=pgx)


def failure_rows(pseudonym: str, status: Status, error_type: str) -> PatientRows:
    """The row of a patient that could not be analyzed: status and error class only (the
    message names input files and stays in the patient's ERROR.txt)."""
    return PatientRows(row=SummaryRow(pseudonym=pseudonym, status=status, error_type=error_type))


def age_band(birth_date: str | None, on: date) -> str:
    """Ten-year age band on `on` ('60-69'; '90+' pooled, HIPAA Safe Harbor).

    A partial birth date (YYYY or YYYY-MM, as FHIR allows) gives a range of possible ages; the
    band is reported only when the whole range falls in one band, otherwise 'unknown', as for a
    missing, impossible or future birth date.
    """
    if birth_date is None:
        return "unknown"
    parts = [int(part) for part in birth_date.split("-")]
    year = parts[0]
    try:
        earliest = date(year, parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
        last_month = parts[1] if len(parts) > 1 else 12
        last_day = parts[2] if len(parts) > 2 else calendar.monthrange(year, last_month)[1]
        latest = date(year, last_month, last_day)
    except ValueError:
        return "unknown"
    youngest, oldest = _age(latest, on), _age(earliest, on)
    if youngest < 0:
        return "unknown"
    bands = {_band(youngest), _band(oldest)}
    return bands.pop() if len(bands) == 1 else "unknown"


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _band(age: int) -> str:
    if age >= 90:
        return "90+"
    low = age // 10 * 10
    return f"{low}-{low + 9}"


def summary_records(rows: list[SummaryRow]) -> list[dict[str, object]]:
    """Rows as flat records keyed by `SUMMARY_COLUMNS` (insight counts spread into `n_<kind>`)."""
    records = []
    for row in rows:
        record: dict[str, object] = row.model_dump(exclude={"insight_counts"})
        for kind in INSIGHT_KINDS:
            record[f"n_{kind}"] = row.insight_counts.get(kind) if row.status == "ok" else None
        records.append({name: record[name] for name, _ in SUMMARY_COLUMNS})
    return records


def pgx_records(rows: list[PgxRow]) -> list[dict[str, object]]:
    """PGx rows as flat records keyed by `PGX_COLUMNS`."""
    return [row.model_dump() for row in rows]

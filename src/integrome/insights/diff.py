"""What changed for one patient between two analyses (`integrome compare`, KB re-runs).

Re-running stored analyses against a newer knowledge base must list what changed for which patient
(ARCHITECTURE.md, "Knowledge base"). Insight ids (i1, i2, ...) are reading-order numbers that shift
whenever anything is added, so insights are paired by what they are about instead: kind, genes,
drugs and tests, or the trial id for trial insights (whose genes, drugs and open tests follow the
matched arm and the patient's data). Paired insights are then compared field by field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from pydantic import JsonValue

from integrome.knowledge.diff import FieldChange, field_changes
from integrome.model import Analysis, Insight, PgxResult
from integrome.model.common import StrictModel

__all__ = [
    "COMPARED_INSIGHT_FIELDS",
    "COMPARED_PGX_FIELDS",
    "AnalysisDiff",
    "InsightChange",
    "InsightKey",
    "InsightRef",
    "PgxChange",
    "diff_analyses",
    "insight_key",
]

InsightKey = tuple[str, ...]

COMPARED_INSIGHT_FIELDS = (
    "title",
    "summary",
    "severity",
    "tier",
    "evidence_level",
    "classification",
    "urgency",
    "genes",
    "drugs",
    "tests",
    "alternatives",
    "citations",
    "options",
)
"""What a physician acts on; rationale wording and finding ids are left out (they follow the rest)."""

COMPARED_PGX_FIELDS = (
    "diplotype",
    "phenotype",
    "activity_score",
    "assessed",
    "functional_phenotype",
    "alternatives",
)


class InsightRef(StrictModel):
    """An insight as it appears in one of the two analyses."""

    id: str
    kind: str
    title: str
    severity: str
    tier: str | None = None
    genes: list[str] = []
    drugs: list[str] = []


class InsightChange(StrictModel):
    old_id: str
    new_id: str
    kind: str
    title: str
    changes: list[FieldChange]


class PgxChange(StrictModel):
    gene: str
    changes: list[FieldChange]


class AnalysisDiff(StrictModel):
    """What changed between two analyses of the same patient, OLD first."""

    patient_id: str
    old_patient_id: str
    """Equal to `patient_id` for analyses of the same patient; callers refuse to compare otherwise."""
    old_kb_version: str
    new_kb_version: str
    old_generated_at: str
    new_generated_at: str
    insights_added: list[InsightRef] = []
    insights_removed: list[InsightRef] = []
    insights_changed: list[InsightChange] = []
    pgx_added: list[PgxResult] = []
    pgx_removed: list[PgxResult] = []
    pgx_changed: list[PgxChange] = []

    @property
    def identical(self) -> bool:
        """True when no insight or pharmacogene result differs (KB versions and dates may)."""
        return not (
            self.insights_added
            or self.insights_removed
            or self.insights_changed
            or self.pgx_added
            or self.pgx_removed
            or self.pgx_changed
        )


def insight_key(insight: Insight) -> InsightKey:
    """What an insight is about, independent of its reading-order id.

    Trial insights are titled '<trial id>: <trial title>' by the trial matcher; the id is the key.
    """
    if insight.kind == "trial":
        return ("trial", insight.title.split(": ", 1)[0])
    return (
        insight.kind,
        "genes:" + ",".join(sorted(insight.genes)),
        "drugs:" + ",".join(sorted(insight.drugs)),
        "tests:" + ",".join(sorted(insight.tests)),
    )


def diff_analyses(old: Analysis, new: Analysis) -> AnalysisDiff:
    """Insights new, removed and changed (in each analysis's reading order), and PGx changes by gene.

    Insights with the same key in one analysis (the same drug from two records) pair up in reading
    order.
    """
    old_insights = _keyed(old.insights)
    new_insights = _keyed(new.insights)
    changed = []
    for key, after in new_insights.items():
        before = old_insights.get(key)
        if before is None:
            continue
        changes = field_changes(_insight_fields(before), _insight_fields(after))
        if changes:
            changed.append(
                InsightChange(
                    old_id=before.id, new_id=after.id, kind=after.kind, title=after.title, changes=changes
                )
            )
    old_pgx = {result.gene: result for result in old.pgx}
    new_pgx = {result.gene: result for result in new.pgx}
    return AnalysisDiff(
        patient_id=new.patient.id,
        old_patient_id=old.patient.id,
        old_kb_version=old.kb_version,
        new_kb_version=new.kb_version,
        old_generated_at=old.generated_at,
        new_generated_at=new.generated_at,
        insights_added=[_ref(i) for key, i in new_insights.items() if key not in old_insights],
        insights_removed=[_ref(i) for key, i in old_insights.items() if key not in new_insights],
        insights_changed=changed,
        pgx_added=[result for gene, result in new_pgx.items() if gene not in old_pgx],
        pgx_removed=[result for gene, result in old_pgx.items() if gene not in new_pgx],
        pgx_changed=[
            PgxChange(gene=gene, changes=changes)
            for gene, result in new_pgx.items()
            if gene in old_pgx and (changes := field_changes(_pgx_fields(old_pgx[gene]), _pgx_fields(result)))
        ],
    )


def _keyed(insights: Sequence[Insight]) -> dict[tuple[InsightKey, int], Insight]:
    """Insights by (key, occurrence of that key so far), in reading order."""
    seen: Counter[InsightKey] = Counter()
    keyed: dict[tuple[InsightKey, int], Insight] = {}
    for insight in insights:
        key = insight_key(insight)
        keyed[(key, seen[key])] = insight
        seen[key] += 1
    return keyed


def _insight_fields(insight: Insight) -> dict[str, JsonValue]:
    data = insight.model_dump(mode="json", include=set(COMPARED_INSIGHT_FIELDS))
    # Catalog options compare by test id: provider wording is the catalog's business (`kb diff`).
    data["options"] = [option.test_id for option in insight.options]
    return _ordered(data, COMPARED_INSIGHT_FIELDS)


def _pgx_fields(result: PgxResult) -> dict[str, JsonValue]:
    return _ordered(result.model_dump(mode="json", include=set(COMPARED_PGX_FIELDS)), COMPARED_PGX_FIELDS)


def _ordered(data: dict[str, JsonValue], fields: Iterable[str]) -> dict[str, JsonValue]:
    return {name: data[name] for name in fields}


def _ref(insight: Insight) -> InsightRef:
    return InsightRef(
        id=insight.id,
        kind=insight.kind,
        title=insight.title,
        severity=insight.severity,
        tier=insight.tier,
        genes=list(insight.genes),
        drugs=list(insight.drugs),
    )

"""Conflict reconciliation between sources: biomarker therapies against pharmacogenomic alerts.

Biomarker matching offers a drug for the tumor (tamoxifen for ER-positive breast cancer) while the
PGx engine may warn against the same drug for this patient (CYP2D6 poor metabolizer: CPIC 2018
recommends an alternative such as an aromatase inhibitor; PMID 29385237). Each source is right
alone; read together, the therapy must carry the warning. A warning-level alert is stated in the
therapy's summary and rationale (with the alert's citations); a critical one (the guideline says
avoid the drug) removes the therapy, which the alert then mentions and a warning line explains.

The other way round, a drug the analysis proposes may need a genotype first: the PGx engine asks for
the genes of the patient's own drugs, and `test_before_proposed` asks it again for the drugs of the
tier I options (fluorouracil in encorafenib + cetuximab + mFOLFOX6: DPYD genotyping before the first
dose, CPIC 2017 update, PMID 29152729). The option then names the test in its rationale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from integrome.match.pgx import HasPgx, proposed_drug_tests
from integrome.match.wording import clamp, regimen
from integrome.model import Insight, PgxResult

__all__ = ["ProposedTests", "Reconciled", "reconcile_pgx", "test_before_proposed"]

_PROPOSED_TIERS = frozenset({"IA", "IB"})
"""Options whose drugs get pharmacogenomic testing: tier I, what the report puts forward as standard."""

_ALERT_KINDS = frozenset({"pgx", "contraindication"})
_ALERT_SEVERITIES = frozenset({"warning", "critical"})


@dataclass(frozen=True)
class Reconciled:
    insights: list[Insight]
    warnings: list[str]


def reconcile_pgx(insights: Sequence[Insight], pgx: Sequence[PgxResult]) -> Reconciled:
    """Therapies annotated or removed by the PGx/contraindication alerts about their drugs.

    Insights keep their order; alerts gain a line for each therapy they removed.
    """
    alerts = [i for i in insights if i.kind in _ALERT_KINDS and i.severity in _ALERT_SEVERITIES]
    by_gene = {result.gene: result for result in pgx}
    removed: dict[int, list[Insight]] = {}
    warnings: list[str] = []
    kept: list[Insight] = []
    for insight in insights:
        concerning = [a for a in alerts if insight.kind == "therapy" and set(a.drugs) & set(insight.drugs)]
        critical = [a for a in concerning if a.severity == "critical"]
        if critical:
            for alert in critical:
                removed.setdefault(id(alert), []).append(insight)
            warnings.append(
                f"{regimen(insight.drugs)} not listed as therapy ({insight.title}) — "
                f"{_concern(critical[0], by_gene)}"
            )
        elif concerning:
            kept.append(_cautioned(insight, concerning, by_gene))
        else:
            kept.append(insight)
    result = [_with_removed(i, removed.get(id(i), [])) for i in kept]
    return Reconciled(insights=result, warnings=warnings)


@dataclass(frozen=True)
class ProposedTests:
    insights: list[Insight]
    pgx: list[PgxResult]
    """"Not assessed" results for the genes the proposed drugs add"""


def test_before_proposed(insights: Sequence[Insight], pgx: Sequence[PgxResult], kb: HasPgx) -> ProposedTests:
    """Genotyping recommendations for the drugs of tier I therapies whose CPIC genes no input assessed
    and no current or planned drug already needed; each such therapy gains a line naming the test.

    Insights keep their order; the new recommendations follow them.
    """
    proposed: dict[str, list[str]] = {}
    for insight in insights:
        if insight.kind == "therapy" and insight.tier in _PROPOSED_TIERS:
            for drug in insight.drugs:
                proposed.setdefault(drug, []).append(insight.title)
    found = proposed_drug_tests(kb, pgx, proposed)
    tests = {drug: test for test in found.insights for drug in test.drugs}
    updated = []
    for insight in insights:
        lines = [
            f"Before {drug}: {', '.join(tests[drug].tests)} ({', '.join(tests[drug].genes)} not assessed; "
            f"{tests[drug].citations[0].source} guideline)"
            for drug in insight.drugs
            if insight.kind == "therapy" and insight.tier in _PROPOSED_TIERS and drug in tests
        ]
        updated.append(
            insight.model_copy(update={"rationale": [*insight.rationale, *lines]}) if lines else insight
        )
    return ProposedTests(insights=[*updated, *found.insights], pgx=found.results)


def _cautioned(therapy: Insight, alerts: Sequence[Insight], by_gene: dict[str, PgxResult]) -> Insight:
    concerns = [_concern(alert, by_gene) for alert in alerts]
    rationale = [
        *therapy.rationale,
        *(f"Pharmacogenomic alert: {alert.title}" for alert in alerts),
    ]
    citations = {(c.source, c.id): c for c in therapy.citations}
    for alert in alerts:
        for citation in alert.citations:
            citations.setdefault((citation.source, citation.id), citation)
    return therapy.model_copy(
        update={
            "summary": clamp(f"{'; '.join(concerns)}. {therapy.summary}"),
            "severity": "warning",
            "rationale": rationale,
            "citations": list(citations.values()),
        }
    )


def _with_removed(alert: Insight, therapies: Sequence[Insight]) -> Insight:
    if not therapies:
        return alert
    lines = [f"Not offered as biomarker-matched therapy: {t.title} (tier {t.tier})" for t in therapies]
    return alert.model_copy(update={"rationale": [*alert.rationale, *lines]})


def _concern(alert: Insight, by_gene: dict[str, PgxResult]) -> str:
    """'CYP2D6 poor metabolizer: CPIC recommends an alternative' from the alert and the PGx result."""
    source = alert.citations[0].source
    return f"{_who(alert, by_gene)}: {source} {_advice(alert)}"


def _who(alert: Insight, by_gene: dict[str, PgxResult]) -> str:
    parts = []
    for gene in alert.genes:
        result = by_gene.get(gene)
        if result is not None and result.assessed:
            parts.append(f"{gene} {(result.functional_phenotype or result.phenotype).lower()}")
        else:
            parts.append(gene)
    return ", ".join(parts) or regimen(alert.drugs)


def _advice(alert: Insight) -> str:
    """The kind of change the alert asks for, read from its own wording (alerts carry no action code)."""
    text = " ".join([alert.title, alert.summary, *alert.rationale]).lower()
    if alert.severity == "critical" or "avoid" in alert.title.lower():
        return "advises avoiding it (see the pharmacogenomic alert)"
    if alert.alternatives or "alternative" in text:
        return "recommends an alternative"
    if "dose" in text:
        return "recommends a dose adjustment"
    return "guidance applies (see the pharmacogenomic alert)"

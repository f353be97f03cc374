"""Conflict reconciliation between sources: biomarker therapies against pharmacogenomic alerts.

Biomarker matching offers a drug for the tumor (tamoxifen for ER-positive breast cancer) while the
PGx engine may warn against the same drug for this patient (CYP2D6 poor metabolizer: CPIC 2018
recommends an alternative such as an aromatase inhibitor; PMID 29385237). Each source is right
alone; read together, the therapy must carry the warning. A warning-level alert is stated in the
therapy's summary and rationale (with the alert's citations); a critical one (the guideline says
avoid the drug) removes the therapy, which the alert then mentions and a warning line explains.

The other way round, the PGx engine only weighs the patient's own drugs; `pgx_for_proposed` asks it
again for the drugs the therapy options propose. A gene the inputs assessed gives the recommendation
the drug would get if planned (DPYD poor metabolizer and fluorouracil in encorafenib + cetuximab +
mFOLFOX6: avoid, CPIC 2017 update, PMID 29152729): the alert joins the analysis and the option stays
listed, carrying the recommendation, its citations and the alert's severity, since the regimen's
other drugs may still be the right choice without the flagged one. A gene no input assessed, or
whose result is Indeterminate (inputs disagreeing at one of its positions), gives, for the drugs of
the tier I options, a genotyping recommendation (DPYD before the first dose) that the option names
in its rationale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from integrome.match.pgx import GeneState, HasPgx, proposed_drug_alerts, proposed_drug_tests
from integrome.match.wording import clamp, regimen, unique
from integrome.model import Insight, PgxResult
from integrome.model.common import Severity

__all__ = ["ProposedPgx", "Reconciled", "pgx_for_proposed", "reconcile_pgx"]

_PROPOSED_TIERS = frozenset({"IA", "IB"})
"""Options whose drugs get pharmacogenomic testing: tier I, what the report puts forward as standard."""

_ALERT_KINDS = frozenset({"pgx", "contraindication"})
_ALERT_SEVERITIES = frozenset({"warning", "critical"})
_SEVERITY_RANK: dict[Severity, int] = {"info": 0, "warning": 1, "critical": 2}


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
class ProposedPgx:
    insights: list[Insight]
    pgx: list[PgxResult]
    """"Not assessed" results for the genes the proposed drugs add"""


def pgx_for_proposed(
    insights: Sequence[Insight], pgx: Sequence[PgxResult], kb: HasPgx, states: Mapping[str, GeneState]
) -> ProposedPgx:
    """The PGx engine's view of the drugs the therapy options propose (`states`: `match_pgx`'s).

    A drug no warning or critical alert covers yet (the patient's own drugs were reconciled by
    `reconcile_pgx`) gets the engine's warning or critical recommendation for its assessed genes;
    every therapy holding it carries it (`_flagged`). The drugs of tier I therapies whose CPIC genes
    no input assessed (or left Indeterminate) and no current or planned drug already needed get a
    genotyping recommendation, and each such therapy a line naming the test.

    Insights keep their order; the new alerts, then the new test recommendations, follow them.
    """
    covered = {
        drug
        for insight in insights
        if insight.kind in _ALERT_KINDS and insight.severity in _ALERT_SEVERITIES
        for drug in insight.drugs
    }
    offered: dict[str, list[str]] = {}
    proposed: dict[str, list[str]] = {}
    for insight in insights:
        if insight.kind == "therapy":
            for drug in insight.drugs:
                if drug not in covered:
                    offered.setdefault(drug, []).append(insight.title)
                if insight.tier in _PROPOSED_TIERS:
                    proposed.setdefault(drug, []).append(insight.title)
    alerts = proposed_drug_alerts(kb, states, offered)
    by_gene = {result.gene: result for result in pgx}
    insights = [_flagged(i, alerts, by_gene) if i.kind == "therapy" else i for i in insights]
    asked = {
        gene
        for insight in insights
        if insight.kind == "test_recommendation"
        for gene in insight.genes
        if f"{gene} genotyping" in insight.tests
    }
    found = proposed_drug_tests(kb, pgx, proposed, states, asked)
    tests = {drug: test for test in found.insights for drug in test.drugs}
    updated = []
    for insight in insights:
        lines = [
            f"Before {drug}: {', '.join(tests[drug].tests)} ({_why_tested(tests[drug], by_gene)}; "
            f"{tests[drug].citations[0].source} guideline)"
            for drug in insight.drugs
            if insight.kind == "therapy" and insight.tier in _PROPOSED_TIERS and drug in tests
        ]
        updated.append(
            insight.model_copy(update={"rationale": [*insight.rationale, *lines]}) if lines else insight
        )
    return ProposedPgx(insights=[*updated, *alerts, *found.insights], pgx=found.results)


def _why_tested(test: Insight, by_gene: Mapping[str, PgxResult]) -> str:
    """'DPYD not assessed', or 'DPYD indeterminate' when the inputs gave a result without a phenotype."""
    return ", ".join(
        f"{gene} {'indeterminate' if gene in by_gene and by_gene[gene].assessed else 'not assessed'}"
        for gene in test.genes
    )


def _flagged(therapy: Insight, alerts: Sequence[Insight], by_gene: dict[str, PgxResult]) -> Insight:
    """A therapy carrying the alerts about its proposed drugs, as `_cautioned` does for planned ones,
    with the alert's own severity (an "avoid" flags the option critical rather than removing it: the
    drug was not chosen yet and the regimen's other drugs may still serve), the recommendation line by
    line and the alternatives the guideline names."""
    concerning = [a for a in alerts if set(a.drugs) & set(therapy.drugs)]
    if not concerning:
        return therapy
    lines = [_recommendation(alert, by_gene) for alert in concerning]
    severity = max(therapy.severity, *(a.severity for a in concerning), key=_SEVERITY_RANK.__getitem__)
    alternatives = [
        drug
        for drug in unique([*therapy.alternatives, *(d for a in concerning for d in a.alternatives)])
        if drug not in therapy.drugs
    ]
    cautioned = _annotated(therapy, concerning, by_gene, lines=lines, name_drugs=True)
    return cautioned.model_copy(update={"severity": severity, "alternatives": alternatives})


def _cautioned(therapy: Insight, alerts: Sequence[Insight], by_gene: dict[str, PgxResult]) -> Insight:
    lines = [f"Pharmacogenomic alert: {alert.title}" for alert in alerts]
    return _annotated(therapy, alerts, by_gene, lines=lines).model_copy(update={"severity": "warning"})


def _annotated(
    therapy: Insight,
    alerts: Sequence[Insight],
    by_gene: dict[str, PgxResult],
    *,
    lines: Sequence[str],
    name_drugs: bool = False,
) -> Insight:
    """The therapy with the alerts' concerns leading its summary, `lines` after its rationale and the
    alerts' citations after its own; `name_drugs` names each alert's drugs in its concern."""
    concerns = unique(
        _concern(alert, by_gene, regimen(alert.drugs) if name_drugs else None) for alert in alerts
    )
    rationale = [*therapy.rationale, *lines]
    citations = {(c.source, c.id): c for c in therapy.citations}
    for alert in alerts:
        for citation in alert.citations:
            citations.setdefault((citation.source, citation.id), citation)
    return therapy.model_copy(
        update={
            "summary": clamp(f"{'; '.join(concerns)}. {therapy.summary}"),
            "rationale": rationale,
            "citations": list(citations.values()),
        }
    )


def _with_removed(alert: Insight, therapies: Sequence[Insight]) -> Insight:
    if not therapies:
        return alert
    lines = [f"Not offered as biomarker-matched therapy: {t.title} (tier {t.tier})" for t in therapies]
    return alert.model_copy(update={"rationale": [*alert.rationale, *lines]})


def _concern(alert: Insight, by_gene: dict[str, PgxResult], drugs: str | None = None) -> str:
    """'CYP2D6 poor metabolizer: CPIC recommends an alternative' from the alert and the PGx result."""
    source = alert.citations[0].source
    return f"{_who(alert, by_gene)}: {source} {_advice(alert, drugs)}"


def _recommendation(alert: Insight, by_gene: dict[str, PgxResult]) -> str:
    """'DPYD poor metabolizer (activity score 0): CPIC — avoid fluoropyrimidines (fluorouracil;
    strong recommendation). DPD deficiency …': the alert's headline, strength and summary."""
    headline = alert.title.rpartition(" — ")[2]
    strength = f"; {alert.classification} recommendation" if alert.classification else ""
    who = f"{_who(alert, by_gene, scored=True)}: {alert.citations[0].source}"
    return f"{who} — {headline} ({regimen(alert.drugs)}{strength}). {alert.summary}"


def _who(alert: Insight, by_gene: dict[str, PgxResult], *, scored: bool = False) -> str:
    """'CYP2D6 poor metabolizer'; `scored` adds the genotype's activity score when the phenotype is
    the genotype's own (not phenoconverted by a drug)."""
    parts = []
    for gene in alert.genes:
        result = by_gene.get(gene)
        if result is not None and result.assessed:
            part = f"{gene} {(result.functional_phenotype or result.phenotype).lower()}"
            if scored and result.activity_score is not None and result.functional_phenotype is None:
                part += f" (activity score {result.activity_score:g})"
            parts.append(part)
        else:
            parts.append(gene)
    return ", ".join(parts) or regimen(alert.drugs)


def _advice(alert: Insight, drugs: str | None = None) -> str:
    """The kind of change the alert asks for, read from its own wording (alerts carry no action code);
    `drugs` names what it is about, for a regimen of which only some drugs are concerned."""
    text = " ".join([alert.title, alert.summary, *alert.rationale]).lower()
    if alert.severity == "critical" or "avoid" in alert.title.lower():
        return f"advises avoiding {drugs or 'it'} (see the pharmacogenomic alert)"
    if alert.alternatives or "alternative" in text:
        return "recommends an alternative" + (f" to {drugs}" if drugs else "")
    if "dose" in text:
        return "recommends a dose adjustment" + (f" of {drugs}" if drugs else "")
    return "guidance applies (see the pharmacogenomic alert)"

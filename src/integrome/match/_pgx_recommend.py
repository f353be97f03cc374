"""CPIC recommendations for the patient's phenotypes: drug alerts, pre-emptive list, test needs.

Curated rules (`knowledge/data/pgx/recommendations.yaml`) give severity, strength, alternatives and
our own summary; for other CPIC pairs pypgx's recommendation table is quoted in the rationale with
a generic summary. Severity: critical where CPIC says avoid (ineffective or toxic), warning for a
dose or drug change, info when standard dosing applies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from integrome.knowledge.pgx import CpicDrug, CuratedRule, PgxKnowledge
from integrome.match._pgx_phenotype import INDETERMINATE
from integrome.model import Citation, Insight
from integrome.model.common import Severity

__all__ = ["GeneState", "recommend"]

_STANDARD = re.compile(
    r"^(based on genotype, there is no indication to change"
    r"|initiate (therapy|\w+) with (recommended|standard)"
    r"|if considering \w+, use at standard dose|use \w+ per standard dosing|use \w+ label[- ]recommended"
    r"|no reason to avoid|prescribe desired starting dose|there is no need to avoid|no action is needed"
    r"|initiate standard starting daily dose\. consider increasing)",
    re.IGNORECASE,
)
_NORMAL = frozenset({"Normal Metabolizer", "Normal Function", "Negative", "Normal", "Favorable Response"})
_CRITICAL = (
    "avoid use",
    "avoid codeine",
    "avoid tramadol",
    "contraindicated",
    "not recommended",
    "do not use",
)
_PGX_LEVELS = frozenset({"A", "A/B", "B"})


@dataclass
class GeneState:
    """One gene's phenotype for matching, and what the PgxResult will report."""

    gene: str
    assessed: bool
    diplotype: str | None = None
    phenotype: str = INDETERMINATE
    activity_score: float | None = None
    alternatives: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    source: str | None = None
    note: str | None = None
    functional_phenotype: str | None = None
    functional_score: float | None = None
    inhibitors: list[str] = field(default_factory=list)
    hla_positive: frozenset[str] = frozenset()
    hla_tested: frozenset[str] = frozenset()

    @property
    def used_phenotype(self) -> str:
        return self.functional_phenotype or self.phenotype

    @property
    def used_score(self) -> float | None:
        return self.functional_score if self.functional_phenotype else self.activity_score


def _drug_genes(kb: PgxKnowledge, drug: str) -> dict[str, CpicDrug | None]:
    genes: dict[str, CpicDrug | None] = {}
    for row in kb.genes_for_drug(drug):
        if row.level in _PGX_LEVELS and (
            row.gene in kb.definitions or row.gene in ("CYP2D6", "HLA-A", "HLA-B")
        ):
            genes[row.gene] = row
    for rule in kb.rules:
        if drug in rule.drugs:
            genes.setdefault(rule.gene, None)
    return genes


def _rule_for(kb: PgxKnowledge, drug: str, state: GeneState) -> CuratedRule | None:
    for rule in kb.rules:
        if drug in rule.drugs and rule.gene == state.gene:
            if rule.positive and not (
                rule.positive <= state.hla_tested or rule.positive & state.hla_positive
            ):
                continue
            if rule.applies(state.used_phenotype, state.used_score, state.diplotype, state.hla_positive):
                return rule
    return None


def _citations(cpic: CpicDrug | None, rule: CuratedRule | None) -> list[Citation]:
    if rule is not None and rule.citations:
        return list(rule.citations)
    if cpic is not None and (cpic.pmids or cpic.guideline_url):
        return [cpic.citation()]
    return []


def _rationale(state: GeneState) -> list[str]:
    lines = []
    called = f"{state.gene} {state.diplotype or 'result'} ({state.source or 'input'}) → {state.phenotype}"
    if state.activity_score is not None:
        called += f", activity score {state.activity_score:g}"
    lines.append(called)
    if state.functional_phenotype:
        lines.append(
            f"phenoconversion: {', '.join(state.inhibitors)} (strong {state.gene} inhibitor, FDA table) "
            f"makes the functional phenotype {state.functional_phenotype}; the recommendation uses it"
        )
    if state.note:
        lines.append(state.note)
    return lines


def _title(drug: str, state: GeneState, headline: str) -> str:
    if state.hla_positive:
        what = " ".join(f"{state.gene}{a} positive" for a in sorted(state.hla_positive))
    else:
        what = f"{state.gene} {state.used_phenotype.lower()}"
    return f"{drug.capitalize()}: {what} — {headline}"


def _is_standard(text: str) -> bool:
    return _STANDARD.match(text) is not None


def _generic(text: str) -> tuple[Severity, str]:
    lowered = text.lower()
    if any(word in lowered for word in _CRITICAL):
        return "critical", "avoid per CPIC"
    return "warning", "dose or drug change per CPIC"


def _drug_insight(kb: PgxKnowledge, drug: str, state: GeneState, cpic: CpicDrug | None) -> Insight | None:
    rule = _rule_for(kb, drug, state)
    citations = _citations(cpic, rule)
    if state.functional_phenotype:
        citations.append(kb.inhibitor_citation)
    level = f"CPIC {cpic.level}" if cpic is not None and cpic.pmids else None
    rationale = _rationale(state)
    if rule is not None:
        if not citations:
            return None
        return Insight(
            id="pending",
            kind="contraindication" if rule.kind == "contraindication" else "pgx",
            title=_title(drug, state, rule.headline),
            summary=rule.summary,
            severity=rule.severity,
            genes=[state.gene],
            drugs=[drug],
            evidence_level=rule.evidence_level or level,
            classification=rule.classification,
            alternatives=list(rule.alternatives),
            rationale=rationale,
            citations=citations,
        )
    text = kb.recommendations.get((drug, state.gene, state.used_phenotype))
    if text is None or not citations:
        return None
    if _is_standard(text):
        severity: Severity = "info"
        headline = "no genotype-based change"
    else:
        severity, headline = _generic(text)
    summary = f"CPIC: {headline} for {state.gene} {state.used_phenotype.lower()}; see rationale."
    return Insight(
        id="pending",
        kind="contraindication" if severity == "critical" else "pgx",
        title=_title(drug, state, headline),
        summary=summary[:140],
        severity=severity,
        genes=[state.gene],
        drugs=[drug],
        evidence_level=level,
        rationale=[*rationale, f"CPIC recommendation (pypgx table): {text}"],
        citations=citations,
    )


def _test_insight(gene: str, drugs: list[str], citations: list[Citation]) -> Insight:
    listed = ", ".join(drugs)
    return Insight(
        id="pending",
        kind="test_recommendation",
        title=f"{gene} genotyping before {listed}",
        summary=f"{gene} was not assessed by the inputs; CPIC guidance for {listed} depends on it."[:140],
        severity="warning",
        genes=[gene],
        drugs=drugs,
        tests=[f"{gene} genotyping"],
        rationale=[f"no {gene} result in the VCF or the record: the phenotype is unknown, not normal"],
        citations=citations,
    )


def _preemptive(kb: PgxKnowledge, state: GeneState, exclude: set[str]) -> Insight | None:
    """One info insight per gene: other CPIC level A/B drugs whose use this phenotype changes."""
    affected: list[str] = []
    citations: dict[str, Citation] = {}
    for drug, rows in sorted(kb.cpic.items()):
        if drug in exclude:
            continue
        for row in rows:
            if row.gene != state.gene or row.level not in _PGX_LEVELS:
                continue
            rule = _rule_for(kb, drug, state)
            text = kb.recommendations.get((drug, state.gene, state.used_phenotype))
            actionable = (rule is not None and rule.severity != "info") or (
                rule is None and text is not None and not _is_standard(text)
            )
            if actionable:
                affected.append(drug)
                for citation in _citations(row, rule):
                    citations[citation.id] = citation
    if not affected or not citations:
        return None
    phenotype = (
        " ".join(f"{a} positive" for a in sorted(state.hla_positive))
        if state.hla_positive
        else state.used_phenotype.lower()
    )
    shown = ", ".join(affected)
    summary = f"Also affects: {shown}"
    if len(summary) > 140:
        summary = summary[:136].rsplit(",", 1)[0] + ", …"
    return Insight(
        id="pending",
        kind="pgx",
        title=f"{state.gene} {phenotype}: CPIC guidance for {len(affected)} other drug(s)",
        summary=summary,
        severity="info",
        genes=[state.gene],
        drugs=affected,
        evidence_level="CPIC A/B",
        rationale=[
            f"pre-emptive: drugs not prescribed now whose CPIC guidance changes for {state.gene} "
            f"{state.diplotype or ''} → {state.used_phenotype}",
            *(["functional phenotype after phenoconversion"] if state.functional_phenotype else []),
        ],
        citations=list(citations.values()),
    )


def recommend(
    kb: PgxKnowledge, states: Mapping[str, GeneState], considered: Iterable[str]
) -> tuple[list[Insight], list[str]]:
    """Insights for the considered drugs and the genes those drugs need (assessed or not)."""
    insights: list[Insight] = []
    needed: list[str] = []
    untested: dict[str, tuple[list[str], list[Citation]]] = {}
    considered_set = set(considered)
    for drug in sorted(considered_set):
        for gene, cpic in sorted(_drug_genes(kb, drug).items()):
            if gene not in needed:
                needed.append(gene)
            state = states.get(gene)
            if state is None or not state.assessed:
                drugs, citations = untested.setdefault(gene, ([], []))
                drugs.append(drug)
                rule = next((r for r in kb.rules if drug in r.drugs and r.gene == gene), None)
                for citation in _citations(cpic, rule):
                    if citation not in citations:
                        citations.append(citation)
                continue
            if state.phenotype == INDETERMINATE and not state.hla_tested:
                continue
            insight = _drug_insight(kb, drug, state, cpic)
            if insight is not None:
                insights.append(insight)
    for gene, (drugs, citations) in sorted(untested.items()):
        if citations:
            insights.append(_test_insight(gene, drugs, citations))
    for _, state in sorted(states.items()):
        if state.assessed and state.used_phenotype not in _NORMAL | {INDETERMINATE}:
            pre = _preemptive(kb, state, considered_set)
            if pre is not None:
                insights.append(pre)
    return insights, sorted(needed)

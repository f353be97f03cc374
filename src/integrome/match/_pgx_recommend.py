"""CPIC recommendations for the patient's phenotypes: drug alerts, pre-emptive list, test needs.

Curated rules (`knowledge/data/pgx/recommendations.yaml`) give severity, strength, alternatives and
our own summary. Warfarin is decided from CYP2C9, VKORC1 and CYP4F2 together (`_pgx_warfarin`),
and drugs with two-gene CPIC tables from both genes (`_pgx_combined`). For other CPIC pairs the
pypgx recommendation text is condensed into the summary and quoted whole in the rationale
(`_pgx_text`). Every gene of a current or planned drug's CPIC guideline (level A/B) that the
inputs did not assess, or whose result is Indeterminate (inputs disagreeing at a position, no
defined allele pair, equally ranked diplotypes of different phenotypes), yields a test
recommendation, since either way the phenotype is unknown, not normal; so does every such gene of a
drug the analysis proposes (`proposed_tests`: fluorouracil in encorafenib + cetuximab + mFOLFOX6
needs DPYD genotyping before the first dose, CPIC 2017). A proposed drug whose gene was assessed gets
the same recommendation it would get if planned (`proposed_alerts`: a DPYD poor metabolizer is
advised to avoid fluorouracil).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from integrome.knowledge.pgx import OUTSIDE_CALL_GENES, CpicDrug, CuratedRule, PgxKnowledge
from integrome.match._pgx_combined import combined_insight
from integrome.match._pgx_phenotype import INDETERMINATE
from integrome.match._pgx_state import GeneState, gene_rationale, guideline_citations
from integrome.match._pgx_text import classify, condense, is_standard
from integrome.match._pgx_warfarin import WARFARIN, warfarin_insight
from integrome.match.wording import SUMMARY_LIMIT, clamp
from integrome.model import Citation, Insight

__all__ = ["GeneState", "proposed_alerts", "proposed_tests", "recommend"]

_NORMAL = frozenset({"Normal Metabolizer", "Normal Function", "Negative", "Normal", "Favorable Response"})
_PGX_LEVELS = frozenset({"A", "A/B", "B"})


def _drug_genes(kb: PgxKnowledge, drug: str) -> dict[str, CpicDrug | None]:
    """Genes of the drug's CPIC level A/B guidance: callable here, typed by an outside assay, or with
    a published guideline (MT-RNR1, CFTR) — each needs a result or a test recommendation."""
    genes: dict[str, CpicDrug | None] = {}
    for row in kb.genes_for_drug(drug):
        if row.level in _PGX_LEVELS and (
            row.gene in kb.definitions or row.gene in OUTSIDE_CALL_GENES or row.pmids
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


def _title(drug: str, state: GeneState, headline: str) -> str:
    if state.hla_positive:
        what = " ".join(f"{state.gene}{a} positive" for a in sorted(state.hla_positive))
    else:
        what = f"{state.gene} {state.used_phenotype.lower()}"
    return f"{drug.capitalize()}: {what} — {headline}"


def _drug_insight(kb: PgxKnowledge, drug: str, state: GeneState, cpic: CpicDrug | None) -> Insight | None:
    rule = _rule_for(kb, drug, state)
    citations = guideline_citations(cpic, rule)
    if state.functional_phenotype:
        citations.append(kb.inhibitor_citation)
    level = f"CPIC {cpic.level}" if cpic is not None and cpic.pmids else None
    rationale = gene_rationale(state)
    text = kb.recommendations.get((drug, state.gene, state.used_phenotype))
    if text is not None:
        rationale.append(f"CPIC recommendation: {text}")
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
    if text is None or not citations:
        return None
    severity, headline = classify(text)
    if severity == "warning" and state.used_phenotype in _NORMAL:
        severity, headline = "info", "see the CPIC recommendation"
    return Insight(
        id="pending",
        kind="contraindication" if severity == "critical" else "pgx",
        title=_title(drug, state, headline),
        summary=condense(text),
        severity=severity,
        genes=[state.gene],
        drugs=[drug],
        evidence_level=level,
        rationale=rationale,
        citations=citations,
    )


def _indeterminate(state: GeneState | None) -> bool:
    """An assessed gene whose phenotype could not be called: for a drug that depends on it, as
    unknown as an unassessed one, so it is genotyped again rather than passed over."""
    return state is not None and state.assessed and state.phenotype == INDETERMINATE and not state.hla_tested


def _lead(gene: str, retest: GeneState | None) -> str:
    """'CYP2C19 result indeterminate (inputs disagree at chr10:94781859 (rs4244285))'."""
    if retest is None:
        return f"{gene} was not assessed"
    if retest.conflicts:
        return f"{gene} result indeterminate (inputs disagree at {', '.join(retest.conflicts)})"
    return f"{gene} result indeterminate"


def _test_insight(
    gene: str, drugs: list[str], citations: list[Citation], retest: GeneState | None = None
) -> Insight:
    """'<GENE> genotyping before <drugs>'; `retest`: the Indeterminate state when there is a result."""
    listed = ", ".join(drugs)
    if retest is None:
        summary = f"{gene} was not assessed by the inputs; CPIC guidance for {listed} depends on it."[:140]
        rationale = [f"no {gene} result in the VCF or the record: the phenotype is unknown, not normal"]
    else:
        summary = clamp(
            f"{_lead(gene, retest)}: genotype again before {listed}; CPIC guidance depends on it."
        )
        rationale = [
            *gene_rationale(retest),
            f"{gene} result indeterminate: the phenotype is unknown, not normal",
        ]
    return Insight(
        id="pending",
        kind="test_recommendation",
        title=f"{gene} genotyping before {listed}",
        summary=summary,
        severity="warning",
        genes=[gene],
        drugs=drugs,
        tests=[f"{gene} genotyping"],
        rationale=rationale,
        citations=citations,
    )


def _add_untested(
    untested: dict[str, tuple[list[str], list[Citation]]],
    kb: PgxKnowledge,
    drug: str,
    gene: str,
    cpic: CpicDrug | None,
) -> None:
    """Note that `drug` needs `gene`, which no input assessed or left Indeterminate, with the guideline
    citations for it."""
    drugs, citations = untested.setdefault(gene, ([], []))
    drugs.append(drug)
    rule = next((r for r in kb.rules if drug in r.drugs and r.gene == gene), None)
    for citation in guideline_citations(cpic, rule):
        if citation not in citations:
            citations.append(citation)


def proposed_tests(
    kb: PgxKnowledge,
    covered: Iterable[str],
    proposed: Mapping[str, list[str]],
    states: Mapping[str, GeneState],
) -> list[Insight]:
    """Genotyping recommendations for the genes of proposed drugs (drug → titles of the options
    proposing it) that no input assessed or that are Indeterminate, and that no current or planned
    drug already asked for (`covered`: genes with a usable result or a recommendation). `states`
    word the recommendation of an Indeterminate gene ("genotype again")."""
    skip = set(covered)
    untested: dict[str, tuple[list[str], list[Citation]]] = {}
    for drug in sorted(proposed):
        for gene, cpic in sorted(_drug_genes(kb, drug).items()):
            if gene not in skip:
                _add_untested(untested, kb, drug, gene, cpic)
    insights = []
    for gene, (drugs, citations) in sorted(untested.items()):
        if not citations:
            continue
        listed = ", ".join(drugs)
        retest = states.get(gene) if _indeterminate(states.get(gene)) else None
        summary = (
            f"{gene} was not assessed; CPIC guidance for {listed}, part of a proposed option, "
            "depends on it: genotype before the first dose."
            if retest is None
            else f"{_lead(gene, retest)}: genotype again before the first dose of {listed}, part of a "
            "proposed option; CPIC guidance depends on it."
        )
        insight = _test_insight(gene, drugs, citations, retest)
        insights.append(
            insight.model_copy(
                update={
                    "summary": clamp(summary),
                    "rationale": [
                        *insight.rationale,
                        *(
                            f"{drug} is part of a proposed option: {title}"
                            for drug in drugs
                            for title in proposed[drug]
                        ),
                    ],
                }
            )
        )
    return insights


def proposed_alerts(
    kb: PgxKnowledge, states: Mapping[str, GeneState], proposed: Mapping[str, list[str]]
) -> list[Insight]:
    """The warning and critical recommendations for proposed drugs (drug → titles of the options
    proposing it): the insight the drug would get if it were planned, with lines naming the options.

    Only the patient's current and planned drugs are `recommend`ed; without this, a proposed drug
    whose dose or use the patient's genotype changes would get no more than the pre-emptive note.
    """
    insights = []
    for drug in sorted(proposed):
        for insight in _insights_for_drug(kb, drug, _drug_genes(kb, drug), states):
            if insight.severity != "info":
                lines = [f"{drug} is part of a proposed option: {title}" for title in proposed[drug]]
                insights.append(insight.model_copy(update={"rationale": [*insight.rationale, *lines]}))
    return insights


def _actionable(kb: PgxKnowledge, drug: str, state: GeneState) -> str | None:
    """The title headline of the drug's recommendation for this phenotype when CPIC changes the dose
    or the drug choice ('consider an alternative'), else None."""
    rule = _rule_for(kb, drug, state)
    if rule is not None:
        return rule.headline if rule.severity != "info" else None
    text = kb.recommendations.get((drug, state.gene, state.used_phenotype))
    if text is None or is_standard(text):
        return None
    return classify(text)[1]


def _preemptive(kb: PgxKnowledge, state: GeneState, exclude: set[str]) -> Insight | None:
    """One info insight per gene: CPIC level A/B drugs not prescribed now whose dose or choice this
    phenotype changes, worded as a note for future prescribing (CPIC's pre-emptive genotyping use)."""
    affected: dict[str, str] = {}
    citations: dict[str, Citation] = {}
    for drug, rows in sorted(kb.cpic.items()):
        if drug in exclude:
            continue
        for row in rows:
            if row.gene != state.gene or row.level not in _PGX_LEVELS:
                continue
            headline = _actionable(kb, drug, state)
            if headline is not None:
                affected[drug] = headline
                for citation in guideline_citations(row, _rule_for(kb, drug, state)):
                    citations[citation.id] = citation
    if not affected or not citations:
        return None
    phenotype = (
        " ".join(f"{state.gene}{a} positive" for a in sorted(state.hla_positive))
        if state.hla_positive
        else f"{state.gene} {state.used_phenotype.lower()}"
    )
    drugs = list(affected)
    return Insight(
        id="pending",
        kind="pgx",
        title=_listed(f"{phenotype} — relevant if prescribed: ", drugs),
        summary=(
            "Pre-emptive note: none of these drugs is prescribed now; CPIC changes the dose or the drug "
            "choice for this result."
        ),
        severity="info",
        genes=[state.gene],
        drugs=drugs,
        evidence_level="CPIC A/B",
        rationale=[
            *(line for line in gene_rationale(state) if line != state.note),
            *(f"{drug}: {headline}" for drug, headline in affected.items()),
        ],
        citations=list(citations.values()),
    )


def _listed(lead: str, drugs: list[str]) -> str:
    """`lead` and the drugs, as many as fit the summary limit, then 'and N more' (CDS Hooks shows
    this title as a card summary)."""
    for shown in range(len(drugs), 0, -1):
        more = f" and {len(drugs) - shown} more" if shown < len(drugs) else ""
        text = lead + ", ".join(drugs[:shown]) + more
        if len(text) <= SUMMARY_LIMIT:
            return text
    return clamp(lead + ", ".join(drugs))


def _insights_for_drug(
    kb: PgxKnowledge, drug: str, genes: Mapping[str, CpicDrug | None], states: Mapping[str, GeneState]
) -> list[Insight]:
    """Multi-gene drugs get one insight from all their genes; others one insight per assessed gene."""
    if drug == WARFARIN:
        insight = warfarin_insight(kb, states, genes)
        return [insight] if insight is not None else []
    assessed = [states[g] for g in sorted(genes) if g in states and states[g].assessed]
    pair = kb.gene_pairs.get(drug)
    if pair is not None and not any(_rule_for(kb, drug, state) for state in assessed):
        insight = combined_insight(kb, drug, pair, states, genes)
        return [insight] if insight is not None else []
    insights: list[Insight] = []
    for state in assessed:
        if state.phenotype == INDETERMINATE and not state.hla_tested:
            continue
        insight = _drug_insight(kb, drug, state, genes.get(state.gene))
        if insight is not None:
            insights.append(insight)
    return insights


def recommend(
    kb: PgxKnowledge, states: Mapping[str, GeneState], considered: Iterable[str]
) -> tuple[list[Insight], list[str]]:
    """Insights for the considered drugs and the genes those drugs need (assessed or not)."""
    insights: list[Insight] = []
    needed: list[str] = []
    untested: dict[str, tuple[list[str], list[Citation]]] = {}
    considered_set = set(considered)
    for drug in sorted(considered_set):
        genes = _drug_genes(kb, drug)
        for gene, cpic in sorted(genes.items()):
            if gene not in needed:
                needed.append(gene)
            state = states.get(gene)
            if state is None or not state.assessed or _indeterminate(state):
                _add_untested(untested, kb, drug, gene, cpic)
        insights.extend(_insights_for_drug(kb, drug, genes, states))
    for gene, (drugs, citations) in sorted(untested.items()):
        if citations:
            state = states.get(gene)
            insights.append(_test_insight(gene, drugs, citations, state if _indeterminate(state) else None))
    for _, state in sorted(states.items()):
        if state.assessed and state.used_phenotype not in _NORMAL | {INDETERMINATE}:
            pre = _preemptive(kb, state, considered_set)
            if pre is not None:
                insights.append(pre)
    return insights, sorted(needed)

"""Test gaps: guideline-recommended testing the record does not show yet, and who offers it.

For each tumor type of the patient (OncoTree, hierarchical), the cited rules of
`knowledge/data/testing/` name the biomarkers to know. Each is compared with the record
(`_gaps_evidence`): tested positive, tested negative or not covered. Only "not covered" (and an
equivocal result that needs a reflex test) becomes a recommendation, so a test already done is never
re-recommended. The missing biomarkers of one tumor are grouped the way a laboratory is ordered: one
NGS panel line listing the genes, one line per stand-alone stain or assay; germline needs across all
diagnoses become one germline testing recommendation with genetic counseling. Every recommendation
lists the catalog tests that close its gaps (`_gaps_catalog`). Germline findings themselves (referral,
cascade testing of relatives) are reported by `match.biomarker`, the one source of germline insights.

Pure: values in, values out; the knowledge (rules and catalog) is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from integrome.knowledge import KnowledgeBase
from integrome.knowledge.catalog import CatalogEntry
from integrome.knowledge.testing import GapKnowledge
from integrome.match._alterations import finding_matches
from integrome.match._gaps_catalog import Ranked, catalog_lines, options, rank
from integrome.match._gaps_evidence import BiomarkerState, Evidence, evaluate
from integrome.match._gaps_stage import StageEvidence, metastatic_status
from integrome.match._scope import tumor_codes
from integrome.match.biomarker import HEREDITARY_CANCER_GENES
from integrome.match.wording import SUMMARY_LIMIT, clamp, describe_finding, unique
from integrome.model import (
    Alteration,
    Assessable,
    Citation,
    CopyNumberFinding,
    GuidelineBiomarker,
    GuidelineRule,
    GuidelineRuleItem,
    Insight,
    PatientProfile,
    VariantFinding,
)
from integrome.model.catalog import Urgency
from integrome.normalize.diseases import ANY, SOLID, OncoTree, oncotree

__all__ = ["GapMatch", "match_gaps", "metastatic_status"]

_NOT_ON_RECORD = "Not on record"
_ON_RECORD = "Already on record, not ordered again"
_PARTLY_ON_RECORD = "Only partly on record"
"""Leads of the per-biomarker rationale lines of a test recommendation."""

_URGENCY_ORDER: tuple[Urgency, ...] = ("routine", "soon", "urgent")
_GERMLINE_SPECIMEN = "blood or saliva"
_LOSS_OF_FUNCTION = Alteration(type="loss_of_function")


@dataclass
class GapMatch:
    insights: list[Insight]
    """new test recommendations (ids left for `rank_insights`)"""
    prior: list[Insight]
    """the insights passed in, PGx genotyping recommendations now with catalog options"""


@dataclass(frozen=True)
class _Need:
    """One biomarker a rule asks for, with the rule's test name and reason."""

    biomarker: GuidelineBiomarker
    item: GuidelineRuleItem
    urgency: Urgency
    citations: tuple[Citation, ...]

    @property
    def test(self) -> str:
        return self.item.test or self.biomarker.test


@dataclass
class _Context:
    evidence: Evidence
    knowledge: GapKnowledge
    kb: KnowledgeBase
    tree: OncoTree
    stage: StageEvidence
    states: dict[str, BiomarkerState] = field(default_factory=dict)

    def state(self, biomarker: GuidelineBiomarker) -> BiomarkerState:
        if biomarker.id not in self.states:
            self.states[biomarker.id] = evaluate(biomarker, self.evidence)
        return self.states[biomarker.id]


@dataclass
class _Plan:
    """What one recommendation holds before it becomes an insight."""

    missing: list[_Need] = field(default_factory=list)
    known: list[_Need] = field(default_factory=list)
    conditional: list[str] = field(default_factory=list)
    rules: list[GuidelineRule] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stage_pending: list[str] = field(default_factory=list)
    """titles of rules for advanced disease that apply only if the unrecorded stage is metastatic"""


def match_gaps(
    profile: PatientProfile, kb: KnowledgeBase, knowledge: GapKnowledge, prior: Sequence[Insight] = ()
) -> GapMatch:
    """Test recommendations for the profile's diagnoses, and catalog options for PGx genotyping."""
    tree = oncotree()
    codes, _ = tumor_codes(profile.patient, tree)
    context = _Context(
        evidence=Evidence.of(profile),
        knowledge=knowledge,
        kb=kb,
        tree=tree,
        stage=metastatic_status(profile.patient),
    )
    insights: list[Insight] = []
    germline = _Plan()
    for code in codes:
        somatic = _Plan()
        for rule in _rules_for(code, knowledge.rules, tree, context.stage):
            _collect(rule, context, somatic, germline)
        if somatic.missing:
            insights.append(_somatic_insight(code, somatic, context))
    _tumor_findings_of_unknown_origin(profile, context, germline)
    if germline.missing:
        insights.append(_germline_insight(germline, codes, context))
    return GapMatch(insights=insights, prior=[_with_pgx_options(i, knowledge.catalog, tree) for i in prior])


# --- rules ---------------------------------------------------------------------------------------


def _specificity(rule: GuidelineRule, code: str, tree: OncoTree) -> int:
    levels = [
        tree.level(disease)
        for disease in rule.diseases
        if disease not in (ANY, SOLID) and tree.is_a(code, disease)
    ]
    return max(levels, default=0)


def _rules_for(
    code: str, rules: Iterable[GuidelineRule], tree: OncoTree, stage: StageEvidence
) -> list[GuidelineRule]:
    """Rules covering this tumor type and stage, most specific first (their test names win)."""
    applicable = [
        rule
        for rule in rules
        if any(tree.is_a(code, disease) for disease in rule.diseases)
        and not any(tree.is_a(code, excluded) for excluded in rule.excluded_diseases)
        and not (rule.applies_when == "metastatic" and stage.status == "not_metastatic")
    ]
    return sorted(applicable, key=lambda rule: (-_specificity(rule, code, tree), rule.id))


def _urgency(rule: GuidelineRule, stage: StageEvidence) -> Urgency:
    """An urgent rule for metastatic disease is 'soon' while the metastatic status is not recorded."""
    if rule.applies_when == "metastatic" and stage.status == "unknown" and rule.urgency == "urgent":
        return "soon"
    return rule.urgency


def _collect(rule: GuidelineRule, context: _Context, somatic: _Plan, germline: _Plan) -> None:
    drivers = [
        context.knowledge.biomarkers[item.biomarker]
        for item in rule.biomarkers
        if item.driver and context.state(context.knowledge.biomarkers[item.biomarker]).status == "positive"
    ]
    for item in rule.biomarkers:
        biomarker = context.knowledge.biomarkers[item.biomarker]
        plan = germline if biomarker.origin == "germline" else somatic
        if any(need.biomarker.id == biomarker.id for need in [*plan.missing, *plan.known]):
            continue
        condition = _condition(item, context)
        if condition is False:
            continue
        if isinstance(condition, str):
            plan.conditional.append(condition)
            continue
        urgency = "routine" if item.driver and drivers else _urgency(rule, context.stage)
        need = _Need(biomarker, item, urgency, tuple(rule.citations))
        state = context.state(biomarker)
        if state.status in ("positive", "not_actionable", "negative", "reported"):
            plan.known.append(need)
        else:
            plan.missing.append(need)
            if rule not in plan.rules:
                plan.rules.append(rule)
            if item.driver and drivers:
                plan.notes.append(
                    f"An oncogenic driver is already known ({', '.join(d.label for d in drivers)}); drivers "
                    "rarely co-occur, so the remaining driver tests complete the profile without urgency"
                )
            if (
                rule.applies_when == "metastatic"
                and context.stage.status == "unknown"
                and rule.title not in plan.stage_pending
            ):
                plan.stage_pending.append(rule.title)


def _condition(item: GuidelineRuleItem, context: _Context) -> bool | str:
    """True when the `when` results are known and match, False when known and different, else a line
    saying what the recommendation waits for."""
    pending: list[str] = []
    for ref, wanted in item.when.items():
        status = context.state(context.knowledge.biomarkers[ref]).status
        if status in ("positive", "negative"):
            if status != wanted:
                return False
        else:
            pending.append(f"{context.knowledge.biomarkers[ref].label} {wanted}")
    if not pending:
        return True
    label = context.knowledge.biomarkers[item.biomarker].label
    reason = f" ({item.note})" if item.note else ""
    return f"{label}{reason}: recommended once {' and '.join(pending)} is known"


# --- insights ------------------------------------------------------------------------------------


def _compress(genes: Sequence[str]) -> list[str]:
    """NTRK1, NTRK2, NTRK3 → NTRK1-3 (how panels and orders name them)."""
    shown = list(genes)
    if all(g in shown for g in ("NTRK1", "NTRK2", "NTRK3")):
        at = shown.index("NTRK1")
        shown = [g for g in shown if g not in ("NTRK1", "NTRK2", "NTRK3")]
        shown.insert(at, "NTRK1-3")
    return shown


def _ngs_line(panel: str, needs: Sequence[_Need]) -> str:
    parts = [part for need in needs for part in need.biomarker.parts]
    genes = _compress(list(dict.fromkeys(p.target for p in parts if p.is_gene)))
    results = list(dict.fromkeys(p.target for p in _needs_results(needs)))
    line = f"{panel} covering {', '.join(genes)}" if genes else panel
    if any(p.kind == "fusion" for p in parts):
        line += " (DNA and RNA for fusions)"
    if results:
        line += f"{',' if genes else ''} with {' and '.join(results)}"
    return line


def _needs_results(needs: Sequence[_Need]) -> list[Assessable]:
    """Named results asked of the NGS panel (MSI, TMB), from each need's first alternative naming one."""
    found: list[Assessable] = []
    for need in needs:
        for alternative in need.biomarker.detect:
            named = [part for part in alternative if part.kind == "result"]
            if named:
                found.extend(named)
                break
    return found


def _test_lines(needs: Sequence[_Need], context: _Context, panel: str, germline: bool) -> list[str]:
    ngs: list[_Need] = []
    named: dict[str, None] = {}
    for need in needs:
        state = context.state(need.biomarker)
        test = need.test
        if state.status == "equivocal" and need.biomarker.reflex_test:
            test = need.biomarker.reflex_test
        if test in ("ngs", "germline"):
            ngs.append(need)
        else:
            named[test] = None
    lines: list[str] = []
    if ngs:
        if germline:
            genes = _compress(list(dict.fromkeys(g for need in ngs for g in need.biomarker.genes)))
            lines.append(
                f"Germline multigene panel covering {', '.join(genes)} ({_GERMLINE_SPECIMEN}), "
                "with genetic counseling"
            )
        else:
            lines.append(_ngs_line(panel, ngs))
    lines.extend(named)
    return lines


def _need_line(need: _Need, context: _Context) -> str:
    """'Not on record: MSI/MMR status (pembrolizumab for MSI-H/dMMR solid tumors)': what is missing and,
    when the rule says, which therapy it would open."""
    state = context.state(need.biomarker)
    note = f" ({need.item.note})" if need.item.note else ""
    if state.status == "equivocal":
        return f"Equivocal, reflex test needed: {need.biomarker.label}{note} — {'; '.join(state.known)}"
    return f"{_NOT_ON_RECORD}: {need.biomarker.label}{note}"


def _known_line(need: _Need, context: _Context) -> str:
    """A guideline biomarker the record already answers, with the result and where it was read."""
    state = context.state(need.biomarker)
    word = {
        "positive": "tested positive",
        "negative": "tested negative",
        "not_actionable": "tested; not actionable as reported",
    }.get(state.status, "tested, result not graded")
    return f"{_ON_RECORD}: {need.biomarker.label} {word} — {'; '.join(state.known)}"


def _citations(plan: _Plan) -> list[Citation]:
    seen: dict[tuple[str, str], Citation] = {}
    for need in plan.missing:
        for citation in need.citations:
            seen.setdefault((citation.source, citation.id), citation)
    return list(seen.values())


def _max_urgency(needs: Iterable[_Need]) -> Urgency:
    return max((need.urgency for need in needs), key=_URGENCY_ORDER.index, default="routine")


def _drugs_at_stake(
    gaps: Sequence[GuidelineBiomarker], codes: Sequence[str], context: _Context
) -> frozenset[str]:
    """Drugs the knowledge base approves or recommends for these biomarkers in these tumor types."""
    drugs: set[str] = set()
    for gap in gaps:
        records = [record for gene in gap.genes for record in context.kb.for_gene(gene)]
        records += [
            record
            for part in gap.parts
            if not part.is_gene
            for record in context.kb.for_biomarker(part.target)
        ]
        for record in records:
            if record.direction != "sensitivity":
                continue
            if not codes or any(context.tree.is_a(code, d) for code in codes for d in record.diseases):
                drugs.update(record.drugs)
    return frozenset(drugs)


def _catalog(
    gaps: Sequence[GuidelineBiomarker], codes: Sequence[str], context: _Context
) -> tuple[list[Ranked], list[str]]:
    ranked = rank(gaps, context.knowledge.catalog, _drugs_at_stake(gaps, codes, context), codes, context.tree)
    return ranked, catalog_lines(gaps, ranked)


def _rationale(plan: _Plan, context: _Context) -> list[str]:
    """What is missing, what is already known, what the plan depends on, then the guideline rules.

    One line per biomarker under a shared lead ('Not on record: …', 'Already on record, not ordered
    again: …'), so each reads as a sentence in the JSON and CDS Hooks cards and the report can list
    them under one heading.
    """
    partly = [
        need
        for need in plan.missing
        if context.state(need.biomarker).status == "not_covered" and context.state(need.biomarker).known
    ]
    lines = [_need_line(need, context) for need in plan.missing if need not in partly]
    lines.extend(
        f"{_PARTLY_ON_RECORD}: {need.biomarker.label} — {'; '.join(context.state(need.biomarker).known)}"
        for need in partly
    )
    lines.extend(caveat for need in plan.missing for caveat in context.state(need.biomarker).caveats)
    lines.extend(_known_line(need, context) for need in plan.known)
    lines.extend(plan.conditional)
    lines.extend(plan.notes)
    if plan.stage_pending:
        rules = " and ".join(f"'{title}'" for title in plan.stage_pending)
        lines.append(
            "Metastatic status is not recorded (no stage IV, metastatic diagnosis or secondary neoplasm): "
            f"{rules} {'applies' if len(plan.stage_pending) == 1 else 'apply'} only if the disease is "
            "advanced or metastatic"
        )
    if context.stage.status == "metastatic" and context.stage.reason:
        lines.append(f"Metastatic disease per {context.stage.reason}")
    lines.extend(f"Guideline basis: {rule.title} — {rule.statement}" for rule in plan.rules)
    return unique(lines)


def _summary(gaps: Sequence[GuidelineBiomarker], ranked: Sequence[Ranked]) -> str:
    """The missing biomarkers by short name and the one catalog test that covers most of them."""
    text = f"Missing: {', '.join(_short_name(gap) for gap in gaps)}"
    if ranked:
        best = ranked[0]
        closed, total = len(best.closed), len(gaps)
        covers = f"{closed} of {total}"
        if closed == total:
            covers = {1: "it", 2: "both"}.get(total, f"all {total}")
        with_test = f"{text}; {best.entry.test.name} covers {covers}."
        if len(with_test) <= SUMMARY_LIMIT:
            return with_test
    return clamp(text + ".")


def _short_name(gap: GuidelineBiomarker) -> str:
    """A biomarker id as a summary names it: 'ERBB2-mutation' → 'ERBB2 mutation', 'PD-L1' kept."""
    return re.sub(r"(?<=[a-z])-|-(?=[a-z])", " ", gap.id)


def _somatic_insight(code: str, plan: _Plan, context: _Context) -> Insight:
    disease = context.tree.name(code)
    gaps = [need.biomarker for need in plan.missing]
    panel = plan.rules[0].panel
    ranked, catalog = _catalog(gaps, [code], context)
    total = len(plan.missing) + len(plan.known)
    urgency = _max_urgency(plan.missing)
    return Insight(
        id="",
        kind="test_recommendation",
        title=f"Guideline biomarker testing for {disease}: {len(gaps)} of {total} not on record",
        summary=_summary(gaps, ranked),
        severity="warning" if urgency == "urgent" else "info",
        genes=list(dict.fromkeys(gene for gap in gaps for gene in gap.genes)),
        tests=_test_lines(plan.missing, context, panel, germline=False),
        rationale=[*_rationale(plan, context), *catalog],
        finding_ids=unique(fid for need in plan.known for fid in context.state(need.biomarker).finding_ids),
        citations=_citations(plan),
        options=options(ranked, len(gaps)),
        urgency=urgency,
        specimen=plan.rules[0].specimen,
    )


def _germline_insight(plan: _Plan, codes: Sequence[str], context: _Context) -> Insight:
    gaps = [need.biomarker for need in plan.missing]
    genes = list(dict.fromkeys(gene for gap in gaps for gene in gap.genes))
    ranked, catalog = _catalog(gaps, codes, context)
    urgency = _max_urgency(plan.missing)
    return Insight(
        id="",
        kind="test_recommendation",
        title=f"Germline testing for hereditary cancer risk: {', '.join(_compress(genes))}",
        summary=clamp(
            "Germline testing recommended with genetic counseling; results guide therapy and testing of "
            "relatives."
        ),
        severity="warning" if urgency == "urgent" else "info",
        genes=genes,
        tests=_test_lines(plan.missing, context, "", germline=True),
        rationale=[
            *_rationale(plan, context),
            "Genetic counseling before and after testing; a pathogenic result leads to cascade testing of "
            "first-degree relatives",
            *catalog,
        ],
        finding_ids=unique(
            fid for need in [*plan.missing, *plan.known] for fid in context.state(need.biomarker).finding_ids
        ),
        citations=_citations(plan),
        options=options(ranked, len(gaps)),
        urgency=urgency,
        specimen=_GERMLINE_SPECIMEN,
    )


def _tumor_findings_of_unknown_origin(profile: PatientProfile, context: _Context, plan: _Plan) -> None:
    """A truncating variant in a cancer-predisposition gene from tumor-only sequencing may be inherited:
    germline testing of that gene is recommended unless a germline result for it is on record."""
    planned = {gene for need in plan.missing for gene in need.biomarker.genes}
    for finding in profile.findings:
        if not (
            isinstance(finding, VariantFinding | CopyNumberFinding)
            and finding.origin == "unknown"
            and finding.gene in HEREDITARY_CANCER_GENES
            and finding_matches(_LOSS_OF_FUNCTION, finding.gene, finding)
        ):
            continue
        gene = finding.gene
        biomarker = GuidelineBiomarker(
            id=f"germline-{gene}-confirmation",
            label=f"Germline {gene} (tumor finding {describe_finding(finding)} of unknown origin)",
            detect=[[Assessable(target=gene, kind="mutation")]],
            origin="germline",
            test="germline",
        )
        state = context.state(biomarker)
        if state.status != "not_covered" or gene in planned:
            continue
        planned.add(gene)
        plan.missing.append(
            _Need(
                biomarker=biomarker,
                item=GuidelineRuleItem(biomarker=biomarker.id),
                urgency="soon",
                citations=(HEREDITARY_CANCER_GENES[gene],),
            )
        )
        plan.notes.append(
            f"{describe_finding(finding)} was reported by tumor sequencing without a germline comparison; "
            "truncating variants in this gene are often inherited"
        )


def _with_pgx_options(insight: Insight, catalog: Sequence[CatalogEntry], tree: OncoTree) -> Insight:
    """PGx genotyping recommendations ('<GENE> genotyping', from match.pgx) get their catalog options."""
    if (
        insight.kind != "test_recommendation"
        or insight.options
        or not insight.tests
        or not all(test.endswith(" genotyping") for test in insight.tests)
    ):
        return insight
    gaps = [
        GuidelineBiomarker(
            id=f"{gene}-genotype",
            label=f"{gene} genotype",
            detect=[[Assessable(target=gene, kind="genotype")]],
            origin="germline",
            test="germline",
        )
        for gene in insight.genes
    ]
    ranked = rank(gaps, catalog, frozenset(insight.drugs), (), tree)
    if not ranked:
        return insight
    return insight.model_copy(
        update={
            "options": options(ranked, len(gaps)),
            "rationale": [*insight.rationale, *catalog_lines(gaps, ranked)],
        }
    )

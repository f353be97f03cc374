"""`analyze(profile, kb)`: the one pure core function (ARCHITECTURE.md).

No files, network, clock or randomness: the timestamp is passed in, so the same profile and
knowledge-base version always give the same analysis. Matchers run in a fixed order; each sees
the profile with the findings annotated by the steps before it. Their insights are then reconciled
(a therapy the PGx engine warns against carries or yields to that warning; a drug a therapy proposes
gets the engine's recommendation for the patient's assessed genes, e.g. avoid fluorouracil in a DPYD
poor metabolizer, or for a tier I therapy the genotyping its CPIC guideline needs, e.g. DPYD before
fluorouracil) before test gaps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import integrome.match.concordance as concordance_matcher
import integrome.match.gaps as gap_matcher
import integrome.match.trials as trial_matcher
from integrome.insights.rank import rank_insights
from integrome.insights.reconcile import pgx_for_proposed, reconcile_pgx
from integrome.knowledge import KnowledgeBase
from integrome.knowledge.diagnostic_fusions import load_diagnostic_fusions
from integrome.knowledge.testing import load_gap_knowledge
from integrome.knowledge.trials import trial_store
from integrome.match.biomarker import match_biomarkers
from integrome.match.diagnostic_fusions import diagnostic_fusion_insights
from integrome.match.pgx import GeneState, match_pgx
from integrome.match.wording import unique
from integrome.model import Analysis, Finding, Insight, PatientProfile, PgxResult

__all__ = ["analyze"]


@dataclass
class _StepResult:
    insights: list[Insight]
    warnings: list[str]
    findings: list[Finding] | None = None
    """Replacement findings (annotated), or None when the step leaves them as they are."""
    pgx: list[PgxResult] = field(default_factory=list)
    pgx_states: dict[str, GeneState] = field(default_factory=dict)


def _biomarkers(profile: PatientProfile, kb: KnowledgeBase) -> _StepResult:
    result = match_biomarkers(profile, kb)
    return _StepResult(result.insights, result.warnings, findings=result.annotated_findings)


def _pharmacogenomics(profile: PatientProfile, kb: KnowledgeBase) -> _StepResult:
    result = match_pgx(profile, kb)
    return _StepResult(result.insights, result.warnings, pgx=result.results, pgx_states=result.states)


def _diagnostic_fusions(profile: PatientProfile, _kb: KnowledgeBase) -> _StepResult:
    # Hallmark fusions (EWSR1::FLI1 → Ewing sarcoma): diagnostic meaning and a check of the
    # recorded diagnosis; the table is packaged-only, like the guideline testing rules.
    return _StepResult(diagnostic_fusion_insights(profile, load_diagnostic_fusions()), [])


_STEPS: tuple[Callable[[PatientProfile, KnowledgeBase], _StepResult], ...] = (
    _biomarkers,
    _diagnostic_fusions,
    _pharmacogenomics,
)


def _trials(profile: PatientProfile, kb: KnowledgeBase, *, as_of: str) -> _StepResult:
    # Last, so trials see KB-annotated findings; ages count on the analysis date (`as_of`).
    result = trial_matcher.match_trials(profile, trial_store(kb), as_of=as_of)
    return _StepResult(result.insights, result.warnings)


def analyze(profile: PatientProfile, kb: KnowledgeBase, *, generated_at: str) -> Analysis:
    """Match the profile against the knowledge base and return ranked, cited insights.

    Warnings are the profile's own followed by each matcher's, without repeats, in that order.
    """
    insights: list[Insight] = []
    warnings = list(profile.warnings)
    pgx: list[PgxResult] = []
    states: dict[str, GeneState] = {}
    trials: Callable[[PatientProfile, KnowledgeBase], _StepResult] = partial(_trials, as_of=generated_at[:10])
    for step in (*_STEPS, trials):
        result = step(profile, kb)
        insights.extend(result.insights)
        warnings.extend(result.warnings)
        pgx.extend(result.pgx)
        states.update(result.pgx_states)
        if result.findings is not None:
            profile = profile.model_copy(update={"findings": result.findings})
    reconciled = reconcile_pgx(insights, pgx)
    insights = reconciled.insights
    warnings.extend(reconciled.warnings)
    proposed = pgx_for_proposed(insights, pgx, kb, states)
    insights = proposed.insights
    pgx = sorted([*pgx, *proposed.pgx], key=lambda result: result.gene)
    # After every matcher: test gaps also give catalog options to the PGx genotyping recommendations.
    gaps = gap_matcher.match_gaps(profile, kb, load_gap_knowledge(kb.extra_dir), insights)
    insights = [*gaps.prior, *gaps.insights]
    # Cross-omics agreement last: its rationale lines go onto every insight built on compared findings.
    layers = concordance_matcher.assess_concordance(profile)
    insights = [*layers.annotate(insights), *layers.insights]
    return Analysis(
        kb_version=kb.version,
        generated_at=generated_at,
        patient=profile.patient,
        findings=profile.findings,
        pgx=pgx,
        insights=rank_insights(
            insights, in_use=[m.name for m in profile.patient.medications if m.status != "stopped"]
        ),
        warnings=unique(warnings),
        inputs=profile.inputs,
        segments=profile.segments,
        expression=profile.expression,
        concordance=layers.concordance,
    )

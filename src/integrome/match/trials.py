"""Clinical trial matching: eligible arms with the criteria met, and near misses with what is missing.

Each arm's criteria tree is evaluated with three values (met / not met / unknown) and Kleene logic:
AND is met when every child is, fails when one fails, else unknown; OR the other way round. Unknown
is not failure: a gene no input tested leaves a criterion unknown, never "not met".

- Eligible: the tree is met.
- Near miss: the tree is not met, but along its most promising path (fewest failures, then fewest
  unknowns) at most `max_failed` criteria fail, none of them the tumor type or sex (the patient
  cannot change those), and the patient meets at least one diagnosis or molecular criterion of the
  path (something ties the trial to this patient); a failed path also needs a molecular criterion met.
- Closed trials and suspended arms are left out unless `include_closed` is set.

Speed: trials are compiled once per store into an index from the patient facts that can satisfy a
"hook" criterion (OncoTree code or ancestor, gene with a finding, tested gene, biomarker) to arms;
a patient evaluates only the arms that one of its facts points to, plus the few arms that could be
met without any hook (e.g. age-only trials). Results are ranked eligible first, then by the number of
molecular criteria met. Pure: values in, values out (the date for ages is passed in).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal
from weakref import WeakKeyDictionary

from integrome.insights.explain import clamp, sentence_case, unique
from integrome.knowledge.sources.ctml import CTML_SOURCE
from integrome.knowledge.trials import TrialStore
from integrome.match._scope import tumor_codes
from integrome.match._trial_criteria import (
    FAILED,
    MET,
    UNKNOWN,
    Leaf,
    LeafResult,
    Node,
    PatientFacts,
    compile_criteria,
    patient_facts,
)
from integrome.model import Citation, Insight, PatientProfile
from integrome.model.trials import Trial, TrialArm
from integrome.normalize.diseases import OncoTree, oncotree

__all__ = [
    "CompiledArm",
    "CompiledTrials",
    "CriterionCheck",
    "TrialMatch",
    "TrialMatchConfig",
    "TrialMatchResult",
    "compile_trials",
    "compiled_store",
    "evaluate_arm",
    "match_trials",
    "trial_insight",
]

_TITLE_LIMIT = 110
_PRELIMINARY = "Preliminary match on coded data: the study team decides eligibility."


@dataclass(frozen=True)
class TrialMatchConfig:
    max_failed: int = 1
    """Criteria a near miss may fail (never the tumor type or sex)."""
    max_near_misses: int = 10
    """Near-miss trials reported at most; the rest are counted in a warning."""
    include_closed: bool = False
    """Report closed trials and suspended arms too (marked as closed)."""


@dataclass(frozen=True)
class CriterionCheck:
    leaf: Leaf
    result: LeafResult


@dataclass(frozen=True)
class _Outcome:
    """A subtree's truth plus the criteria along its most promising path."""

    truth: int
    checks: tuple[CriterionCheck, ...]
    failed: int
    unknown: int
    hard_failed: int
    hooks: int
    molecular: int

    def path_key(self) -> tuple[int, int, int, int, int]:
        """Smaller is more promising: no hard failure, fewer failures, a hook, fewer unknowns."""
        return (self.hard_failed, self.failed, 0 if self.hooks else 1, self.unknown, -self.molecular)


@dataclass(frozen=True)
class TrialMatch:
    """One arm's verdict for the patient, with the criteria met, failed and unknown on its path."""

    trial: Trial
    arm: TrialArm
    verdict: Literal["eligible", "near_miss"]
    met: tuple[CriterionCheck, ...]
    failed: tuple[CriterionCheck, ...]
    unknown: tuple[CriterionCheck, ...]

    @property
    def molecular_met(self) -> int:
        return sum(1 for check in self.met if check.leaf.molecular)

    def rank_key(self) -> tuple[int, int, int, int, str, str]:
        return (
            0 if self.verdict == "eligible" else 1,
            -self.molecular_met,
            len(self.failed),
            len(self.unknown),
            self.trial.id,
            self.arm.id,
        )


@dataclass
class TrialMatchResult:
    insights: list[Insight]
    matches: list[TrialMatch]
    """Best arm per trial, in rank order (all reported trials, before the near-miss limit)."""
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CompiledArm:
    """One arm ready for evaluation: its trial, its compiled criteria and whether it recruits."""

    trial: Trial
    arm: TrialArm
    root: Node
    is_open: bool


class CompiledTrials:
    """Arms compiled for evaluation, indexed by the patient facts that can make them relevant."""

    def __init__(
        self, arms: Sequence[CompiledArm], by_key: dict[str, tuple[int, ...]], always: Sequence[int]
    ):
        self.arms = tuple(arms)
        self._by_key = by_key
        self._always = tuple(always)

    def __len__(self) -> int:
        return len(self.arms)

    def candidates(self, keys: Iterable[str]) -> list[CompiledArm]:
        """Arms that one of `keys` points to, plus arms that need no hook, in store order."""
        found: set[int] = set(self._always)
        for key in keys:
            found.update(self._by_key.get(key, ()))
        return [self.arms[index] for index in sorted(found)]


def compile_trials(trials: Iterable[Trial], tree: OncoTree | None = None) -> CompiledTrials:
    """Compile every arm's criteria and build the hook index (once per trial store)."""
    tree = tree or oncotree()
    arms: list[CompiledArm] = []
    by_key: dict[str, list[int]] = {}
    always: list[int] = []
    for trial in trials:
        for arm in trial.arms:
            root = compile_criteria(arm.criteria, tree)
            index = len(arms)
            arms.append(CompiledArm(trial, arm, root, trial.status != "closed" and arm.status == "open"))
            if _anchored(root):
                for key in _hook_keys(root):
                    by_key.setdefault(key, []).append(index)
            else:
                always.append(index)
    return CompiledTrials(arms, {key: tuple(indexes) for key, indexes in by_key.items()}, always)


_compiled_stores: WeakKeyDictionary[TrialStore, CompiledTrials] = WeakKeyDictionary()


def compiled_store(store: TrialStore) -> CompiledTrials:
    """`compile_trials` of a store, cached for as long as the store lives (stores are cached per KB)."""
    compiled = _compiled_stores.get(store)
    if compiled is None:
        compiled = compile_trials(store.trials)
        _compiled_stores[store] = compiled
    return compiled


def _anchored(node: Node) -> bool:
    """True when every way to satisfy `node` goes through a hook criterion."""
    if isinstance(node, Leaf):
        return bool(node.keys)
    if node.all:
        return any(_anchored(child) for child in node.children)
    return all(_anchored(child) for child in node.children)


def _hook_keys(node: Node) -> set[str]:
    if isinstance(node, Leaf):
        return set(node.keys)
    return set().union(*(_hook_keys(child) for child in node.children))


def _evaluate(node: Node, facts: PatientFacts) -> _Outcome:
    if isinstance(node, Leaf):
        result = node.evaluate(facts)
        return _Outcome(
            truth=result.truth,
            checks=(CriterionCheck(node, result),),
            failed=int(result.truth == FAILED),
            unknown=int(result.truth == UNKNOWN),
            hard_failed=int(result.truth == FAILED and node.hard),
            hooks=int(result.truth == MET and bool(node.keys)),
            molecular=int(result.truth == MET and node.molecular),
        )
    outcomes = [_evaluate(child, facts) for child in node.children]
    if node.all:
        return _Outcome(
            truth=min(o.truth for o in outcomes),
            checks=tuple(check for o in outcomes for check in o.checks),
            failed=sum(o.failed for o in outcomes),
            unknown=sum(o.unknown for o in outcomes),
            hard_failed=sum(o.hard_failed for o in outcomes),
            hooks=sum(o.hooks for o in outcomes),
            molecular=sum(o.molecular for o in outcomes),
        )
    met = [o for o in outcomes if o.truth == MET]
    if met:
        return max(met, key=lambda o: (o.molecular, o.hooks, -len(o.checks)))
    best = min(outcomes, key=_Outcome.path_key)
    return _Outcome(
        truth=max(o.truth for o in outcomes),
        checks=best.checks,
        failed=best.failed,
        unknown=best.unknown,
        hard_failed=best.hard_failed,
        hooks=best.hooks,
        molecular=best.molecular,
    )


def _verdict(outcome: _Outcome, config: TrialMatchConfig) -> Literal["eligible", "near_miss"] | None:
    if outcome.truth == MET:
        return "eligible"
    if outcome.hard_failed or outcome.failed > config.max_failed or not outcome.hooks:
        return None
    if outcome.failed and not outcome.molecular:
        return None
    return "near_miss"


def evaluate_arm(arm: CompiledArm, facts: PatientFacts, config: TrialMatchConfig) -> TrialMatch | None:
    outcome = _evaluate(arm.root, facts)
    verdict = _verdict(outcome, config)
    if verdict is None:
        return None
    by_truth: dict[int, list[CriterionCheck]] = {MET: [], FAILED: [], UNKNOWN: []}
    for check in outcome.checks:
        by_truth[check.result.truth].append(check)
    return TrialMatch(
        arm.trial, arm.arm, verdict, tuple(by_truth[MET]), tuple(by_truth[FAILED]), tuple(by_truth[UNKNOWN])
    )


def match_trials(
    profile: PatientProfile,
    trials: TrialStore | CompiledTrials,
    *,
    as_of: str,
    config: TrialMatchConfig | None = None,
) -> TrialMatchResult:
    """Eligible trials and near misses for the patient, as ranked `trial` insights.

    `as_of` (YYYY-MM-DD) is the date ages are computed for (the analysis date). A store is compiled
    once and cached while it lives.
    """
    config = config or TrialMatchConfig()
    compiled = trials if isinstance(trials, CompiledTrials) else compiled_store(trials)
    if not len(compiled):
        return TrialMatchResult([], [])
    tree = oncotree()
    codes, _ = tumor_codes(profile.patient, tree)
    facts = patient_facts(profile, codes, tree, as_of)
    best: dict[str, tuple[TrialMatch, list[TrialMatch]]] = {}
    for arm in compiled.candidates(facts.keys):
        if not arm.is_open and not config.include_closed:
            continue
        found = evaluate_arm(arm, facts, config)
        if found is None:
            continue
        entry = best.get(arm.trial.id)
        if entry is None:
            best[arm.trial.id] = (found, [found])
        else:
            entry[1].append(found)
            if found.rank_key() < entry[0].rank_key():
                best[arm.trial.id] = (found, entry[1])
    ranked = sorted(best.values(), key=lambda entry: entry[0].rank_key())
    eligible = [entry for entry in ranked if entry[0].verdict == "eligible"]
    near = [entry for entry in ranked if entry[0].verdict == "near_miss"]
    warnings = []
    if len(near) > config.max_near_misses:
        warnings.append(
            f"Clinical trials: {len(near) - config.max_near_misses} more near-miss trials not listed "
            f"(limit {config.max_near_misses})"
        )
    shown = eligible + near[: config.max_near_misses]
    insights = [trial_insight(match, others, facts) for match, others in shown]
    return TrialMatchResult(insights, [match for match, _ in ranked], warnings)


# --- insights -------------------------------------------------------------------------------------


def trial_insight(match: TrialMatch, arms: Sequence[TrialMatch], facts: PatientFacts) -> Insight:
    """One insight per trial, led by its best arm; other matching arms are named in the rationale."""
    trial, arm = match.trial, match.arm
    path = (*match.met, *match.failed, *match.unknown)
    genes = unique(gene for check in path for gene in check.leaf.genes)
    return Insight(
        id="",
        kind="trial",
        title=clamp(f"{trial.id}: {trial.title}", _TITLE_LIMIT),
        summary=_summary(match, facts),
        severity="info",
        genes=genes,
        drugs=list(arm.drugs or trial.drugs),
        tests=unique(check.result.test for check in match.unknown if check.result.test),
        rationale=_rationale(match, arms),
        finding_ids=unique(fid for check in (*match.met, *match.unknown) for fid in check.result.finding_ids),
        citations=_citations(trial),
    )


def _summary(match: TrialMatch, facts: PatientFacts) -> str:
    if match.verdict == "eligible":
        molecular = [check.leaf.label for check in match.met if check.leaf.molecular]
        what = ", ".join(molecular) if molecular else "criteria met"
        where = f" in {facts.codes[0]}" if facts.codes else ""
        return clamp(f"Eligible: {what}{where}")
    parts = []
    if match.failed:
        parts.append("not met: " + "; ".join(c.result.condition or c.leaf.label for c in match.failed))
    if match.unknown:
        parts.append(
            "would match if " + " and ".join(c.result.condition or c.leaf.label for c in match.unknown)
        )
    return clamp("Near miss: " + "; ".join(parts))


def _rationale(match: TrialMatch, arms: Sequence[TrialMatch]) -> list[str]:
    trial, arm = match.trial, match.arm
    heading = f"Arm {arm.id}" + (f" ({arm.title})" if arm.title else "")
    status = "recruiting" if arm.status == "open" and trial.status != "closed" else "closed"
    verdict = "eligible" if match.verdict == "eligible" else "near miss"
    lines = [f"{heading}: {verdict}; {status}"]
    lines.extend(f"Met: {c.leaf.label} ({c.result.reason})" for c in match.met)
    lines.extend(f"Not met: {c.leaf.label} ({c.result.reason})" for c in match.failed)
    lines.extend(f"Unknown: {c.leaf.label} ({c.result.reason})" for c in match.unknown)
    lines.extend(f"Not evaluated by integrome: {note}" for note in arm.not_evaluated)
    others = [other for other in arms if other.arm.id != arm.id]
    if others:
        shown = ", ".join(
            f"{o.arm.id} ({'eligible' if o.verdict == 'eligible' else 'near miss'})"
            for o in sorted(others, key=TrialMatch.rank_key)
        )
        lines.append(f"Other matching arms: {shown}")
    about = [f"phase {trial.phase}"] if trial.phase else []
    sites = [", ".join(part for part in (s.name, s.city, s.country) if part) for s in trial.sites]
    if sites:
        more = f" and {len(sites) - 5} more" if len(sites) > 5 else ""
        about.append("sites: " + "; ".join(sites[:5]) + more)
    if about:
        lines.append(sentence_case(", ".join(about)))
    if trial.status == "unknown":
        lines.append("Recruitment status not stated by the source: check it before referring the patient")
    lines.append(_PRELIMINARY)
    return unique(lines)


def _citations(trial: Trial) -> list[Citation]:
    citations = []
    if trial.nct_id is not None:
        citations.append(
            Citation(
                source="ClinicalTrials.gov",
                id=trial.nct_id,
                url=f"https://clinicaltrials.gov/study/{trial.nct_id}",
            )
        )
    where = f"{trial.source_file}: {trial.id}" if trial.source_file else trial.id
    if trial.source == CTML_SOURCE or trial.nct_id is None:
        citations.append(Citation(source=trial.source, id=where))
    return citations

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

Speed: trials are compiled once per store (equal criteria shared, truth values memoized per
patient) and indexed: an arm that requires a tumor type is filed under those OncoTree codes, other
arms under their "hook" criteria (gene with a finding, tested gene, biomarker), so a patient
evaluates only the arms its facts point to, plus the few that need no hook (age-only trials).
Reasons are worded only for the trials reported. Results are ranked eligible first, then by the
number of molecular criteria met. Pure: values in, values out (the date for ages is passed in).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal
from weakref import WeakKeyDictionary

from integrome.knowledge.sources.ctml import CTML_SOURCE
from integrome.knowledge.trials import TrialStore
from integrome.match._scope import tumor_codes
from integrome.match._trial_criteria import (
    FAILED,
    MET,
    UNKNOWN,
    Compiler,
    Leaf,
    LeafResult,
    Node,
    PatientFacts,
    patient_facts,
)
from integrome.match.wording import clamp, sentence_case, unique
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


_Score = tuple[int, int, int, int, int, int]
"""(truth, failed, unknown, hard failed, hooks met, molecular met) along a subtree's chosen path."""


def _leaf_score(leaf: Leaf, truth: int) -> _Score:
    return (
        truth,
        int(truth == FAILED),
        int(truth == UNKNOWN),
        int(truth == FAILED and leaf.hard),
        int(truth == MET and bool(leaf.keys)),
        int(truth == MET and leaf.molecular),
    )


def _choose(scores: Sequence[_Score]) -> int:
    """The OR child to follow: a met one with the most molecular criteria met, else the most promising
    (no hard failure, fewest failures, a hook met, fewest unknowns, most molecular met); first wins ties."""
    met = [index for index, score in enumerate(scores) if score[0] == MET]
    if met:
        return max(met, key=lambda index: (scores[index][5], scores[index][4]))
    return min(
        range(len(scores)),
        key=lambda i: (scores[i][3], scores[i][1], 0 if scores[i][4] else 1, scores[i][2], -scores[i][5]),
    )


def _score(node: Node, facts: PatientFacts, memo: dict[int, _Score]) -> _Score:
    """Kleene truth of `node` plus the counts along its chosen path; leaf truths memoized per patient.

    An AND stops at its first child with a failed tumor type or sex: such a path is never chosen
    over another, and if it is the only one the arm is neither eligible nor a near miss.
    """
    if isinstance(node, Leaf):
        score = memo.get(node.uid)
        if score is None:
            score = _leaf_score(node, node.judge(facts))
            memo[node.uid] = score
        return score
    if node.all:
        truth, failed, unknown, hard, hooks, molecular = MET, 0, 0, 0, 0, 0
        for child in node.children:
            score = _score(child, facts, memo)
            if score[3]:
                return score
            truth = min(truth, score[0])
            failed += score[1]
            unknown += score[2]
            hooks += score[4]
            molecular += score[5]
        return (truth, failed, unknown, hard, hooks, molecular)
    scores = [_score(child, facts, memo) for child in node.children]
    chosen = scores[_choose(scores)]
    return (max(score[0] for score in scores), *chosen[1:])


def _path(node: Node, facts: PatientFacts, memo: dict[int, _Score]) -> list[Leaf]:
    """The criteria along the path `_score` chose, in tree order."""
    if isinstance(node, Leaf):
        return [node]
    if node.all:
        return [leaf for child in node.children for leaf in _path(child, facts, memo)]
    index = _choose([_score(child, facts, memo) for child in node.children])
    return _path(node.children[index], facts, memo)


@dataclass(frozen=True)
class TrialMatch:
    """One arm's verdict for the patient; the criteria on its path are explained on first access."""

    trial: Trial
    arm: TrialArm
    verdict: Literal["eligible", "near_miss"]
    molecular_met: int
    failed_count: int
    unknown_count: int
    _root: Node = field(repr=False, compare=False)
    _facts: PatientFacts = field(repr=False, compare=False)
    _memo: dict[int, _Score] = field(repr=False, compare=False)

    @cached_property
    def checks(self) -> tuple[CriterionCheck, ...]:
        """The criteria on the arm's chosen path, explained (computed for the trials shown only)."""
        leaves = _path(self._root, self._facts, self._memo)
        return tuple(CriterionCheck(leaf, leaf.explain(self._facts)) for leaf in leaves)

    @property
    def met(self) -> tuple[CriterionCheck, ...]:
        return tuple(check for check in self.checks if check.result.truth == MET)

    @property
    def failed(self) -> tuple[CriterionCheck, ...]:
        return tuple(check for check in self.checks if check.result.truth == FAILED)

    @property
    def unknown(self) -> tuple[CriterionCheck, ...]:
        return tuple(check for check in self.checks if check.result.truth == UNKNOWN)

    def rank_key(self) -> tuple[int, int, int, int, str, str]:
        return (
            0 if self.verdict == "eligible" else 1,
            -self.molecular_met,
            self.failed_count,
            self.unknown_count,
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
    """Arms compiled for evaluation, indexed by the patient facts that can make them relevant.

    Two indexes: for a patient whose tumor type is coded, an arm that requires a tumor type on
    every path is filed under those OncoTree codes (a failed tumor type rules out both eligibility
    and a near miss); for a patient without a coded tumor type, under its molecular hooks (only a
    molecular criterion can then tie the arm to the patient). Arms without such anchors are filed
    under their hook criteria in both, and arms that can be met without any hook are always tried.
    """

    def __init__(
        self,
        arms: Sequence[CompiledArm],
        coded: dict[str, tuple[int, ...]],
        uncoded: dict[str, tuple[int, ...]],
        always: Sequence[int],
    ):
        self.arms = tuple(arms)
        self._coded = coded
        self._uncoded = uncoded
        self._always = tuple(always)

    def __len__(self) -> int:
        return len(self.arms)

    def candidates(self, facts: PatientFacts) -> list[CompiledArm]:
        """The arms worth evaluating for this patient, in store order."""
        index = self._coded if facts.codes else self._uncoded
        found: set[int] = set(self._always)
        for key in facts.keys:
            found.update(index.get(key, ()))
        return [self.arms[position] for position in sorted(found)]


def compile_trials(trials: Iterable[Trial], tree: OncoTree | None = None) -> CompiledTrials:
    """Compile every arm's criteria and build the indexes (once per trial store)."""
    compiler = Compiler(tree or oncotree())
    arms: list[CompiledArm] = []
    coded: dict[str, list[int]] = {}
    uncoded: dict[str, list[int]] = {}
    always: list[int] = []
    for trial in trials:
        for arm in trial.arms:
            root = compiler.compile(arm.criteria)
            position = len(arms)
            arms.append(CompiledArm(trial, arm, root, trial.status != "closed" and arm.status == "open"))
            if not _anchored(root):
                always.append(position)
                continue
            hooks = _hook_keys(root)
            tumor = _required_tumor(root)
            for key in tumor if tumor is not None else hooks:
                coded.setdefault(key, []).append(position)
            for key in hooks:
                if tumor is None or not key.startswith("d:"):
                    uncoded.setdefault(key, []).append(position)
    return CompiledTrials(
        arms,
        {key: tuple(value) for key, value in coded.items()},
        {key: tuple(value) for key, value in uncoded.items()},
        always,
    )


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


def _required_tumor(node: Node) -> frozenset[str] | None:
    """Index keys of tumor types one of which every path of `node` requires (None: no such set)."""
    if isinstance(node, Leaf):
        return node.keys if node.kind == "diagnosis" and node.keys else None
    found = [_required_tumor(child) for child in node.children]
    if node.all:
        known = [keys for keys in found if keys is not None]
        return min(known, key=len) if known else None
    if any(keys is None for keys in found):
        return None
    return frozenset().union(*(keys for keys in found if keys is not None))


def _verdict(score: _Score, config: TrialMatchConfig) -> Literal["eligible", "near_miss"] | None:
    truth, failed, _, hard_failed, hooks, molecular = score
    if truth == MET:
        return "eligible"
    if hard_failed or failed > config.max_failed or not hooks:
        return None
    if failed and not molecular:
        return None
    return "near_miss"


def evaluate_arm(
    arm: CompiledArm, facts: PatientFacts, config: TrialMatchConfig, memo: dict[int, _Score] | None = None
) -> TrialMatch | None:
    """The arm's verdict for the patient, or None when it is neither eligible nor a near miss.

    `memo` shares leaf truths between the arms evaluated for one patient.
    """
    memo = {} if memo is None else memo
    score = _score(arm.root, facts, memo)
    verdict = _verdict(score, config)
    if verdict is None:
        return None
    return TrialMatch(
        arm.trial,
        arm.arm,
        verdict,
        molecular_met=score[5],
        failed_count=score[1],
        unknown_count=score[2],
        _root=arm.root,
        _facts=facts,
        _memo=memo,
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
    memo: dict[int, _Score] = {}
    for arm in compiled.candidates(facts):
        if not arm.is_open and not config.include_closed:
            continue
        found = evaluate_arm(arm, facts, config, memo)
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
    genes = unique(gene for check in match.checks for gene in check.leaf.genes)
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
        where = f" in {oncotree().name(facts.codes[0])}" if facts.codes else ""
        return clamp(f"Eligible on coded data: {what}{where}")
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

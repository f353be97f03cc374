"""Diagnostic meaning of hallmark gene fusions, and whether it fits the recorded diagnosis.

A fusion such as EWSR1::FLI1 carries no therapy but defines Ewing sarcoma (WHO Classification of
Tumours, 5th edition); in a tumor recorded as breast carcinoma it signals a diagnosis to re-check.
Each fusion finding whose 5' and 3' genes match a row of the diagnostic fusion table
(`knowledge.diagnostic_fusions`) becomes one `diagnostic` insight, compared with the patient's
OncoTree-coded diagnoses:

- consistent: a diagnosis is one of the row's tumor types or lies below one (info, tier IA);
- specifies: a diagnosis is broader than the row's tumor type (soft tissue sarcoma → synovial
  sarcoma): the fusion narrows it (info, tier IA);
- no coded diagnosis: stated, graded as for an unknown tumor type (info, tier IIC);
- inconsistent: the recorded diagnosis is neither: "consider reviewing the diagnosis" (warning, no
  tier: the point is the diagnosis, not the grade of the fusion in it).

Orientation matters: only the 5'::3' order of the table matches (the reciprocal FLI1::EWSR1 does
not), and a fusion whose orientation or one partner is unknown matches nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from integrome.knowledge.diagnostic_fusions import DiagnosticFusion, DiagnosticFusionTable
from integrome.match._scope import tumor_codes
from integrome.match.wording import SUMMARY_LIMIT, clamp, describe_finding, finding_place, unique
from integrome.model import Citation, FusionFinding, Insight, PatientProfile, Severity
from integrome.normalize.diseases import OncoTree, oncotree

__all__ = ["diagnostic_fusion_insights"]

Verdict = Literal["consistent", "specifies", "unknown", "inconsistent"]

_ROOT = "TISSUE"
"""OncoTree's root: no diagnosis is coded there, and everything lies below it."""


@dataclass(frozen=True)
class _Comparison:
    verdict: Verdict
    rows: tuple[DiagnosticFusion, ...]
    """The rows the insight stands on: those the diagnosis fits, else every matched row."""
    codes: tuple[str, ...]
    """The patient's OncoTree codes the verdict is about."""


def diagnostic_fusion_insights(profile: PatientProfile, table: DiagnosticFusionTable) -> list[Insight]:
    """One diagnostic insight per oriented fusion (5'::3') that matches the table, in finding order.

    Findings of the same fusion (RNA and DNA calls, two callers) share one insight. Insight ids are
    left empty for `rank_insights`.
    """
    tree = oncotree()
    codes, _ = tumor_codes(profile.patient, tree)
    grouped: dict[tuple[str, str], list[FusionFinding]] = {}
    for finding in profile.findings:
        if not isinstance(finding, FusionFinding):
            continue
        five, three = finding.five_prime, finding.three_prime
        if five is None or three is None or not table.matching(five, three):
            continue
        grouped.setdefault((five, three), []).append(finding)
    return [
        _insight(pair, findings, _compare(table.matching(*pair), codes, tree), tree)
        for pair, findings in grouped.items()
    ]


def _compare(rows: Sequence[DiagnosticFusion], codes: Sequence[str], tree: OncoTree) -> _Comparison:
    ordered = sorted(rows, key=lambda row: row.strength != "defining")
    fitting = [
        (row, code)
        for row in ordered
        for code in codes
        if any(tree.is_a(code, tumor) for tumor in row.tumor_types)
    ]
    if fitting:
        return _Comparison("consistent", _rows(fitting), _codes(fitting))
    narrowed = [
        (row, code)
        for row in ordered
        for code in codes
        if code != _ROOT and any(tree.is_a(tumor, code) for tumor in row.tumor_types)
    ]
    if narrowed:
        return _Comparison("specifies", _rows(narrowed), _codes(narrowed))
    if not codes:
        return _Comparison("unknown", tuple(ordered), ())
    return _Comparison("inconsistent", tuple(ordered), tuple(codes))


def _rows(pairs: Sequence[tuple[DiagnosticFusion, str]]) -> tuple[DiagnosticFusion, ...]:
    return tuple({row.id: row for row, _ in pairs}.values())


def _codes(pairs: Sequence[tuple[DiagnosticFusion, str]]) -> tuple[str, ...]:
    return tuple(unique(code for _, code in pairs))


def _insight(
    pair: tuple[str, str], findings: Sequence[FusionFinding], comparison: _Comparison, tree: OncoTree
) -> Insight:
    fusion = "::".join(pair)
    rows = comparison.rows
    lead = rows[0]
    rationale = [f"{describe_finding(finding)} ({finding_place(finding)})" for finding in findings]
    rationale.append(_verdict_line(fusion, comparison, tree))
    summary = _summary(fusion, comparison, tree)
    if clamp(summary) != summary:
        rationale.append(summary)
    rationale.extend(f"{row.statement} ({row.cited_as})" for row in rows)
    if any(row.strength == "characteristic" for row in rows):
        rationale.append(
            "Characteristic, not defining: the fusion supports the diagnosis but is neither required for it "
            "nor specific to it."
        )
    severity: Severity = "warning" if comparison.verdict == "inconsistent" else "info"
    tier, level = {
        "consistent": ("IA", "A"),
        "specifies": ("IA", "A"),
        "unknown": ("IIC", "C"),
        "inconsistent": (None, None),
    }[comparison.verdict]
    return Insight(
        id="",
        kind="diagnostic",
        title=f"{fusion} fusion — {lead.strength} alteration of {_entities(rows)} ({_cited(rows)})",
        summary=clamp(summary),
        severity=severity,
        genes=list(pair),
        tier=tier,
        evidence_level=level,
        rationale=unique(rationale),
        finding_ids=[finding.id for finding in findings],
        citations=_citations(rows),
    )


def _summary(fusion: str, comparison: _Comparison, tree: OncoTree) -> str:
    """The verdict in one line; an inconsistent diagnosis names both sides when they fit."""
    rows = comparison.rows
    entity = _entities(rows)
    recorded = _recorded(comparison.codes, tree)
    if comparison.verdict == "consistent":
        return f"Consistent with the recorded diagnosis, {recorded}."
    if comparison.verdict == "specifies":
        if rows[0].strength == "defining":
            return f"Specifies the recorded diagnosis, {recorded}, as {entity}."
        return f"Supports {entity} within the recorded diagnosis, {recorded}."
    verb = "defines" if all(row.strength == "defining" for row in rows) else "is characteristic of"
    if comparison.verdict == "unknown":
        return f"No coded diagnosis to compare with; {fusion} {verb} {entity}."
    review = "consider reviewing the diagnosis."
    first = rows[0].entity if len(rows) == 1 else f"{rows[0].entity} and {len(rows) - 1} more"
    candidates = (
        f"Recorded diagnosis is {recorded}; {fusion} {verb} {entity}: {review}",
        f"{fusion} {verb} {entity}: consider reviewing the recorded diagnosis.",
        f"{fusion} {verb} {first}: consider reviewing the recorded diagnosis.",
    )
    return next((text for text in candidates if len(text) <= SUMMARY_LIMIT), candidates[-1])


def _verdict_line(fusion: str, comparison: _Comparison, tree: OncoTree) -> str:
    """How the fusion's tumor types relate to the recorded diagnosis, with OncoTree codes."""
    rows = comparison.rows
    tumors = "; ".join(f"{row.entity} (OncoTree {', '.join(row.tumor_types)})" for row in rows)
    recorded = ", ".join(f"{_name(code, tree)} ({code})" for code in comparison.codes)
    noun = "diagnosis" if len(comparison.codes) == 1 else "diagnoses"
    if comparison.verdict == "consistent":
        return f"Recorded {noun} {recorded} lies within {tumors}."
    if comparison.verdict == "specifies":
        return f"Recorded {noun} {recorded} is broader than {tumors}: the fusion narrows it."
    if comparison.verdict == "unknown":
        return f"No diagnosis maps to an OncoTree tumor type, so none was compared with {fusion}'s: {tumors}."
    return (
        f"Recorded {noun} {recorded} lies outside the tumor types of {fusion}: {tumors}; consider reviewing "
        "the diagnosis."
    )


def _recorded(codes: Sequence[str], tree: OncoTree) -> str:
    return " / ".join(_name(code, tree) for code in codes)


def _name(code: str, tree: OncoTree) -> str:
    """An OncoTree node as prose names a diagnosis: tissue-level nodes by their main type ('Bone Cancer',
    not 'Bone')."""
    if tree.level(code) == 1:
        return tree.main_type(code) or tree.name(code)
    return tree.name(code)


def _entities(rows: Sequence[DiagnosticFusion]) -> str:
    """'Ewing sarcoma', 'A or B', 'A and 2 more' (the rationale names them all)."""
    names = unique(row.entity for row in rows)
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} or {names[1]}"
    return f"{names[0]} and {len(names) - 1} more"


def _cited(rows: Sequence[DiagnosticFusion]) -> str:
    return ", ".join(unique(row.cited_as for row in rows))


def _citations(rows: Sequence[DiagnosticFusion]) -> list[Citation]:
    seen: dict[tuple[str, str], Citation] = {}
    for row in rows:
        for citation in row.citations:
            seen.setdefault((citation.source, citation.id), citation)
    return list(seen.values())

"""Checks an analysis against a case's `expected.json` (the acceptance expectation format).

The format is documented in ../shared/acceptance/README.md; this is integrome's own reading of it,
so that `tests/cases/` runs without the shared folder. Each failed expectation is returned as one
line saying which expectation and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

SEVERITY = {"info": 0, "warning": 1, "critical": 2}
INTERCHANGEABLE_KINDS = {"pgx", "contraindication"}
SYNONYMS: list[set[str]] = [
    {"erbb2", "her2", "her-2", "her2/neu"},
    {"cd274", "pd-l1", "pdl1", "pd l1"},
    {"met", "metex14", "met exon 14", "c-met"},
    {"ngs", "next-generation sequencing", "next generation sequencing", "comprehensive genomic profiling"},
    {"msi", "microsatellite instability", "microsatellite", "msi-h"},
    {"mmr", "mismatch repair", "dmmr", "pmmr", "mismatch-repair"},
    {"brca", "brca1", "brca2", "brca1/2"},
]
ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}


def _clean(text: object) -> str:
    return " ".join(str(text or "").split()).lower()


def _variants(term: str) -> set[str]:
    term = _clean(term)
    for group in SYNONYMS:
        if term in group:
            return group | {term}
    return {term}


def _has_term(term: str, text: str) -> bool:
    """Whole-term search; trailing digits allowed (NTRK matches NTRK1, MET never matches metastatic)."""
    return any(
        re.search(r"(?<![a-z0-9])" + re.escape(v) + r"(?![a-z])", text, flags=re.IGNORECASE)
        for v in _variants(term)
    )


def _drugs(insight: Mapping[str, Any]) -> set[str]:
    names: set[str] = set()
    for entry in insight.get("drugs") or []:
        for part in re.split(r"\s*\+\s*|\s*,\s*|\s+and\s+|\s*/\s*", str(entry)):
            if part.strip():
                names.add(_clean(part))
    return names


def _tier(value: object, evidence: object = None) -> tuple[str, str | None] | None:
    if value is None:
        return None
    text = re.sub(r"TIER|LEVEL|AMP|ASCO|CAP|[\s\-_:/().,]", "", str(value).upper())
    match = re.match(r"^(IV|III|II|I|4|3|2|1)([ABCD])?", text)
    if not match:
        return None
    roman = ROMAN.get(match.group(1), match.group(1))
    letter = match.group(2)
    if letter is None and evidence is not None:
        level = re.match(r"^(?:LEVEL)?\s*([ABCD])$", str(evidence).strip().upper())
        letter = level.group(1) if level else None
    return roman, letter


def _kind_matches(expected: str, actual: object) -> bool:
    expected, got = _clean(expected), _clean(actual)
    if expected in INTERCHANGEABLE_KINDS:
        return got in INTERCHANGEABLE_KINDS
    return expected == got


def matches(item: Mapping[str, Any], insight: Mapping[str, Any], *, forbidden: bool = False) -> bool:
    """True when every field of `item` holds for `insight` (README 'ITEM' semantics)."""
    if "kind" in item and not _kind_matches(item["kind"], insight.get("kind")):
        return False
    title, summary = str(insight.get("title") or ""), str(insight.get("summary") or "")
    if "gene" in item and not (_variants(item["gene"]) & {_clean(g) for g in insight.get("genes") or []}):
        return False
    drugs = _drugs(insight)
    if "drug" in item and not {_clean(d) for d in str(item["drug"]).split("+") if d.strip()} <= drugs:
        return False
    if "test" in item:
        tests = " | ".join(str(t) for t in insight.get("tests") or [])
        haystack = f"{tests}\n{title}" if forbidden else f"{tests}\n{title}\n{summary}"
        if not all(_has_term(word, haystack) for word in str(item["test"]).split()):
            return False
    text = _clean(f"{title}\n{summary}")
    if any(_clean(k) not in text for k in item.get("keywords") or []):
        return False
    if "severity_at_least" in item:
        got = SEVERITY.get(_clean(insight.get("severity")))
        if got is None or got < SEVERITY[_clean(item["severity_at_least"])]:
            return False
    if "tier" in item:
        want, got_tier = _tier(item["tier"]), _tier(insight.get("tier"), insight.get("evidence_level"))
        if want is None or got_tier is None or want[0] != got_tier[0]:
            return False
        if want[1] is not None and want[1] != got_tier[1]:
            return False
    if drugs & {_clean(d) for d in item.get("unless_drugs") or []}:
        return False
    return not any(_clean(k) in text for k in item.get("unless_keywords") or [])


def _found(item: Mapping[str, Any], insights: Sequence[Mapping[str, Any]], *, forbidden: bool) -> bool:
    options = item.get("any_of") or [item]
    return any(matches(sub, ins, forbidden=forbidden) for sub in options for ins in insights)


def _alleles(diplotype: object) -> list[str]:
    text = re.sub(r"\s+", "", str(diplotype or ""))
    parts = [re.sub(r"^[A-Z0-9\-]+(?=\*)", "", p) for p in text.split("/")]
    return sorted(p.lower() for p in parts)


def _pgx_problems(expected: Mapping[str, Any], pgx: Iterable[Mapping[str, Any]]) -> list[str]:
    gene = _clean(expected["gene"])
    entry = next((p for p in pgx if _clean(p.get("gene")) == gene), None)
    if entry is None:
        return [f"pgx {expected['gene']}: no entry"]
    problems = []
    if "diplotype" in expected:
        want = expected["diplotype"]
        if want is None:
            if entry.get("diplotype") not in (None, "") and _clean(entry.get("phenotype")) != "not assessed":
                problems.append(f"pgx {gene}: diplotype {entry.get('diplotype')!r}, expected none")
        else:
            accepted = want if isinstance(want, list) else [want]
            if _alleles(entry.get("diplotype")) not in [_alleles(a) for a in accepted]:
                problems.append(f"pgx {gene}: diplotype {entry.get('diplotype')!r}, expected {accepted}")
    if "phenotype" in expected:
        wanted = expected["phenotype"]
        accepted = wanted if isinstance(wanted, list) else [wanted]

        def norm(p: object) -> str:
            return re.sub(r"[\s_\-]+", " ", _clean(p))

        if norm(entry.get("phenotype")) not in {norm(a) for a in accepted}:
            problems.append(f"pgx {gene}: phenotype {entry.get('phenotype')!r}, expected {accepted}")
    if "activity_score" in expected:
        want_score, got_score = expected["activity_score"], entry.get("activity_score")
        if (want_score is None) != (got_score is None) or (
            want_score is not None and abs(float(got_score) - float(want_score)) > 0.01
        ):
            problems.append(f"pgx {gene}: activity score {got_score!r}, expected {want_score!r}")
    if "assessed" in expected and entry.get("assessed") is not expected["assessed"]:
        problems.append(f"pgx {gene}: assessed {entry.get('assessed')!r}, expected {expected['assessed']!r}")
    return problems


def check(expected: Mapping[str, Any], analysis: Mapping[str, Any]) -> list[str]:
    """All failed expectations of one case, one line each; empty when the case passes."""
    insights = [i for i in analysis.get("insights") or [] if isinstance(i, dict)]
    failures = []
    for item in expected.get("must_include", []):
        if not _found(item, insights, forbidden=False):
            failures.append(f"missing: {item.get('why') or item}")
    for item in expected.get("must_not_include", []):
        if _found(item, insights, forbidden=True):
            failures.append(f"forbidden present: {item.get('why') or item}")
    for item in expected.get("pgx_expected", []):
        failures.extend(_pgx_problems(item, analysis.get("pgx") or []))
    return failures

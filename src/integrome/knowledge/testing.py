"""Guideline testing rules: which biomarkers each diagnosis should have tested, with citations.

`data/testing/biomarkers.yaml` defines each guideline biomarker once (what detects it, which test
orders it); the other files hold rules per tumor type (OncoTree codes, descendants included) that
name those biomarkers. Together with the test catalog they make the `GapKnowledge` the gaps matcher
reads. The format is documented in `data/testing/README.md`; every problem is a
`KnowledgeBaseError` naming the file, line, record and field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from integrome.errors import KnowledgeBaseError
from integrome.knowledge.catalog import (
    CatalogEntry,
    check_assessable,
    check_diseases,
    load_catalog,
    packaged_files,
    read_yaml,
    yaml_records,
)
from integrome.model.catalog import GuidelineBiomarker, GuidelineRule

__all__ = ["TESTING_DIR", "GapKnowledge", "load_gap_knowledge", "parse_testing_files"]

TESTING_DIR = "testing"
_TOP_KEYS = {"source", "defaults", "biomarkers", "rules"}


@dataclass(frozen=True)
class GapKnowledge:
    """Guideline biomarkers by id, the rules that ask for them, and the test catalog."""

    biomarkers: Mapping[str, GuidelineBiomarker]
    rules: tuple[GuidelineRule, ...]
    catalog: tuple[CatalogEntry, ...]


@dataclass(frozen=True)
class _Parsed:
    name: str
    biomarkers: tuple[tuple[GuidelineBiomarker, str], ...]
    rules: tuple[tuple[GuidelineRule, str], ...]


def parse_testing_files(
    named: Sequence[tuple[str, str]],
) -> tuple[dict[str, GuidelineBiomarker], list[GuidelineRule]]:
    """Validate testing files (name, text) together: records, then ids and references across files."""
    return _check([_parse(text, name) for name, text in named])


def _parse(text: str, name: str) -> _Parsed:
    document, lines = read_yaml(text, name)
    if not isinstance(document, dict):
        raise KnowledgeBaseError(f"{name}: expected a mapping with 'biomarkers' and/or 'rules' at the top")
    unknown = sorted(set(document) - _TOP_KEYS)
    if unknown:
        raise KnowledgeBaseError(f"{name}: unknown top-level key(s) {unknown}; expected {sorted(_TOP_KEYS)}")
    defaults = document.get("defaults", {})
    if not isinstance(defaults, dict):
        raise KnowledgeBaseError(f"{name}: defaults: expected a mapping of values shared by all rules")
    biomarkers = yaml_records(document, lines, name, "biomarkers", GuidelineBiomarker, {})
    rules = yaml_records(document, lines, name, "rules", GuidelineRule, defaults)
    return _Parsed(name, tuple(biomarkers), tuple(rules))


def _check(parsed: list[_Parsed]) -> tuple[dict[str, GuidelineBiomarker], list[GuidelineRule]]:
    """Ids unique, references resolvable, vocabularies known: a rule that could never fire is an error."""
    biomarkers: dict[str, GuidelineBiomarker] = {}
    first: dict[str, str] = {}
    for part in parsed:
        for biomarker, where in part.biomarkers:
            if biomarker.id in biomarkers:
                raise KnowledgeBaseError(
                    f"{where}: duplicate biomarker id, first defined at {first[biomarker.id]}"
                )
            for index, alternative in enumerate(biomarker.detect):
                for assessable in alternative:
                    check_assessable(assessable, f"{where}: detect.{index}")
            biomarkers[biomarker.id] = biomarker
            first[biomarker.id] = where
    rules: list[GuidelineRule] = []
    seen: dict[str, str] = {}
    for part in parsed:
        for rule, where in part.rules:
            if rule.id in seen:
                raise KnowledgeBaseError(f"{where}: duplicate rule id, first defined at {seen[rule.id]}")
            seen[rule.id] = where
            check_diseases(rule.diseases, f"{where}: diseases")
            check_diseases(rule.excluded_diseases, f"{where}: excluded_diseases")
            for index, item in enumerate(rule.biomarkers):
                for ref in [item.biomarker, *item.when]:
                    if ref not in biomarkers:
                        raise KnowledgeBaseError(
                            f"{where}: biomarkers.{index}: unknown biomarker id {ref!r}; define it in "
                            f"{TESTING_DIR}/biomarkers.yaml"
                        )
                target = biomarkers[item.biomarker]
                if item.test is not None and (item.test == "germline") != (target.origin == "germline"):
                    raise KnowledgeBaseError(
                        f"{where}: biomarkers.{index}: test {item.test!r} does not fit the {target.origin} "
                        f"biomarker {target.id!r}"
                    )
            rules.append(rule)
    return biomarkers, rules


@cache
def _guidelines(
    named: tuple[tuple[str, bytes], ...],
) -> tuple[dict[str, GuidelineBiomarker], list[GuidelineRule]]:
    return parse_testing_files([(name, data.decode("utf-8")) for name, data in named])


def load_gap_knowledge(extra_dir: Path | None = None) -> GapKnowledge:
    """The packaged guideline testing rules and the test catalog (with `extra_dir`'s imported catalogs)."""
    biomarkers, rules = _guidelines(packaged_files(TESTING_DIR))
    return GapKnowledge(biomarkers=biomarkers, rules=tuple(rules), catalog=load_catalog(extra_dir))

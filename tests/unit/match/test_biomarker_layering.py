"""Biomarker matching imports no later stage (STYLE.md: later stages import earlier ones, never the
reverse); tiering and wording live in match/ and the insights stage re-exports them."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import integrome.match
from integrome.insights import explain, tiering
from integrome.match import tiering as match_tiering
from integrome.match import wording

MATCH = Path(integrome.match.__file__).parent
LATER_STAGES = (
    "integrome.insights",
    "integrome.deliver",
    "integrome.api",
    "integrome.cli",
    "integrome.batch",
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("module", ["biomarker", "_alterations", "_scope", "tiering", "wording"])
def test_biomarker_matching_module_imports_no_later_stage(module: str) -> None:
    later = {name for name in _imports(MATCH / f"{module}.py") if name.startswith(LATER_STAGES)}
    assert later == set()


def test_insights_reexports_the_same_tiering_and_wording_functions() -> None:
    assert tiering.assign_tier is match_tiering.assign_tier
    assert tiering.tier_rank is match_tiering.tier_rank
    assert explain.describe_finding is wording.describe_finding
    assert explain.clamp is wording.clamp

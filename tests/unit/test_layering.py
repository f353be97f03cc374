"""Imports point one way, along the data flow (STYLE.md section 3): a stage may import earlier
stages, never later ones, so each folder can be reused and tested without what comes after it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import integrome

PACKAGE = Path(integrome.__file__).parent
RANK = {
    "model": 0,
    "errors": 0,
    "settings": 0,
    "normalize": 1,
    "ingest": 2,
    "knowledge": 2,
    "match": 3,
    "insights": 4,
    "deliver": 5,
    "storage": 5,
    "pipeline": 6,
    "examples": 6,
    "api": 7,
    "batch": 7,
    "cli": 8,
}
"""Same-rank folders are independent (ingest never needs the knowledge base, nor the reverse);
`cli` sits last because `integrome serve` starts the API."""


def _stage(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "integrome" or len(parts) < 2:
        return None
    return parts[1]


def _imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE or p.name != "__init__.py")


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_no_later_stage(path: Path) -> None:
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    own_rank = RANK[own]
    later = sorted(
        name
        for name in _imported(path)
        if (stage := _stage(name)) is not None and stage != own and RANK[stage] >= own_rank > 0
    )
    assert later == [], f"{path.relative_to(PACKAGE)} imports a same-or-later stage: {later}"

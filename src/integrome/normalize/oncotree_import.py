"""Import an OncoTree release (MSKCC / cBioPortal, CC BY 4.0) into the flat table integrome ships.

OncoTree publishes each release as nested JSON (`trees/oncotree_<date>.json` in
github.com/cBioPortal/oncotree): `{code: {code, name, mainType, tissue, parent, level, history,
precursors, revocations, externalReferences: {NCI: [...], UMLS: [...]}, children: {...}}}`.
`import_oncotree_json` flattens it; `write_oncotree_tsv` writes `normalize/data/oncotree.tsv`
sorted by code so regeneration is deterministic:

    write_oncotree_tsv(import_oncotree_json(path), out, "oncotree_2025_10_03")
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integrome.errors import InputError

__all__ = ["OncoTreeRow", "import_oncotree_json", "write_oncotree_tsv"]

_COLUMNS = (
    "code",
    "parent",
    "name",
    "main_type",
    "tissue",
    "level",
    "nci",
    "umls",
    "history",
    "precursors",
    "revocations",
)


@dataclass(frozen=True)
class OncoTreeRow:
    """One OncoTree node, flattened. Legacy codes: history (renamed), precursors (merged), revocations."""

    code: str
    parent: str | None
    name: str
    main_type: str | None
    tissue: str | None
    level: int
    nci: tuple[str, ...] = ()
    umls: tuple[str, ...] = ()
    history: tuple[str, ...] = ()
    precursors: tuple[str, ...] = ()
    revocations: tuple[str, ...] = ()


def _strings(node: Mapping[str, Any], key: str, path: Path, pointer: str) -> tuple[str, ...]:
    value = node.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(path, f"{pointer}/{key}", f"expected a list of strings, found {value!r}")
    return tuple(value)


def _row(node: Any, path: Path, pointer: str) -> OncoTreeRow:
    if not isinstance(node, dict):
        raise InputError(path, pointer, f"expected an OncoTree node object, found {type(node).__name__}")
    for key in ("code", "name", "level", "children"):
        if key not in node:
            raise InputError(path, pointer, f"expected OncoTree node field {key!r}")
    if not isinstance(node["code"], str) or not isinstance(node["level"], int):
        raise InputError(path, pointer, "expected a string code and an integer level")
    refs = node.get("externalReferences") or {}
    if not isinstance(refs, dict):
        raise InputError(path, f"{pointer}/externalReferences", "expected an object")
    return OncoTreeRow(
        code=node["code"],
        parent=node.get("parent"),
        name=node["name"],
        main_type=node.get("mainType"),
        tissue=node.get("tissue"),
        level=node["level"],
        nci=_strings(refs, "NCI", path, f"{pointer}/externalReferences"),
        umls=_strings(refs, "UMLS", path, f"{pointer}/externalReferences"),
        history=_strings(node, "history", path, pointer),
        precursors=_strings(node, "precursors", path, pointer),
        revocations=_strings(node, "revocations", path, pointer),
    )


def import_oncotree_json(path: Path) -> list[OncoTreeRow]:
    """Every node of a release JSON, sorted by code; InputError gives the JSON pointer of a bad node."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(path, None, f"expected OncoTree release JSON ({exc})") from exc
    if not isinstance(document, dict) or not document:
        raise InputError(path, "/", "expected an object keyed by the root code (TISSUE)")
    rows: list[OncoTreeRow] = []
    stack: list[tuple[Any, str]] = [(node, f"/{code}") for code, node in document.items()]
    while stack:
        node, pointer = stack.pop()
        row = _row(node, path, pointer)
        rows.append(row)
        children = node["children"]
        if not isinstance(children, dict):
            raise InputError(path, f"{pointer}/children", "expected an object of child nodes")
        stack.extend((child, f"{pointer}/children/{code}") for code, child in children.items())
    codes = [r.code for r in rows]
    if len(set(codes)) != len(codes):
        raise InputError(path, "/", "expected each OncoTree code once; found duplicates")
    return sorted(rows, key=lambda r: r.code)


def _cell(value: str | int | tuple[str, ...] | None) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "|".join(value)
    return str(value)


def write_oncotree_tsv(rows: Iterable[OncoTreeRow], out: Path, release: str) -> None:
    """Write the flat table with its CC BY 4.0 attribution header."""
    lines = [
        f"# OncoTree release {release}. Source: MSKCC / cBioPortal OncoTree (oncotree.mskcc.org), CC BY 4.0.",
        "# Flattened from the release JSON; nci/umls/history/precursors/revocations are |-separated.",
        "\t".join(_COLUMNS),
    ]
    lines += ["\t".join(_cell(getattr(row, column)) for column in _COLUMNS) for row in rows]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")

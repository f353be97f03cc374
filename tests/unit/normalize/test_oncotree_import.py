"""OncoTree release JSON importer and the packaged table derived from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrome.errors import InputError
from integrome.normalize.diseases import ONCOTREE_RELEASE
from integrome.normalize.oncotree_import import import_oncotree_json, write_oncotree_tsv

PACKAGED = Path(__file__).parents[3] / "src" / "integrome" / "normalize" / "data" / "oncotree.tsv"


@pytest.mark.shared
def test_packaged_table_equals_import_of_the_shared_release(shared_data: Path, tmp_path: Path) -> None:
    rows = import_oncotree_json(shared_data / "oncotree" / f"{ONCOTREE_RELEASE}.json")
    out = tmp_path / "oncotree.tsv"
    write_oncotree_tsv(rows, out, ONCOTREE_RELEASE)
    assert len(rows) == 898
    assert out.read_text(encoding="utf-8") == PACKAGED.read_text(encoding="utf-8")


def _node(
    code: str, parent: str | None, level: int, children: dict[str, object] | None = None
) -> dict[str, object]:
    return {
        "code": code,
        "name": code.title(),
        "mainType": None,
        "tissue": None,
        "parent": parent,
        "level": level,
        "history": [],
        "precursors": [],
        "revocations": [],
        "externalReferences": {"NCI": ["C1"]} if parent else {},
        "children": children or {},
    }


def test_nested_tree_is_flattened_and_sorted(tmp_path: Path) -> None:
    path = tmp_path / "tree.json"
    tree = {"TISSUE": _node("TISSUE", None, 0, {"B": _node("B", "TISSUE", 1), "A": _node("A", "TISSUE", 1)})}
    path.write_text(json.dumps(tree), encoding="utf-8")
    rows = import_oncotree_json(path)
    assert [r.code for r in rows] == ["A", "B", "TISSUE"]
    assert rows[0].parent == "TISSUE"
    assert rows[0].nci == ("C1",)


def test_node_without_level_names_its_json_pointer(tmp_path: Path) -> None:
    path = tmp_path / "tree.json"
    child = _node("A", "TISSUE", 1)
    del child["level"]
    path.write_text(json.dumps({"TISSUE": _node("TISSUE", None, 0, {"A": child})}), encoding="utf-8")
    with pytest.raises(InputError, match="/TISSUE/children/A: expected OncoTree node field 'level'"):
        import_oncotree_json(path)


def test_invalid_json_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "tree.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="expected OncoTree release JSON"):
        import_oncotree_json(path)

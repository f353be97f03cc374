"""`integrome kb import catalog FILE`: validate, copy into the KB folder, take effect in analyses."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrome.cli.main import main
from integrome.errors import KnowledgeBaseError
from integrome.knowledge import load_knowledge_base
from integrome.knowledge.catalog import import_catalog, load_catalog

CATALOG = """\
schema: integrome.catalog/1
version: "2026.1"
name: Regional lab catalog
providers:
  - id: regional
    name: Example Regional Lab (fictional)
    country: DE
    accreditation: [ISO 15189]
    example: true
tests:
  - id: regional-lung-panel
    name: Regional Lung Panel (fictional)
    provider: regional
    method: ngs_panel
    origin: somatic
    specimens: [tumor tissue (FFPE)]
    genes: [EGFR, KRAS, BRAF]
    fusions: [ALK, ROS1]
    turnaround_days: 5
    example: true
"""


def write(path: Path, text: str = CATALOG) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_copies_the_catalog_and_load_layers_it_over_the_example(tmp_path: Path) -> None:
    source = write(tmp_path / "regional.yaml")
    kb_dir = tmp_path / "kb"
    imported = import_catalog(source, kb_dir)
    assert imported.path == kb_dir / "catalog" / "regional.yaml"
    assert imported.path.read_bytes() == source.read_bytes()
    assert not imported.replaced
    ids = [entry.test.id for entry in load_catalog(kb_dir)]
    assert "regional-lung-panel" in ids
    assert "foundationone-cdx" in ids


def test_reimport_updates_the_laboratory_tests(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    import_catalog(write(tmp_path / "regional.yaml"), kb_dir)
    updated = write(tmp_path / "regional.yaml", CATALOG.replace("turnaround_days: 5", "turnaround_days: 3"))
    assert import_catalog(updated, kb_dir).replaced
    (panel,) = [e.test for e in load_catalog(kb_dir) if e.test.id == "regional-lung-panel"]
    assert panel.turnaround_days == 3


def test_imported_test_with_a_packaged_id_replaces_it(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    renamed = CATALOG.replace("id: regional-lung-panel", "id: example-mmr-ihc")
    import_catalog(write(tmp_path / "override.yaml", renamed), kb_dir)
    (entry,) = [e for e in load_catalog(kb_dir) if e.test.id == "example-mmr-ihc"]
    assert entry.test.name == "Regional Lung Panel (fictional)"
    assert entry.source.endswith("override.yaml")


def test_import_changes_the_knowledge_base_version(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    before = load_knowledge_base(kb_dir).version
    import_catalog(write(tmp_path / "regional.yaml"), kb_dir)
    assert load_knowledge_base(kb_dir).version != before


def test_invalid_catalog_writes_nothing(tmp_path: Path) -> None:
    source = write(
        tmp_path / "bad.yaml", CATALOG.replace("genes: [EGFR, KRAS, BRAF]", "genes: [EGFR, K-RAS]")
    )
    kb_dir = tmp_path / "kb"
    with pytest.raises(
        KnowledgeBaseError, match=r"bad.yaml: line 11: tests\[0\] \(regional-lung-panel\): genes"
    ):
        import_catalog(source, kb_dir)
    assert not kb_dir.exists()


def test_unsupported_file_type_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(
        KnowledgeBaseError, match=r"expected a catalog file ending in .yaml, .yml, .json, found '.csv'"
    ):
        import_catalog(write(tmp_path / "catalog.csv"), tmp_path / "kb")


def test_cli_imports_a_valid_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kb_dir = tmp_path / "kb"
    code = main(["kb", "import", "catalog", str(write(tmp_path / "regional.yaml")), "--kb-dir", str(kb_dir)])
    assert code == 0
    out = capsys.readouterr().out
    assert "imported catalog 'Regional lab catalog' version 2026.1 (1 tests, 1 providers)" in out
    assert (kb_dir / "catalog" / "regional.yaml").is_file()


def test_cli_rejects_an_invalid_catalog_with_one_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path / "bad.yaml", CATALOG.replace("country: DE", "country: Germany"))
    code = main(["kb", "import", "catalog", str(source), "--kb-dir", str(tmp_path / "kb")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert "bad.yaml: line 5: providers[0] (regional): country" in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "kb" / "catalog").exists()

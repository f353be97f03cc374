"""`integrome kb info`: the knowledge base actually loaded, as text or JSON."""

from __future__ import annotations

import pytest

from integrome.cli.kb import info_lines
from integrome.cli.main import main
from integrome.knowledge import KbInfo, load_knowledge_base


def test_kb_info_json_is_the_loaded_knowledge_base(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "info", "--json"]) == 0
    shown = KbInfo.model_validate_json(capsys.readouterr().out)
    assert shown == load_knowledge_base().info()


def test_kb_info_text_starts_with_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "info"]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"version: {load_knowledge_base().version}"


def test_info_lines_render_counts_maps_and_records() -> None:
    kb_info = load_knowledge_base().info()
    lines = info_lines(kb_info)
    assert f"biomarkers: {kb_info.biomarkers}" in lines
    assert any(line.startswith("by evidence level: ") for line in lines)
    files = lines.index("files:")
    assert lines[files + 1].startswith(f"  {kb_info.files[0].name}  ")


def test_kb_dir_that_does_not_exist_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kb", "info", "--kb-dir", "/nonexistent/kb"]) == 2
    assert "/nonexistent/kb" in capsys.readouterr().err

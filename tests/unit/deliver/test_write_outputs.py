"""`write_outputs`: every requested file or none, and an existing folder keeps its other files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrome.errors import ConfigError, DeliveryError
from integrome.model import Analysis
from integrome.pipeline import check_formats, write_outputs


def test_new_folder_receives_the_requested_files(analysis: Analysis, tmp_path: Path) -> None:
    out = tmp_path / "reports" / "patient-1"
    written = write_outputs(analysis, out, {"html", "json"})
    assert written == [out / "analysis.json", out / "report.html"]
    assert sorted(p.name for p in out.iterdir()) == ["analysis.json", "report.html"]
    assert json.loads((out / "analysis.json").read_text())["schema"] == "integrome.analysis/1"
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_no_staging_folder_is_left_behind(analysis: Analysis, tmp_path: Path) -> None:
    write_outputs(analysis, tmp_path / "out", {"json"})
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_existing_folder_keeps_other_files_and_gets_new_outputs(analysis: Analysis, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("kept")
    (out / "analysis.json").write_text("old")
    write_outputs(analysis, out, {"json"})
    assert (out / "notes.txt").read_text() == "kept"
    assert json.loads((out / "analysis.json").read_text())["kb_version"] == analysis.kb_version


def test_folder_in_the_way_of_an_output_fails_before_writing(analysis: Analysis, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "report.html").mkdir(parents=True)
    with pytest.raises(DeliveryError, match="a folder is in the way of the html output"):
        write_outputs(analysis, out, {"json", "html"})
    assert sorted(p.name for p in out.iterdir()) == ["report.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_output_path_that_is_a_file_is_refused(analysis: Analysis, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.write_text("a file")
    with pytest.raises(DeliveryError, match="is not a folder"):
        write_outputs(analysis, out, {"json"})
    assert out.read_text() == "a file"


def test_unknown_format_is_rejected_with_the_supported_list(analysis: Analysis, tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"unsupported output format: xml \(supported formats: json, html, pdf, fhir\)"
    ):
        write_outputs(analysis, tmp_path / "out", {"json", "xml"})
    assert not (tmp_path / "out").exists()


def test_formats_come_back_in_a_fixed_order() -> None:
    assert check_formats({"pdf", "json", "html"}) == ["json", "html", "pdf"]


def test_empty_format_list_is_rejected() -> None:
    with pytest.raises(ConfigError, match="unsupported output format: none"):
        check_formats(set())

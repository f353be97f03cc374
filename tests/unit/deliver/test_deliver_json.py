"""Analysis JSON: written in the contract shape, read back only when it validates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrome.deliver import dump_analysis, read_analysis
from integrome.errors import InputError
from integrome.model import Analysis


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "analysis.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_analysis_json_round_trips_through_read_analysis(analysis: Analysis, tmp_path: Path) -> None:
    path = _write(tmp_path, dump_analysis(analysis))
    assert read_analysis(path) == analysis


def test_dumped_json_uses_contract_schema_key(analysis: Analysis) -> None:
    document = json.loads(dump_analysis(analysis))
    assert document["schema"] == "integrome.analysis/1"
    assert "schema_" not in document


def test_json_syntax_error_names_line_and_column(analysis: Analysis, tmp_path: Path) -> None:
    text = dump_analysis(analysis).replace('"kb_version"', "kb_version", 1)
    path = _write(tmp_path, text)
    with pytest.raises(InputError, match=r"analysis\.json:line 3 column 3: expected analysis JSON"):
        read_analysis(path)


def test_invalid_field_is_reported_with_its_json_pointer(analysis: Analysis, tmp_path: Path) -> None:
    document = json.loads(dump_analysis(analysis))
    document["findings"][0]["vaf"] = 1.7
    path = _write(tmp_path, json.dumps(document))
    with pytest.raises(InputError) as caught:
        read_analysis(path)
    assert caught.value.location == "/findings/0/vaf"


def test_missing_member_is_reported_with_its_json_pointer(analysis: Analysis, tmp_path: Path) -> None:
    document = json.loads(dump_analysis(analysis))
    del document["kb_version"]
    path = _write(tmp_path, json.dumps(document))
    with pytest.raises(InputError) as caught:
        read_analysis(path)
    assert caught.value.location == "/kb_version"


def test_other_schema_is_rejected(analysis: Analysis, tmp_path: Path) -> None:
    document = json.loads(dump_analysis(analysis))
    document["schema"] = "integrome.profile/1"
    path = _write(tmp_path, json.dumps(document))
    with pytest.raises(InputError, match=r":/schema: not a valid integrome\.analysis/1 document"):
        read_analysis(path)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_analysis(tmp_path / "absent.json")


def test_binary_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "analysis.json"
    path.write_bytes(b"\x1f\x8b\x08\x00\xff\xfe")
    with pytest.raises(InputError, match="expected UTF-8 text"):
        read_analysis(path)

"""Analysis JSON (schema `integrome.analysis/1`): the public document other tools read.

Reading validates against the model, so a hand-edited or foreign file fails with the JSON
pointer of the first offending field instead of surfacing later as a rendering error.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from integrome.errors import InputError
from integrome.model import SCHEMA, Analysis

__all__ = ["dump_analysis", "read_analysis"]


def dump_analysis(analysis: Analysis) -> str:
    """The contract JSON text, newline-terminated so the file is a well-formed text file."""
    return analysis.to_json() + "\n"


def read_analysis(path: Path) -> Analysis:
    """Load and validate an analysis JSON file; any problem is an `InputError` naming the place."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(path, None, "file not found") from exc
    except UnicodeDecodeError as exc:
        raise InputError(path, f"byte {exc.start}", "expected UTF-8 text (analysis JSON)") from exc
    except OSError as exc:
        raise InputError(path, None, f"cannot read file: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            path, f"line {exc.lineno} column {exc.colno}", f"expected analysis JSON: {exc.msg}"
        ) from exc
    try:
        return Analysis.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(
            path, _json_pointer(data, first["loc"]), f"not a valid {SCHEMA} document: {first['msg']}"
        ) from exc


def _json_pointer(data: object, loc: tuple[int | str, ...]) -> str:
    """RFC 6901 pointer for a pydantic error location.

    Pydantic inserts the union tag ('variant') into locations inside discriminated unions; such
    parts name no member of the document and are skipped (a missing last member is kept).
    """
    parts: list[str] = []
    node = data
    for index, part in enumerate(loc):
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_dict or in_list:
            node = node[part]  # type: ignore[index]
        elif index < len(loc) - 1:
            continue
        parts.append(str(part).replace("~", "~0").replace("/", "~1"))
    return "/" + "/".join(parts)

"""Reading a UTF-8 text input (clinical note, outside-call TSV) with errors that say where.

Both formats are plain text a person may have typed or exported from an EHR, so the two usual
breakages get precise messages: bytes that are not UTF-8 (a Windows-1252 export) name the line
and byte offset, and an empty file says so instead of yielding an empty profile.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from integrome.errors import InputError
from integrome.model import InputDocument

__all__ = ["read_utf8", "text_document"]


def read_utf8(path: Path) -> tuple[str, bytes]:
    """The decoded text (BOM dropped, newlines kept) and the raw bytes of `path`.

    Undecodable bytes raise `InputError` naming the line and byte offset of the first bad byte.
    Errors name the file without its directories, like every provenance string.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path.name, None, f"cannot read the file ({exc.strerror or exc})") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise InputError(
            path.name, f"line {line}", f"expected UTF-8 text, found byte 0x{bad} at byte offset {exc.start}"
        ) from exc
    return text, data


def text_document(path: Path, data: bytes, fmt: Literal["notes", "outside_calls"]) -> InputDocument:
    """The `InputDocument` record of a text input (file name only, never its directories)."""
    return InputDocument(name=path.name, format=fmt, sha256=hashlib.sha256(data).hexdigest(), size=len(data))

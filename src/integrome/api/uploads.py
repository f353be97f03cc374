"""Request bodies streamed to a private temp folder, with a size limit, before anything is parsed.

A WGS VCF is gigabytes: the body is never held in memory, and the limit is enforced while
streaming (and up front from `Content-Length`), so an oversized upload costs at most the limit in
disk and ends in 413. Two body types are accepted (ARCHITECTURE.md, HTTP contract): a FHIR Bundle
as JSON, or `multipart/form-data` with one or more `files` parts. File names are reduced to a
safe base name; the content decides the format later (ingest.detect).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from fastapi import HTTPException, Request

from integrome.api.problems import PayloadTooLargeError

__all__ = [
    "JSON_TYPES",
    "MAX_FILES",
    "STALE_AFTER",
    "Upload",
    "UploadedFile",
    "receive_upload",
    "remove_stale",
]

JSON_TYPES = ("application/json", "application/fhir+json")
MAX_FILES = 20
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
STALE_AFTER = 24 * 3600
"""Seconds after which a scratch folder is left over from a crash: raw patient files must not
linger, and no request or job runs this long."""


@dataclass(frozen=True)
class UploadedFile:
    path: Path
    size: int
    sha256: str


@dataclass
class Upload:
    """Files of one request in a folder the caller must `discard` (or hand to a job that will)."""

    folder: Path
    files: list[UploadedFile] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def safe_name(name: str, taken: set[str]) -> str:
    """The base name with anything but letters, digits, '.', '_', '-' replaced; unique in `taken`."""
    base = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).strip("._") or "upload"
    base = base[-100:]
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{number}-{base}"
    taken.add(candidate)
    return candidate


class _Sink:
    """Writes one file and counts and hashes its bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.size = 0
        self.digest = hashlib.sha256()
        self.handle: IO[bytes] = path.open("xb")

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.size += len(data)
        self.digest.update(data)

    def close(self) -> UploadedFile:
        self.handle.close()
        return UploadedFile(self.path, self.size, self.digest.hexdigest())


async def _limited(request: Request, limit: int) -> AsyncIterator[bytes]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise PayloadTooLargeError(limit)
        yield chunk


async def receive_upload(request: Request, scratch: Path, limit: int) -> Upload:
    """Stream the body into a new folder under `scratch`; 413 over `limit`, 415 for other types,
    422 for a malformed multipart body or one without files. Nothing is left behind on failure."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLargeError(limit)
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type not in (*JSON_TYPES, "multipart/form-data"):
        raise HTTPException(
            415, "send a FHIR Bundle as application/json or files as multipart/form-data (field 'files')"
        )
    scratch.mkdir(parents=True, exist_ok=True)
    upload = Upload(Path(tempfile.mkdtemp(prefix="upload-", dir=scratch)))
    try:
        if media_type == "multipart/form-data":
            await _receive_multipart(request, upload, limit)
        else:
            sink = _Sink(upload.folder / "bundle.json")
            try:
                async for chunk in _limited(request, limit):
                    sink.write(chunk)
            finally:
                upload.files.append(sink.close())
            if upload.files[0].size == 0:
                raise HTTPException(422, "the request body is empty; expected a FHIR Bundle")
    except BaseException:
        upload.discard()
        raise
    return upload


async def _receive_multipart(request: Request, upload: Upload, limit: int) -> None:
    from python_multipart.exceptions import MultipartParseError
    from python_multipart.multipart import MultipartParser, parse_options_header

    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise HTTPException(422, "multipart body without a boundary parameter")
    state = _MultipartState(upload)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": state.part_begin,
            "on_part_data": state.part_data,
            "on_part_end": state.part_end,
            "on_header_field": state.header_field,
            "on_header_value": state.header_value,
            "on_header_end": state.header_end,
            "on_headers_finished": state.headers_finished,
        },
    )
    try:
        async for chunk in _limited(request, limit):
            parser.write(chunk)
            if state.problem is not None:
                raise HTTPException(422, state.problem)
        parser.finalize()
    except MultipartParseError as exc:
        raise HTTPException(422, "malformed multipart body") from exc
    finally:
        state.close()
    if state.problem is not None:
        raise HTTPException(422, state.problem)
    if not upload.files:
        raise HTTPException(422, "no files in the multipart body; send them in the 'files' field")
    empty = [f.path.name for f in upload.files if f.size == 0]
    if empty:
        raise HTTPException(422, f"{empty[0]}: the uploaded file is empty")


class _MultipartState:
    """Callbacks of python-multipart's streaming parser: each `files` part goes straight to disk."""

    def __init__(self, upload: Upload) -> None:
        self.upload = upload
        self.names: set[str] = set()
        self.field = b""
        self.value = b""
        self.headers: dict[bytes, bytes] = {}
        self.sink: _Sink | None = None
        self.problem: str | None = None

    def part_begin(self) -> None:
        self.headers = {}

    def header_field(self, data: bytes, start: int, end: int) -> None:
        self.field += data[start:end]

    def header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def header_end(self) -> None:
        self.headers[self.field.strip().lower()] = self.value.strip()
        self.field, self.value = b"", b""

    def headers_finished(self) -> None:
        from python_multipart.multipart import parse_options_header

        _, params = parse_options_header(self.headers.get(b"content-disposition", b""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        filename = params.get(b"filename")
        if self.problem is not None:
            return
        if name != "files" or filename is None:
            self.problem = f"unexpected form field {name!r}; send files in the 'files' field"
            return
        if len(self.upload.files) >= MAX_FILES:
            self.problem = f"too many files; at most {MAX_FILES} per analysis"
            return
        target = safe_name(filename.decode("utf-8", "replace"), self.names)
        self.sink = _Sink(self.upload.folder / target)

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.sink is not None:
            self.sink.write(data[start:end])

    def part_end(self) -> None:
        if self.sink is not None:
            self.upload.files.append(self.sink.close())
            self.sink = None

    def close(self) -> None:
        if self.sink is not None:
            self.sink.handle.close()
            self.sink = None


def remove_stale(scratch: Path, now: float, older_than: float = STALE_AFTER) -> int:
    """Delete scratch folders untouched for `older_than` seconds (left by a killed process);
    returns how many. Younger ones may belong to another worker's running request."""
    if not scratch.is_dir():
        return 0
    removed = 0
    for folder in scratch.iterdir():
        if folder.is_dir() and now - folder.stat().st_mtime > older_than:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed

"""Byte streams of VCF text: plain, gzip/BGZF (through `bgzip -dc` when installed) and BCF.

A whole-genome VCF is streamed in chunks of about 1 MB so the record scan never holds the
file. Decompression failures are turned into InputError naming the last complete line: a
truncated BGZF file is recognized both by a failing block and by the missing end-of-file marker
block (SAM/BAM/VCF specification §4.1.2), which a cut exactly between blocks would otherwise hide.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import subprocess
import tempfile
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Literal

from integrome.errors import InputError

__all__ = [
    "BGZF_EOF",
    "EMPTY",
    "TRUNCATED_EOF",
    "BcfSource",
    "Digest",
    "TextSource",
    "Truncated",
    "file_kind",
    "has_bgzf_eof",
    "is_bgzf",
]

BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
"""The empty block that ends every complete BGZF file."""

TRUNCATED_EOF = "truncated compressed data (the BGZF end-of-file marker is missing)"

EMPTY = "the file is empty; expected a VCF header starting '##fileformat=VCF'"

BLOCK_SIZE = 1 << 20
"""Decompressed bytes per chunk: about 10,000 records of a typical single-sample VCF."""

FileKind = Literal["vcf", "vcf.gz", "bcf"]


def file_kind(path: Path, name: str) -> FileKind:
    """Plain VCF text, gzip/BGZF-compressed VCF text, or BCF (compressed or not), by content."""
    with path.open("rb") as handle:
        magic = handle.read(4)
    if not magic:
        raise InputError(name, "line 1", EMPTY)
    if magic.startswith(b"BCF"):
        return "bcf"
    if magic.startswith(b"\x1f\x8b"):
        try:
            with gzip.open(path, "rb") as handle:
                inner = handle.read(4)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(name, "line 1", f"unreadable gzip data ({exc})") from exc
        if not inner:
            raise InputError(name, "line 1", EMPTY)
        return "bcf" if inner.startswith(b"BCF") else "vcf.gz"
    return "vcf"


def is_bgzf(path: Path) -> bool:
    """True for BGZF (blocked gzip with the BC extra field), the only gzip that can be indexed."""
    with path.open("rb") as handle:
        head = handle.read(18)
    return len(head) == 18 and head[:4] == b"\x1f\x8b\x08\x04" and head[12:14] == b"BC"


def has_bgzf_eof(path: Path) -> bool:
    size = path.stat().st_size
    if size < len(BGZF_EOF):
        return False
    with path.open("rb") as handle:
        handle.seek(size - len(BGZF_EOF))
        return handle.read() == BGZF_EOF


class Digest:
    """SHA-256 of a file computed on a background thread (hashlib releases the GIL)."""

    def __init__(self, path: Path, name: str) -> None:
        self._path = path
        self._name = name
        self._value = ""
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        digest = hashlib.sha256()
        try:
            with self._path.open("rb") as handle:
                while chunk := handle.read(BLOCK_SIZE * 4):
                    digest.update(chunk)
        except OSError as exc:
            self._error = exc
            return
        self._value = digest.hexdigest()

    def hexdigest(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise InputError(self._name, None, f"cannot read the file ({self._error})")
        return self._value


class Truncated(Exception):
    """Decompression failed or the stream ended early; the reader adds the line it had reached."""


class TextSource:
    """Decompressed VCF text of one file: header lines, then raw chunks of the record section.

    Use as a context manager; call `header()` first. `chunks()` yields about 1 MB at a time,
    cut anywhere (the reader joins lines across chunks), and raises Truncated when the
    decompressor fails or a BGZF file lacks its end-of-file marker.
    """

    unit = "line"

    def __init__(self, path: Path, name: str, kind: FileKind) -> None:
        self._path = path
        self._name = name
        self._kind = kind
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        self._stream: IO[bytes] | gzip.GzipFile
        bgzip = shutil.which("bgzip") if kind == "vcf.gz" else None
        if bgzip:
            self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__
            self._proc = subprocess.Popen(
                [bgzip, "-dc", "-@2", str(path)],
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                bufsize=BLOCK_SIZE,
            )
            assert self._proc.stdout is not None
            self._stream = self._proc.stdout
        elif kind == "vcf.gz":
            self._stream = gzip.open(path, "rb")  # noqa: SIM115 - closed in __exit__
        else:
            self._stream = path.open("rb")

    def __enter__(self) -> TextSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stream.close()
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
        if self._stderr is not None:
            self._stderr.close()

    def header(self) -> list[str]:
        """Lines up to and including `#CHROM` (or up to the first record, to report it missing)."""
        lines: list[str] = []
        while True:
            try:
                raw = self._stream.readline()
            except (OSError, EOFError, zlib.error) as exc:
                raise InputError(
                    self._name, f"line {len(lines) + 1}", f"truncated or corrupt compressed data ({exc})"
                ) from exc
            if not raw:
                try:
                    self._check_complete()
                except Truncated as exc:
                    raise InputError(
                        self._name,
                        f"after line {len(lines)}",
                        f"truncated or corrupt compressed data ({exc})",
                    ) from exc
                return lines
            text = raw.decode("utf-8", errors="replace")
            lines.append(text)
            if not text.startswith("##"):
                return lines

    def chunks(self) -> Iterator[bytes]:
        while True:
            try:
                data = self._stream.read(BLOCK_SIZE)
            except (OSError, EOFError, zlib.error) as exc:
                raise Truncated(str(exc)) from exc
            if not data:
                break
            yield data
        self._check_complete()

    def _check_complete(self) -> None:
        if self._proc is not None:
            code = self._proc.wait()
            if code != 0:
                assert self._stderr is not None
                self._stderr.seek(0)
                detail = self._stderr.read().decode(errors="replace").strip().splitlines()
                raise Truncated(_bgzip_problem(detail) or f"bgzip exit status {code}")
        if self._kind == "vcf.gz" and is_bgzf(self._path) and not has_bgzf_eof(self._path):
            raise Truncated("the BGZF end-of-file marker is missing")


def _bgzip_problem(lines: list[str]) -> str | None:
    """The line of bgzip's stderr that says what is wrong; its last line is often a bare
    'Close failed: Error N'. A missing end marker means the file was cut short."""
    if any("EOF marker is absent" in line for line in lines):
        return "the BGZF end-of-file marker is missing: the file was cut short"
    errors = [line.split("] ", 1)[-1] for line in lines if line.startswith("[E::")]
    return errors[0] if errors else (lines[-1] if lines else None)


class BcfSource:
    """BCF read with pysam; each record is turned back into its VCF text line.

    Locations are record numbers (a binary file has no lines). Same interface as TextSource.
    """

    unit = "record"

    def __init__(self, path: Path, name: str) -> None:
        import pysam

        if is_bgzf(path) and not has_bgzf_eof(path):
            raise InputError(name, "end of file", TRUNCATED_EOF)
        try:
            self._file = pysam.VariantFile(str(path))
        except (OSError, ValueError) as exc:
            raise InputError(name, "header", f"unreadable BCF header ({exc})") from exc

    def __enter__(self) -> BcfSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def header(self) -> list[str]:
        return str(self._file.header).splitlines(keepends=True)

    def chunks(self) -> Iterator[bytes]:
        lines: list[str] = []
        records = iter(self._file)
        while True:
            try:
                record = next(records)
            except StopIteration:
                break
            except (OSError, ValueError) as exc:
                raise Truncated(str(exc)) from exc
            lines.append(str(record))
            if len(lines) == 10000:
                yield "".join(lines).encode()
                lines = []
        if lines:
            yield "".join(lines).encode()

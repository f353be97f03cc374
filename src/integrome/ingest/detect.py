"""Which reader an input needs, decided by its content (ARCHITECTURE.md: "inputs detected by content").

File names lie (a `.txt` export of a VCF, a `.json` that is really an HTML error page), so the
bytes decide: gzip/BGZF is looked through, then magic numbers, JSON keys, XML namespace and header
lines. The extension only breaks a tie: text that matches no structured format falls back to
clinical notes, unless its name promises a structured format, which is then reported as an error
instead of being read as prose.
"""

from __future__ import annotations

import codecs
import gzip
import json
import re
import zlib
from pathlib import Path
from typing import Any

from integrome.errors import FormatDetectionError, InputError
from integrome.ingest._tables import table_format
from integrome.model.patient import InputFormat

__all__ = ["FormatName", "detect_format", "parse_json", "read_input_bytes"]

FormatName = InputFormat

_PEEK = 64 * 1024
_EXPECTED = "a FHIR Bundle, Phenopacket, VCF/BCF, MAF, omics table or clinical notes"
_GZIP_MAGIC = b"\x1f\x8b"
_BCF_MAGIC = b"BCF\x02"
_FHIR_NAMESPACE = "http://hl7.org/fhir"
_STRUCTURED_SUFFIXES = {".json": "JSON", ".xml": "XML", ".vcf": "VCF", ".bcf": "BCF", ".maf": "MAF"}
_MAF_COLUMNS = {"hugo_symbol", "chromosome", "start_position"}
_GENE_COLUMN = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$")
_OUTSIDE_CALL = re.compile(
    r"^(?:\*[^\s/]+/\*[^\s/]+"  # diplotype *1/*4, *15:02/*57:01
    r"|\*[^\s/]+"  # single allele *57:01
    r"|[^\s/]+/[^\s/]+"  # rs/positional diplotypes (c.1905+1G>A/Reference)
    r"|\d+[ACGT]>[ACGT])$"  # MT-RNR1 1555A>G
)


def read_input_bytes(path: Path) -> bytes:
    """The file's content, gzip/BGZF-decompressed when it starts with the gzip magic.

    FHIR and phenopacket exports are often shipped gzipped; the readers accept both.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path.name, None, f"cannot be read ({exc.strerror or exc})") from exc
    if raw.startswith(_GZIP_MAGIC):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise _gzip_error(path, exc) from exc
    if not raw:
        raise InputError(path.name, None, "file is empty")
    return raw


def parse_json(raw: bytes, name: str) -> Any:
    """Parse JSON bytes; a syntax error names the line and column it was found at."""
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise InputError(name, f"byte {exc.start}", "expected UTF-8 encoded JSON") from exc
    except json.JSONDecodeError as exc:
        raise InputError(name, f"line {exc.lineno} column {exc.colno}", f"invalid JSON: {exc.msg}") from exc


def detect_format(path: Path) -> FormatName:
    """Name the input format of `path` from its content; the extension only breaks ties."""
    head = _peek(path)
    if not head:
        raise InputError(path.name, None, f"file is empty (0 bytes); expected {_EXPECTED}")
    if head.startswith(_BCF_MAGIC):
        return "bcf"
    text = _decode_head(head, path)
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise InputError(path.name, None, f"file is empty (only whitespace); expected {_EXPECTED}")
    if stripped[0] in "{[":
        return _json_kind(path)
    if stripped[0] == "<":
        return _xml_kind(stripped, path)
    if stripped.startswith("##fileformat=VCF"):
        return "vcf"
    lines = [line for line in stripped.splitlines() if line.strip()]
    if _is_maf(lines):
        return "maf"
    table = table_format(text.splitlines())
    if table is not None:
        return table
    if _is_outside_calls(lines):
        return "outside_calls"
    expected = _promised_format(path)
    if expected is not None:
        raise FormatDetectionError(
            path.name,
            None,
            f"the name says {expected} but the content is not {expected} (starts {text[:40]!r})",
        )
    return "notes"


def _peek(path: Path) -> bytes:
    """The first 64 KiB of content, looking through gzip/BGZF (BCF and .vcf.gz are BGZF)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_PEEK)
    except OSError as exc:
        raise InputError(path.name, None, f"cannot be read ({exc.strerror or exc})") from exc
    if not head.startswith(_GZIP_MAGIC):
        return head
    try:
        with gzip.open(path, "rb") as handle:
            return handle.read(_PEEK)
    except (OSError, EOFError, zlib.error) as exc:
        raise _gzip_error(path, exc) from exc


def _gzip_error(path: Path, exc: Exception) -> InputError:
    """A cut-off download ends early (EOFError); anything else is damaged compressed data."""
    if isinstance(exc, EOFError):
        return InputError(
            path.name, "end of file", "truncated: the compressed data ends before its end-of-stream marker"
        )
    return InputError(path.name, None, f"gzip/BGZF data is corrupt ({exc}); expected intact compressed data")


def _decode_head(head: bytes, path: Path) -> str:
    nul = head.find(b"\x00")
    if nul >= 0:
        raise FormatDetectionError(
            path.name,
            None,
            f"binary content (a NUL byte at offset {nul}) that is not BCF, VCF, MAF, JSON or text",
        )
    try:
        # An incremental decoder tolerates a multi-byte character cut at the 64 KiB boundary.
        return codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError as exc:
        raise FormatDetectionError(
            path.name, f"byte {exc.start}", "content is neither UTF-8 text nor a known binary format"
        ) from exc


def _json_kind(path: Path) -> FormatName:
    data = parse_json(read_input_bytes(path), path.name)
    if isinstance(data, dict):
        if "resourceType" in data:
            return "fhir"
        meta = data.get("metaData")
        if "phenotypicFeatures" in data or (
            isinstance(meta, dict) and ("phenopacketSchemaVersion" in meta or "subject" in data)
        ):
            return "phenopacket"
    raise FormatDetectionError(
        path.name, None, "JSON but neither a FHIR resource (no resourceType) nor a Phenopacket"
    )


def _xml_kind(text: str, path: Path) -> FormatName:
    root = re.search(r"<([A-Za-z_][\w.-]*)(\s[^>]*)?>", re.sub(r"<\?.*?\?>|<!--.*?-->", "", text, flags=re.S))
    if root is not None and f'xmlns="{_FHIR_NAMESPACE}"' in (root.group(2) or ""):
        return "fhir"
    raise FormatDetectionError(
        path.name, None, f"XML but not FHIR (root element not in the {_FHIR_NAMESPACE} namespace)"
    )


def _is_maf(lines: list[str]) -> bool:
    """MAF: optional `#version` comments, then a header naming the GDC/TCGA core columns."""
    header = next((line for line in lines if not line.startswith("#")), "")
    return {column.strip().lower() for column in header.split("\t")} >= _MAF_COLUMNS


def _is_outside_calls(lines: list[str]) -> bool:
    """PharmCAT outside-call TSV: `GENE<TAB>diplotype-or-allele[<TAB>phenotype[<TAB>activity]]`."""
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    if not rows:
        return False
    for columns in rows:
        if not 2 <= len(columns) <= 4 or not _GENE_COLUMN.match(columns[0].strip()):
            return False
        call = columns[1].strip()
        phenotype = columns[2].strip() if len(columns) > 2 else ""
        if not (_OUTSIDE_CALL.match(call) or (not call and phenotype)):
            return False
    return True


def _promised_format(path: Path) -> str | None:
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return _STRUCTURED_SUFFIXES.get(suffixes[-1]) if suffixes else None

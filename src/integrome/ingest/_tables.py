"""Tab-separated result tables (copy number, fusions, expression, proteomics, MSI/HRD) as labs ship them.

Every multi-omics table is read the same way: gzip is looked through, `##` and SAM-style `@`
header lines are skipped, the first other line is the header (a leading `#` is dropped, as in
STAR-Fusion's `#FusionName` and Arriba's `#gene1`), column names compare case-insensitively, and
each data row keeps its 1-based line number so every problem names its line. `table_format`
recognizes the producer from the header alone, which is what `detect.py` asks.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from integrome.errors import InputError
from integrome.model import Build, InputDocument

__all__ = [
    "Row",
    "Table",
    "TableFormat",
    "build_from_name",
    "document",
    "read_table",
    "table_format",
]

TableFormat = Literal["copy_number", "fusions", "expression", "proteomics", "signatures"]

_EMPTY = frozenset({"", ".", "-", "NA", "N/A", "na", "nan", "NaN", "None", "null"})
_BUILD_TOKENS: tuple[tuple[re.Pattern[str], Build], ...] = (
    (re.compile(r"grch38|hg38|b38", re.I), "GRCh38"),
    (re.compile(r"grch37|hg19|b37", re.I), "GRCh37"),
)


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]

    def get(self, *names: str) -> str | None:
        """The first non-empty value among `names` (lower-case column names)."""
        for name in names:
            text = self.values.get(name, "").strip()
            if text not in _EMPTY:
                return text
        return None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    header_line: int
    rows: tuple[Row, ...]
    raw: bytes
    preamble: tuple[str, ...]
    """The skipped `##`/`@`/`#` lines before the header (featureCounts, GATK keep metadata there)."""

    def has(self, *names: str) -> bool:
        return all(name in self.columns for name in names)

    def first(self, *names: str) -> str | None:
        """The first of `names` that is a column."""
        return next((name for name in names if name in self.columns), None)

    def require(self, *alternatives: str, what: str) -> str:
        found = self.first(*alternatives)
        if found is None:
            raise InputError(
                self.name,
                f"line {self.header_line}",
                f"expected a {what} column ({' or '.join(alternatives)}); found {', '.join(self.columns)}",
            )
        return found

    def number(self, row: Row, column: str, *, what: str | None = None) -> float | None:
        """A numeric cell (empty → None); anything else is an InputError naming file and line."""
        text = row.get(column)
        if text is None:
            return None
        try:
            return float(text)
        except ValueError as exc:
            raise InputError(
                self.name, f"line {row.line}", f"{what or column} must be a number, found {text!r}"
            ) from exc

    def integer(self, row: Row, column: str) -> int | None:
        value = self.number(row, column)
        if value is None:
            return None
        if value != int(value):
            raise InputError(
                self.name, f"line {row.line}", f"{column} must be a whole number, found {value:g}"
            )
        return int(value)


def read_table(path: Path) -> Table:
    """Read a TSV result table; ragged rows and an empty body are InputErrors with the line."""
    from integrome.ingest.detect import read_input_bytes

    name = path.name
    raw = read_input_bytes(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(name, f"byte {exc.start}", "expected UTF-8 tab-separated text") from exc
    columns: tuple[str, ...] | None = None
    header_line = 0
    preamble: list[str] = []
    rows: list[Row] = []
    for number, line in _lines(text):
        if columns is None:
            if line.startswith(("##", "@")) or not line.strip() or _is_comment(line):
                preamble.append(line)
                continue
            columns = tuple(_column(part) for part in line.split("\t"))
            header_line = number
            continue
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) > len(columns) and not any(field.strip() for field in fields[len(columns) :]):
            fields = fields[: len(columns)]  # trailing tabs (STAR-Fusion writes one)
        if len(fields) != len(columns):
            raise InputError(
                name,
                f"line {number}",
                f"expected {len(columns)} tab-separated columns as in the header, found {len(fields)}",
            )
        rows.append(Row(number, dict(zip(columns, fields, strict=True))))
    if columns is None:
        raise InputError(name, "line 1", "no header line; expected a tab-separated table with column names")
    if not rows:
        raise InputError(name, f"line {header_line + 1}", "the table has a header but no data rows")
    return Table(name, columns, header_line, tuple(rows), raw, tuple(preamble))


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        yield number, line.rstrip("\r")


def _is_comment(line: str) -> bool:
    """A `#` line is a header when it holds tab-separated names (`#FusionName\\t...`), else a comment."""
    return line.startswith("#") and "\t" not in line


def _column(text: str) -> str:
    return text.strip().lstrip("#").strip().lower()


def document(table: Table, fmt: TableFormat) -> InputDocument:
    return InputDocument(
        name=table.name,
        format=fmt,
        sha256=hashlib.sha256(table.raw).hexdigest(),
        size=len(table.raw),
        role="somatic",
    )


def build_from_name(name: str) -> Build | None:
    """GRCh38/GRCh37 named in a file name (PCGR's T001-BRCA.grch38.cna.tsv), else None."""
    for pattern, build in _BUILD_TOKENS:
        if pattern.search(name):
            return build
    return None


_CNA_VALUES = frozenset({"-2", "-1", "0", "1", "2", "-1.5", "NA", ""})


def table_format(lines: list[str]) -> TableFormat | None:
    """Which multi-omics table the header (and, for cBioPortal matrices, the first rows) describes."""
    body = [line for line in lines if line.strip() and not line.startswith(("##", "@"))]
    header_index = next((i for i, line in enumerate(body) if not _is_comment(line)), None)
    if header_index is None:
        return None
    columns = {_column(part) for part in body[header_index].split("\t")}
    rows = [
        line.split("\t") for line in body[header_index + 1 : header_index + 21] if not line.startswith("#")
    ]
    return _by_columns(columns, rows, featurecounts=any("featureCounts" in line for line in lines[:3]))


def _by_columns(columns: set[str], rows: list[list[str]], *, featurecounts: bool) -> TableFormat | None:
    has = columns.issuperset
    if has({"fusionname", "leftbreakpoint", "rightbreakpoint"}) or has({"gene1", "gene2", "breakpoint1"}):
        return "fusions"
    if has({"fusiongene", "leftbreakpoint"}) or has({"site1_hugo_symbol", "site2_hugo_symbol"}):
        return "fusions"
    if has({"hugo_symbol", "fusion"}) or has({"five_prime_gene", "three_prime_gene"}):
        return "fusions"
    if has({"chromosome", "start", "end", "nmajor", "nminor"}) or has({"chromosome", "start", "end", "log2"}):
        return "copy_number"
    if has({"gene", "mincopynumber", "maxcopynumber"}) or has({"chromosome", "start", "end", "copynumber"}):
        return "copy_number"
    if has({"contig", "start", "end", "mean_log2_copy_ratio"}) or has(
        {"chrom", "loc.start", "loc.end", "seg.mean"}
    ):
        return "copy_number"
    if has({"gene", "segment_contig", "segment_start", "segment_end", "segment_mean"}):
        return "copy_number"
    if columns == {"gene", "call"} or has({"gene", "copy_number"}):
        return "copy_number"
    if "hugo_symbol" in columns and "chromosome" not in columns and rows and _discrete_cna(columns, rows):
        return "copy_number"
    if (
        has({"targetid", "tpm"})
        or has({"name", "effectivelength", "tpm"})
        or has({"target_id", "est_counts"})
    ):
        return "expression"
    if has({"gene_id", "expected_count"}) or (featurecounts and has({"geneid", "length"})):
        return "expression"
    if has({"gene", "upstream_exon", "downstream_exon", "junction_reads"}):
        return "expression"
    if "gene" in columns and columns & {"tpm", "fpkm", "rpkm", "counts"}:
        return "expression"
    if columns & {"protein", "antibody"} and columns & {"abundance", "intensity", "value", "log2_intensity"}:
        return "proteomics"
    if columns & {"biomarker", "marker"} and columns & {"result", "score"}:
        return "proteomics"
    if has({"total_number_of_sites", "number_of_somatic_sites"}):
        return "signatures"
    if "average metric value (abbr)" in columns or columns & {"hrd-sum", "hrd_score", "gis"}:
        return "signatures"
    if has({"signature", "contribution"}):
        return "signatures"
    return None


def _discrete_cna(columns: set[str], rows: list[list[str]]) -> bool:
    """cBioPortal data_CNA.txt: Hugo_Symbol[, Entrez_Gene_Id] then one GISTIC value (-2..2) per sample."""
    skip = 2 if "entrez_gene_id" in columns else 1
    values = [value.strip() for row in rows for value in row[skip:]]
    return bool(values) and all(value in _CNA_VALUES for value in values)

"""Lean pre-filter over decompressed VCF bytes: find the few records worth a full parse.

A germline genome has millions of records of which a knowledge base cares about a few hundred
positions. Parsing each with htslib costs 3-4× a byte-level scan (PERFORMANCE.md), so this scan
only slices CHROM/POS and the chosen sample's GT out of each line and hands on the lines that
are at a site of interest, carry a non-reference call (somatic or unfiltered files), or mention
a gene of interest (germline files with gene annotation). The gene test is a plain substring
search, a superset: the full parser makes the exact decision.

Column counts are checked per block (tabs counted in C over 1 MB at a time); only a block whose
count is off is walked line by line to name the malformed line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass

from integrome.ingest._vcf_record import RecordParser
from integrome.ingest._vcf_source import Truncated
from integrome.normalize.variants import normalize_chrom

__all__ = ["ScanPlan", "Scanner", "file_site_keys", "gene_pattern"]

_REF_OR_MISSING = b"0/|.\r"
_NONREF_PREFIX = frozenset({b"0/1:", b"1/1:", b"0|1:", b"1|0:", b"1|1:", b"1/2:", b"1|2:"})
_REF_PREFIX = frozenset({b"0/0:", b"0|0:", b"./.:", b".|.:"})
"""The common genotypes settled by their first four bytes; anything else is checked in full."""


def file_site_keys(sites: Iterable[tuple[str, int]]) -> frozenset[tuple[bytes, bytes]]:
    """(CHROM, POS) byte keys under every common spelling of the chromosome ('chr7' and '7')."""
    keys: set[tuple[bytes, bytes]] = set()
    for chrom, pos in sites:
        normalized = normalize_chrom(chrom)
        bare = normalized[3:] if normalized.startswith("chr") else normalized
        spellings = {chrom, normalized, bare}
        if normalized == "chrM":
            spellings |= {"MT", "M", "chrMT"}
        for spelling in spellings:
            keys.add((spelling.encode(), str(pos).encode()))
    return frozenset(keys)


def gene_pattern(genes: Collection[str]) -> re.Pattern[bytes] | None:
    """Substring pattern for any of `genes` (longest first), or None when there are none."""
    if not genes:
        return None
    names = sorted({re.escape(g.encode()) for g in genes}, key=len, reverse=True)
    return re.compile(b"|".join(names))


@dataclass(frozen=True)
class ScanPlan:
    """What makes a record a candidate for the full parser."""

    site_keys: frozenset[tuple[bytes, bytes]]
    sample_column: int | None
    """Column index of the chosen sample (9 + i); None for a sites-only VCF."""
    keep_nonref: bool
    """Every non-reference call is a candidate (somatic, unknown, or germline without filters)."""
    genes: re.Pattern[bytes] | None
    """Germline filter: a non-reference line mentioning one of these genes is a candidate."""


class Scanner:
    """Runs a ScanPlan over raw chunks of the record section; counts what it did not hand on."""

    def __init__(
        self,
        plan: ScanPlan,
        parser: RecordParser,
        unit: str,
        first_line: int,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.plan = plan
        self.parser = parser
        self.unit = unit
        self.progress = progress
        self.records = 0
        self.skipped_nonref = 0
        """Non-reference lines dropped without a full parse (germline, outside genes and sites)."""
        self._first_line = first_line
        self._tabs = parser.n_columns - 1

    def candidates(self, chunks: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
        """(line number, line) of every candidate record, in file order.

        Lines are split per chunk and the partial last line carried to the next chunk, so
        nothing is copied but that one line. Tabs are counted per chunk in C; the carried
        line's tabs move with it.
        """
        rest = b""
        rest_tabs = 0
        number = self._first_line
        try:
            for data in chunks:
                lines = data.split(b"\n")
                lines[0] = rest + lines[0]
                rest = lines.pop()
                tabs = data.count(b"\t") + rest_tabs
                rest_tabs = rest.count(b"\t")
                if tabs - rest_tabs != self._tabs * len(lines):
                    self._check_columns(lines, number)
                yield from self._select(lines, number)
                number += len(lines)
                self.records += len(lines)
                if self.progress is not None:
                    self.progress(self.records)
        except Truncated as exc:
            where = f"after {self.unit} {number - 1}" if number > 1 else f"{self.unit} 1"
            raise self.parser.error(where, f"truncated or corrupt compressed data ({exc})") from exc
        if rest.strip():
            self._check_columns([rest], number)
            yield from self._select([rest], number)
            self.records += 1

    def _select(self, lines: list[bytes], first: int) -> Iterator[tuple[int, bytes]]:
        """The hot loop: about 300 ns per line in CPython, so every operation in it counts."""
        plan = self.plan
        keys = plan.site_keys
        column = plan.sample_column
        last = column == self._tabs
        keep_nonref = plan.keep_nonref
        genes = plan.genes
        skipped = 0
        for offset, line in enumerate(lines):
            try:
                chrom, pos, _ = line.split(b"\t", 2)
            except ValueError:
                continue  # a blank line: column counts were checked already
            if (chrom, pos) in keys or column is None:
                yield first + offset, line
                continue
            if last:
                start = line.rfind(b"\t") + 1
                head = line[start : start + 4]
                if head not in _NONREF_PREFIX and (
                    head in _REF_PREFIX or not line[start:].partition(b":")[0].strip(_REF_OR_MISSING)
                ):
                    continue
            elif not line.split(b"\t", column + 1)[column].partition(b":")[0].strip(_REF_OR_MISSING):
                continue
            if keep_nonref or (genes is not None and genes.search(line)):
                yield first + offset, line
            else:
                skipped += 1
        self.skipped_nonref += skipped

    def _check_columns(self, lines: list[bytes], first: int) -> None:
        """Raise for the first non-blank line whose column count is wrong (blank lines are skipped)."""
        for offset, line in enumerate(lines):
            if line.strip() and line.count(b"\t") != self._tabs:
                raise self.parser.column_error(line, f"{self.unit} {first + offset}")

"""Copy-number tables → gene-level amplification / deep-deletion / gain / loss calls, plus segments.

Formats (recognized by their header, `_tables.table_format`):

- CNVkit `.cns` segments and `.cnr` bins (chromosome, start, end, gene, log2[, cn]);
- PURPLE gene copy number (gene, minCopyNumber, maxCopyNumber) and PURPLE/other absolute segments
  (chromosome, start, end, copyNumber);
- GATK ModelSegments/CallCopyRatioSegments segments (CONTIG, START, END, MEAN_LOG2_COPY_RATIO) and
  DNAcopy/IGV `.seg` (chrom, loc.start, loc.end, seg.mean);
- PCGR allele-specific segments (Chromosome, Start, End, nMajor, nMinor: total = nMajor + nMinor);
- MOAlmanac gene-annotated segments (gene, segment_contig, segment_start, segment_end, segment_mean)
  and MOAlmanac called CNAs (gene, call: Amplification/Deletion/...);
- cBioPortal discrete CNA (Hugo_Symbol, sample columns of GISTIC values -2..2) and gene tables
  (gene, copy_number).

Calls (thresholds from CNVkit 0.9.9, cnvlib/call.py and cnvlib/segfilters.py):

- absolute copy number c for a tumour of ploidy P (default 2): deep deletion when c rounds to 0
  (c < 0.5); amplification when c >= 2.5 x P (CNVkit's `ampdel` clinical reporting convention:
  "5+ copies (2.5-fold gain) is amplification" for a diploid genome); loss / gain when c rounds
  below / above P;
- a log2 ratio v with a purity p: c = (P x 2^v - P x (1 - p)) / p (CNVkit `_log2_ratio_to_absolute`
  with reference and expected ploidy P), then the rules above;
- a log2 ratio without purity: CNVkit's default hard thresholds (`call -m threshold`):
  v <= -1.1 deep deletion, v <= -0.25 loss, v >= 0.2 gain, and amplification from
  v >= log2(2.5) = 1.32 (the `ampdel` filter's log2 form).

A gene covered by several segments takes the most severe call (deep deletion and amplification
first): a focal event inside a gene is what matters clinically. Findings are written for
amplifications and deep deletions of any gene, and for gains and losses of `genes` (the knowledge
base's genes); segments are kept for the genome-wide plot.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from integrome.errors import InputError, UnsupportedBuildError
from integrome.ingest._result import IngestResult
from integrome.ingest._tables import Row, Table, build_from_name, document, read_table
from integrome.model import Build, CopyNumberFinding, CopyNumberSegment, Coverage, Finding
from integrome.normalize.genes import canonical_gene
from integrome.normalize.loci import genes_overlapping, genes_without_locus
from integrome.normalize.variants import normalize_chrom

__all__ = [
    "AMPLIFICATION_FOLD",
    "LOG2_THRESHOLDS",
    "CopyNumberCall",
    "CopyNumberOptions",
    "call_copy_number",
    "call_log2",
    "copy_number_from_log2",
    "read_copy_number",
]

CopyNumberCall = Literal["amplification", "gain", "loss", "deep_deletion", "neutral"]

AMPLIFICATION_FOLD = 2.5
"""Amplification = at least 2.5 x ploidy copies (CNVkit `segfilters.ampdel`: 5+ copies when diploid)."""

LOG2_THRESHOLDS = {"deep_deletion": -1.1, "loss": -0.25, "gain": 0.2, "amplification": math.log2(2.5)}
"""CNVkit `call -m threshold` defaults (-1.1, -0.25, 0.2) and the ampdel log2 form, log2(2.5)."""

_SEVERITY: dict[CopyNumberCall, int] = {
    "deep_deletion": 4,
    "amplification": 3,
    "loss": 2,
    "gain": 1,
    "neutral": 0,
}
_MOALMANAC_CALLS: dict[str, CopyNumberCall] = {
    "amplification": "amplification",
    "deletion": "deep_deletion",
    "gain": "gain",
    "loss": "loss",
}
_GISTIC: dict[str, CopyNumberCall] = {
    "-2": "deep_deletion",
    "-1.5": "deep_deletion",
    "-1": "loss",
    "0": "neutral",
    "1": "gain",
    "2": "amplification",
}
_NEUTRAL_WORDS = frozenset({"wild type", "wildtype", "baseline", "neutral", "normal", "none"})


@dataclass(frozen=True)
class CopyNumberOptions:
    """Sample facts the calls depend on; None = take them from the file or the documented default."""

    build: Build | None = None
    ploidy: float | None = None
    purity: float | None = None
    genes: frozenset[str] | None = None
    """Genes whose gains and losses are reported too (amplifications and deep deletions always are)."""


@dataclass(frozen=True)
class _Call:
    gene: str
    call: CopyNumberCall
    copy_number: float | None
    log2: float | None
    basis: str
    line: int


def call_copy_number(copy_number: float, ploidy: float = 2.0) -> tuple[CopyNumberCall, str]:
    """Call from an absolute copy number (module docstring); returns (call, the rule that decided)."""
    if copy_number < 0.5:
        return "deep_deletion", f"CN {copy_number:g} rounds to 0"
    if copy_number >= AMPLIFICATION_FOLD * ploidy:
        return "amplification", f"CN {copy_number:g} >= {AMPLIFICATION_FOLD:g} x ploidy {ploidy:g}"
    if round(copy_number) < ploidy:
        return "loss", f"CN {copy_number:g} below ploidy {ploidy:g}"
    if round(copy_number) > ploidy:
        return "gain", f"CN {copy_number:g} above ploidy {ploidy:g}"
    return "neutral", f"CN {copy_number:g} at ploidy {ploidy:g}"


def copy_number_from_log2(log2: float, ploidy: float = 2.0, purity: float = 1.0) -> float:
    """Absolute copy number from a log2 ratio, rescaled for purity (CNVkit `_log2_ratio_to_absolute`)."""
    return max(0.0, (ploidy * 2**log2 - ploidy * (1 - purity)) / purity)


def call_log2(
    log2: float, ploidy: float = 2.0, purity: float | None = None
) -> tuple[CopyNumberCall, float | None, str]:
    """Call from a log2 ratio: via purity-adjusted copy number when purity is known, else CNVkit's
    default hard thresholds. Returns (call, copy number or None, the rule)."""
    if purity is not None:
        copy_number = round(copy_number_from_log2(log2, ploidy, purity), 2)
        call, rule = call_copy_number(copy_number, ploidy)
        return call, copy_number, f"log2 {log2:.2f} at purity {purity:g}: {rule}"
    t = LOG2_THRESHOLDS
    if log2 <= t["deep_deletion"]:
        return "deep_deletion", None, f"log2 {log2:.2f} <= {t['deep_deletion']:g}"
    if log2 >= t["amplification"]:
        return "amplification", None, f"log2 {log2:.2f} >= log2(2.5)"
    if log2 <= t["loss"]:
        return "loss", None, f"log2 {log2:.2f} <= {t['loss']:g}"
    if log2 >= t["gain"]:
        return "gain", None, f"log2 {log2:.2f} >= {t['gain']:g}"
    return "neutral", None, f"log2 {log2:.2f} within ({t['loss']:g}, {t['gain']:g})"


def read_copy_number(path: Path, options: CopyNumberOptions | None = None) -> IngestResult:
    """Read one copy-number table (any format in the module docstring)."""
    options = options or CopyNumberOptions()
    table = read_table(path)
    _check_sample(options, table)
    reader = _Reader(table, options)
    calls = reader.calls()
    return reader.result(calls)


def _check_sample(options: CopyNumberOptions, table: Table) -> None:
    if options.purity is not None and not 0.0 < options.purity <= 1.0:
        raise InputError(table.name, None, f"purity must be in (0, 1], got {options.purity:g}")
    if options.ploidy is not None and not 0.0 < options.ploidy <= 10.0:
        raise InputError(table.name, None, f"ploidy must be in (0, 10], got {options.ploidy:g}")


class _Reader:
    def __init__(self, table: Table, options: CopyNumberOptions) -> None:
        self.table = table
        self.options = options
        self.ploidy = options.ploidy or 2.0
        self.segments: list[CopyNumberSegment] = []
        self.warnings: list[str] = []
        self.unknown_genes: set[str] = set()
        self.by_coordinates = False
        """Genes were placed on segments from the packaged loci (the file names none)."""
        self.build: Build | None = options.build or build_from_name(table.name)

    # --- dispatch -------------------------------------------------------------------------------

    def calls(self) -> list[_Call]:
        t = self.table
        if t.has("gene", "call") and len(t.columns) == 2:
            return self._called()
        if t.has("gene", "mincopynumber"):
            return self._purple_genes()
        if t.has("hugo_symbol"):
            return self._gistic()
        if t.has("gene", "copy_number"):
            return self._gene_table()
        if t.has("gene", "segment_contig", "segment_mean"):
            return self._segments("segment_contig", "segment_start", "segment_end", log2="segment_mean")
        if t.has("chromosome", "start", "end", "nmajor", "nminor"):
            return self._segments("chromosome", "start", "end", major_minor=("nmajor", "nminor"))
        if t.has("chromosome", "start", "end", "gene", "log2", "depth") and not t.has("probes"):
            return self._bins()
        if t.has("chromosome", "start", "end", "log2"):
            absolute = "cn" if t.has("cn") else None
            return self._segments("chromosome", "start", "end", log2="log2", absolute=absolute)
        if t.has("chromosome", "start", "end", "copynumber"):
            return self._segments("chromosome", "start", "end", absolute="copynumber")
        if t.has("contig", "start", "end", "mean_log2_copy_ratio"):
            return self._segments("contig", "start", "end", log2="mean_log2_copy_ratio")
        if t.has("chrom", "loc.start", "loc.end", "seg.mean"):
            return self._segments("chrom", "loc.start", "loc.end", log2="seg.mean")
        raise InputError(
            t.name, f"line {t.header_line}", "not a known copy-number table (see the supported formats)"
        )

    # --- gene-level formats ---------------------------------------------------------------------

    def _gene(self, row: Row, column: str) -> str | None:
        text = self.table.require(column, what="gene")
        symbol = row.get(text)
        if symbol is None:
            raise InputError(self.table.name, f"line {row.line}", f"empty {column} cell")
        return self._symbol(symbol)

    def _symbol(self, name: str) -> str | None:
        """The approved symbol when the curated table knows it, else the name as given if it looks
        like a symbol (whole-genome tables name every gene)."""
        gene = canonical_gene(name)
        if gene is None and _SYMBOL.match(name):
            return name
        if gene is None:
            self.unknown_genes.add(name)
        return gene

    def _called(self) -> list[_Call]:
        calls = []
        for row in self.table.rows:
            gene = self._gene(row, "gene")
            word = (row.get("call") or "").lower()
            call = _MOALMANAC_CALLS.get(word)
            if call is None and word not in _NEUTRAL_WORDS:
                raise InputError(
                    self.table.name,
                    f"line {row.line}",
                    f"call must be Amplification, Deletion, Gain, Loss or a neutral word, found {word!r}",
                )
            if gene is not None and call is not None:
                calls.append(_Call(gene, call, None, None, f"called {row.get('call')} by the lab", row.line))
        return calls

    def _purple_genes(self) -> list[_Call]:
        calls = []
        for row in self.table.rows:
            gene = self._gene(row, "gene")
            low = self.table.number(row, "mincopynumber")
            high = self.table.number(row, "maxcopynumber")
            if gene is None or low is None or high is None:
                continue
            # PURPLE: minimum CN across the gene decides deletion, maximum decides amplification.
            call, rule = call_copy_number(low, self.ploidy)
            if call != "deep_deletion":
                call, rule = call_copy_number(high, self.ploidy)
            value = low if call == "deep_deletion" else high
            calls.append(_Call(gene, call, round(value, 2), None, rule, row.line))
        return calls

    def _gistic(self) -> list[_Call]:
        samples = [c for c in self.table.columns if c not in ("hugo_symbol", "entrez_gene_id")]
        if len(samples) != 1:
            raise InputError(
                self.table.name,
                f"line {self.table.header_line}",
                f"expected one sample column in the discrete CNA table, found {len(samples)}",
            )
        calls = []
        for row in self.table.rows:
            gene = self._gene(row, "hugo_symbol")
            value = row.get(samples[0]) or ""
            call = _GISTIC.get(value)
            if call is None and value:
                raise InputError(
                    self.table.name, f"line {row.line}", f"discrete CNA must be -2..2, found {value!r}"
                )
            if gene is not None and call is not None:
                calls.append(_Call(gene, call, None, None, f"cBioPortal discrete CNA {value}", row.line))
        return calls

    def _gene_table(self) -> list[_Call]:
        calls = []
        for row in self.table.rows:
            gene = self._gene(row, "gene")
            copy_number = self.table.number(row, "copy_number")
            if gene is None or copy_number is None:
                continue
            call, rule = call_copy_number(copy_number, self.ploidy)
            calls.append(_Call(gene, call, copy_number, None, rule, row.line))
        return calls

    # --- segment formats --------------------------------------------------------------------------

    def _segments(
        self,
        chrom_col: str,
        start_col: str,
        end_col: str,
        *,
        log2: str | None = None,
        absolute: str | None = None,
        major_minor: tuple[str, str] | None = None,
    ) -> list[_Call]:
        t = self.table
        gene_col = t.first("gene")
        calls: list[_Call] = []
        seen: set[tuple[str, int, int]] = set()
        for row in t.rows:
            chrom_text = row.get(chrom_col)
            start, end = t.integer(row, start_col), t.integer(row, end_col)
            if chrom_text is None or start is None or end is None:
                raise InputError(
                    t.name, f"line {row.line}", f"{chrom_col}, {start_col} and {end_col} are required"
                )
            if end < start:
                raise InputError(t.name, f"line {row.line}", f"segment end {end} is before its start {start}")
            chrom = normalize_chrom(chrom_text)
            ratio = t.number(row, log2) if log2 else None
            copy_number = t.number(row, absolute) if absolute else None
            if major_minor is not None:
                major, minor = (t.number(row, column) for column in major_minor)
                copy_number = None if major is None or minor is None else major + minor
            if ratio is None and copy_number is None:
                continue
            if (chrom, start, end) not in seen:
                seen.add((chrom, start, end))
                self.segments.append(
                    CopyNumberSegment(
                        chrom=chrom,
                        start=start,
                        end=end,
                        build=self.build,
                        log2_ratio=ratio,
                        copy_number=copy_number,
                        input=t.name,
                    )
                )
            call, value, rule = self._segment_call(ratio, copy_number)
            for gene in self._segment_genes(row, gene_col, chrom, start, end):
                calls.append(_Call(gene, call, value, ratio, rule, row.line))
        return calls

    def _bins(self) -> list[_Call]:
        """CNVkit .cnr bins: one call per gene from the median log2 of its bins (single noisy bins
        must not make a deep deletion)."""
        t = self.table
        ratios: dict[str, list[float]] = {}
        first_line: dict[str, int] = {}
        for row in t.rows:
            ratio = t.number(row, "log2")
            if ratio is None:
                continue
            chrom, start, end = normalize_chrom(row.get("chromosome") or ""), t.integer(row, "start") or 0, 0
            for gene in self._segment_genes(row, "gene", chrom, start, end):
                ratios.setdefault(gene, []).append(ratio)
                first_line.setdefault(gene, row.line)
        calls = []
        for gene, values in ratios.items():
            median = statistics.median(values)
            call, copy_number, rule = call_log2(median, self.ploidy, self.options.purity)
            rule = f"median of {len(values)} bins: {rule}"
            calls.append(_Call(gene, call, copy_number, round(median, 3), rule, first_line[gene]))
        return calls

    def _segment_call(
        self, ratio: float | None, copy_number: float | None
    ) -> tuple[CopyNumberCall, float | None, str]:
        if copy_number is not None:
            call, rule = call_copy_number(copy_number, self.ploidy)
            return call, copy_number, rule
        assert ratio is not None
        return call_log2(ratio, self.ploidy, self.options.purity)

    def _segment_genes(self, row: Row, gene_col: str | None, chrom: str, start: int, end: int) -> list[str]:
        if gene_col is not None:
            # "AADACL3 2+": Oncotator writes the boundary exon after the symbol; CNVkit joins with commas.
            cells = (row.get(gene_col) or "").split(",")
            names = [cell.split()[0] for cell in cells if cell.strip() and cell.strip() not in _NO_GENE]
            genes = []
            for name in names:
                gene = self._symbol(name)
                if gene is not None and gene not in genes:
                    genes.append(gene)
            return genes
        if self.build is None:
            raise UnsupportedBuildError(
                self.table.name,
                f"line {row.line}",
                "segments without gene names need the genome build (pass --build GRCh38/GRCh37)",
            )
        self.by_coordinates = True
        return [locus.gene for locus in genes_overlapping(self.build, chrom, start, end)]

    # --- result ---------------------------------------------------------------------------------------

    def result(self, calls: Iterable[_Call]) -> IngestResult:
        best: dict[str, _Call] = {}
        for call in calls:
            known = best.get(call.gene)
            if known is None or _SEVERITY[call.call] > _SEVERITY[known.call]:
                best[call.gene] = call
        wanted = self.options.genes
        findings: list[Finding] = []
        for gene in sorted(best):
            call = best[gene]
            if call.call == "neutral":
                continue
            if call.call in ("gain", "loss") and (wanted is None or gene not in wanted):
                continue
            findings.append(
                CopyNumberFinding(
                    id=f"c{len(findings) + 1}",
                    source="table",
                    origin="somatic",
                    provenance=f"{self.table.name}:line {call.line}",
                    omics_layer="dna",
                    gene=gene,
                    call=call.call,
                    copy_number=call.copy_number,
                    log2_ratio=call.log2,
                    basis=call.basis,
                )
            )
        if self.unknown_genes:
            shown = ", ".join(sorted(self.unknown_genes)[:5])
            more = len(self.unknown_genes) - 5
            self.warnings.append(
                f"{self.table.name}: {len(self.unknown_genes)} gene names are not gene symbols and were "
                f"not called ({shown}{f', … and {more} more' if more > 0 else ''})"
            )
        if self.by_coordinates and self.build is not None:
            self._unlocated(self.build)
        coverage = Coverage(
            input=self.table.name,
            assay="table",
            origin="somatic",
            genes=sorted(best) or None,
            build=self.build,
        )
        return IngestResult(
            document=document(self.table, "copy_number"),
            findings=findings,
            coverage=[coverage],
            warnings=self.warnings,
            segments=sorted(self.segments, key=_segment_order),
        )

    def _unlocated(self, build: Build) -> None:
        """Say which wanted genes could not be placed: 'not assessed' must not pass for 'neutral'."""
        missing = genes_without_locus(build)
        if self.options.genes is not None:
            missing &= self.options.genes
        if missing:
            self.warnings.append(
                f"{self.table.name}: copy number not assessed for {len(missing)} genes without a packaged "
                f"{build} locus ({', '.join(sorted(missing))}); segments without gene names are placed on "
                "genes by coordinates"
            )


_SYMBOL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-.@/]*$")
_NO_GENE = frozenset({"-", "Antitarget", "Background", "."})


def _segment_order(segment: CopyNumberSegment) -> tuple[int, int, int]:
    return _chrom_rank(segment.chrom), segment.start, segment.end


def _chrom_rank(chrom: str) -> int:
    name = chrom.removeprefix("chr")
    if name.isdigit():
        return int(name)
    return {"X": 23, "Y": 24, "M": 25, "MT": 25}.get(name, 26)

"""Gene expression tables → RNA levels with outlier calls; exon-junction counts → exon skipping.

Tables (header decides): PCGR (`TargetID`, `TPM`), salmon `quant.sf`/`quant.genes.sf` (`Name`,
`TPM`), kallisto `abundance.tsv` (`target_id`, `tpm`), RSEM `genes.results` (`gene_id`, `TPM`,
`FPKM`), featureCounts (`Geneid`, `Length`, one count column; TPM computed as
count/length normalized to a million) and a generic `gene` + `TPM`/`FPKM`/`counts` table. Row names
may be symbols or `ENSG…|SYMBOL` pairs; transcript- or Ensembl-only names cannot be mapped to genes
without an annotation and are counted in a warning.

Calls, per gene, on log2(value + 1):

- against a reference (`ExpressionReference`: a cohort matrix the user supplies, or the cohort
  itself) the robust z = (x - median) / (1.4826 x MAD) is computed; |z| >= 3 is an outlier ('high' /
  'low'). The 1.4826 factor makes the MAD a consistent estimate of the standard deviation for
  normal data, so 3 is three standard deviations;
- TPM or FPKM < 1 is 'not_expressed' (a common floor for "expressed" in RNA-seq), with or without
  a reference; otherwise without a reference the level is 'not_assessed'.

Junction tables (`gene`, `upstream_exon`, `downstream_exon`, `junction_reads`) report splice
junctions between non-adjacent exons; a junction skipping MET exon 14 (exon 13 → exon 15) with at
least `min_junction_reads` reads becomes a 'MET exon 14 skipping' biomarker on the RNA layer.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from integrome.errors import InputError
from integrome.ingest._result import IngestResult
from integrome.ingest._tables import Row, Table, document, read_table
from integrome.model import BiomarkerFinding, Coverage, ExpressionMeasurement, Finding
from integrome.normalize.genes import canonical_gene

__all__ = [
    "NOT_EXPRESSED_BELOW",
    "OUTLIER_Z",
    "ExpressionOptions",
    "ExpressionReference",
    "call_level",
    "gene_levels",
    "gene_name",
    "read_expression",
    "read_reference",
]

OUTLIER_Z = 3.0
NOT_EXPRESSED_BELOW = 1.0
_MAD_TO_SD = 1.4826
_ENSEMBL = re.compile(r"^ENS[GT]\d+(\.\d+)?$")


@dataclass(frozen=True)
class ExpressionReference:
    """Per gene: the reference cohort's values as given (same unit as the patient), sorted."""

    description: str
    values: Mapping[str, tuple[float, ...]]

    @classmethod
    def from_samples(
        cls, description: str, samples: Mapping[str, Mapping[str, float]]
    ) -> ExpressionReference:
        """Build from {sample: {gene: level}} in the same unit as the patient (a cohort run uses this)."""
        by_gene: dict[str, list[float]] = {}
        for levels in samples.values():
            for gene, value in levels.items():
                by_gene.setdefault(gene, []).append(value)
        return cls(description, {gene: tuple(sorted(values)) for gene, values in by_gene.items()})


@dataclass(frozen=True)
class ExpressionOptions:
    reference: ExpressionReference | None = None
    genes: frozenset[str] | None = None
    """Genes always reported (the knowledge base's); other genes only when they are outliers."""
    min_junction_reads: int = 5
    """Reads a skipping junction needs before it is reported (a reporting floor; the lab's call rules)."""


@dataclass
class _Levels:
    unit: str
    values: dict[str, float] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    unmapped: int = 0


def call_level(
    value: float, unit: str, reference: tuple[float, ...] | None, *, log_scale: bool = False
) -> tuple[str, float | None, float | None, float | None]:
    """(call, robust z, percentile, reference median on the original scale) for one gene.

    `log_scale`: the values are already logarithms (log2 protein intensities), compared as they are.
    """
    z = percentile = median = None
    call = "not_assessed"
    if reference and len(reference) >= 3:

        def scale(level: float) -> float:
            return level if log_scale else math.log2(max(level, 0.0) + 1)

        x = scale(value)
        scaled = [scale(v) for v in reference]
        center = statistics.median(scaled)
        mad = statistics.median(abs(v - center) for v in scaled)
        median = round(statistics.median(reference), 3)
        below = sum(1 for v in scaled if v <= x)
        percentile = round(100.0 * below / len(scaled), 1)
        if mad > 0:
            z = round((x - center) / (_MAD_TO_SD * mad), 2)
            call = "high" if z >= OUTLIER_Z else "low" if z <= -OUTLIER_Z else "within_range"
        else:
            call = "within_range" if x == center else "high" if x > center else "low"
    if unit in ("TPM", "FPKM") and value < NOT_EXPRESSED_BELOW:
        call = "not_expressed"
    return call, z, percentile, median


def read_expression(path: Path, options: ExpressionOptions | None = None) -> IngestResult:
    """Read an expression or junction table (module docstring)."""
    options = options or ExpressionOptions()
    table = read_table(path)
    if table.has("gene", "upstream_exon", "downstream_exon", "junction_reads"):
        return _junctions(table, options)
    levels = gene_levels(table)
    warnings: list[str] = []
    if levels.unmapped:
        warnings.append(
            f"{table.name}: {levels.unmapped} rows are named by Ensembl/transcript ids or unknown names "
            "and could not be mapped to gene symbols"
        )
    if not levels.values:
        raise InputError(table.name, f"line {table.header_line + 1}", "no row names a gene symbol")
    measurements = []
    reference = options.reference
    for gene in sorted(levels.values):
        value = levels.values[gene]
        ref = reference.values.get(gene) if reference is not None else None
        call, z, percentile, median = call_level(value, levels.unit, ref)
        wanted = options.genes is not None and gene in options.genes
        if not wanted and call not in ("high", "low"):
            continue
        measurements.append(
            ExpressionMeasurement(
                gene=gene,
                layer="rna",
                value=round(value, 4),
                unit=levels.unit,
                call=call,  # type: ignore[arg-type]
                z_score=z,
                percentile=percentile,
                reference_median=median,
                reference=reference.description if reference is not None and ref else None,
                provenance=f"{table.name}:line {levels.lines[gene]}",
            )
        )
    if reference is None:
        warnings.append(
            f"{table.name}: no expression reference given; levels are reported without outlier calls"
        )
    coverage = Coverage(input=table.name, assay="table", origin="somatic", genes=sorted(levels.values))
    return IngestResult(
        document=document(table, "expression"),
        coverage=[coverage],
        warnings=warnings,
        expression=measurements,
    )


def gene_levels(table: Table) -> _Levels:
    """Gene → level from any supported expression table (featureCounts counts become TPM)."""
    if table.has("geneid", "length"):
        return _featurecounts(table)
    name_col = table.require("targetid", "name", "target_id", "gene_id", "gene", "gene_name", what="gene")
    if "gene_name" in table.columns:
        name_col = "gene_name"
    unit_col = table.require("tpm", "fpkm", "rpkm", "counts", what="TPM/FPKM/counts")
    unit = {"tpm": "TPM", "fpkm": "FPKM", "rpkm": "FPKM", "counts": "counts"}[unit_col]
    levels = _Levels(unit)
    for row in table.rows:
        value = table.number(row, unit_col)
        if value is None:
            continue
        if value < 0:
            raise InputError(
                table.name, f"line {row.line}", f"{unit_col} must not be negative, found {value:g}"
            )
        _add(levels, row, row.get(name_col), value)
    return levels


def _featurecounts(table: Table) -> _Levels:
    fixed = {"geneid", "chr", "start", "end", "strand", "length"}
    samples = [column for column in table.columns if column not in fixed]
    if len(samples) != 1:
        raise InputError(
            table.name, f"line {table.header_line}", f"expected one count column, found {len(samples)}"
        )
    rates: list[tuple[Row, float]] = []
    for row in table.rows:
        count, length = table.number(row, samples[0]), table.number(row, "length")
        if count is None or not length:
            continue
        rates.append((row, count / length))
    total = sum(rate for _, rate in rates)
    levels = _Levels("TPM")
    for row, rate in rates:
        _add(levels, row, row.get("geneid"), rate / total * 1e6 if total else 0.0)
    return levels


def _add(levels: _Levels, row: Row, name: str | None, value: float) -> None:
    gene = gene_name(name)
    if gene is None:
        levels.unmapped += 1
        return
    # Several rows for one gene (transcripts, duplicated symbols): their levels add up.
    levels.values[gene] = levels.values.get(gene, 0.0) + value
    levels.lines.setdefault(gene, row.line)


def gene_name(name: str | None) -> str | None:
    if name is None:
        return None
    for token in re.split(r"[|]", name):
        token = token.strip()
        if not token or _ENSEMBL.match(token):
            continue
        gene = canonical_gene(token)
        if gene is not None:
            return gene
        if re.match(r"^[A-Z][A-Z0-9\-.]*$", token):
            return token
    return None


def read_reference(path: Path) -> ExpressionReference:
    """A cohort reference: `gene` then one column per sample (same unit as the patient's table)."""
    table = read_table(path)
    name_col = table.require(
        "gene", "gene_name", "hugo_symbol", "targetid", "gene_id", "protein", what="gene"
    )
    samples = [column for column in table.columns if column not in (name_col, "entrez_gene_id")]
    if len(samples) < 3:
        raise InputError(
            table.name,
            f"line {table.header_line}",
            f"a reference needs at least 3 sample columns, found {len(samples)}",
        )
    by_gene: dict[str, list[float]] = {}
    for row in table.rows:
        gene = gene_name(row.get(name_col))
        if gene is None:
            continue
        values = [table.number(row, sample) for sample in samples]
        by_gene.setdefault(gene, []).extend(v for v in values if v is not None)
    description = f"{table.name} ({len(samples)} samples)"
    return ExpressionReference(description, {gene: tuple(sorted(v)) for gene, v in by_gene.items()})


def _junctions(table: Table, options: ExpressionOptions) -> IngestResult:
    findings: list[Finding] = []
    warnings: list[str] = []
    for row in table.rows:
        gene = gene_name(row.get("gene"))
        up, down = table.integer(row, "upstream_exon"), table.integer(row, "downstream_exon")
        reads = table.integer(row, "junction_reads")
        if gene is None or up is None or down is None or reads is None:
            raise InputError(
                table.name, f"line {row.line}", "gene, exons and junction_reads are all required"
            )
        if down <= up + 1:
            continue
        skipped = list(range(up + 1, down))
        exons = f"exon {skipped[0]}" if len(skipped) == 1 else f"exons {skipped[0]}-{skipped[-1]}"
        if reads < options.min_junction_reads:
            warnings.append(
                f"{table.name}:line {row.line}: {gene} {exons} skipping has {reads} junction reads, "
                f"below the reporting floor of {options.min_junction_reads}"
            )
            continue
        findings.append(
            BiomarkerFinding(
                id=f"j{len(findings) + 1}",
                source="table",
                origin="somatic",
                provenance=f"{table.name}:line {row.line}",
                omics_layer="rna",
                biomarker=f"{gene} {exons} skipping",
                gene=gene,
                method="RNA junction reads",
                scoring="junction reads",
                value=f"exon {up}-exon {down} junction, {reads} reads",
                numeric=float(reads),
                unit="reads",
                status="positive",
            )
        )
    coverage = Coverage(input=table.name, assay="table", origin="somatic", genes=None)
    return IngestResult(
        document=document(table, "expression"), findings=findings, coverage=[coverage], warnings=warnings
    )

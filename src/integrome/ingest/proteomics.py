"""Protein-level results: IHC/IF result tables → biomarker states; protein abundance → levels.

IHC/IF tables (`biomarker` or `marker`, `result` or `score`[, `scoring`, `method`]): each row is
graded by the scheme its marker is reported in (`grade_ihc`):

- HER2: IHC 3+ positive, 2+ equivocal (positive with ISH amplification, HER2-low with ISH
  negative), 1+ HER2-low, 0 negative; ISH 'amplified' / 'not amplified' (ASCO/CAP HER2 guideline,
  Wolff et al., J Clin Oncol 2018; HER2-low = IHC 1+ or IHC 2+/ISH- per the ENHERTU label, FDA 2022);
- ER, PR: % stained nuclei, <1% negative, 1-10% low positive, >10% positive (ASCO/CAP ER/PgR
  guideline, Allison et al., J Clin Oncol 2020);
- PD-L1: TPS or CPS (the scheme is named in the row), >=1 positive (KEYTRUDA label);
- MMR proteins MLH1, MSH2, MSH6, PMS2: 'loss' or 'intact'; loss of any is mismatch-repair
  deficient (dMMR) and all four intact is proficient, added as one MMR result (ASCP/CAP/AMP/ASCO
  colorectal molecular biomarker guideline, Sepulveda et al., J Clin Oncol 2017);
- any other protein: 'positive'/'negative' wording, the value kept as reported.

Abundance tables (`protein` or `antibody`, `abundance`/`intensity`/`value`/`log2_intensity`[,
`unit`]; mass-spectrometry protein quantification or RPPA, one protein per row) become protein
levels, compared with a protein reference cohort exactly like RNA (`expression.call_level`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from integrome.errors import InputError
from integrome.ingest._result import IngestResult
from integrome.ingest._tables import Row, Table, document, read_table
from integrome.ingest.expression import ExpressionReference, call_level, gene_name
from integrome.model import BiomarkerFinding, Coverage, ExpressionMeasurement, Finding

__all__ = ["MMR_PROTEINS", "IhcGrade", "ProteomicsOptions", "grade_ihc", "read_proteomics"]

MMR_PROTEINS = ("MLH1", "MSH2", "MSH6", "PMS2")
Status = Literal["positive", "negative", "equivocal", "low", "unknown"]

_MARKERS = {
    "HER2": "ERBB2",
    "ERBB2": "ERBB2",
    "HER2/NEU": "ERBB2",
    "ER": "ESR1",
    "ESTROGEN RECEPTOR": "ESR1",
    "PR": "PGR",
    "PGR": "PGR",
    "PROGESTERONE RECEPTOR": "PGR",
    "PD-L1": "CD274",
    "PDL1": "CD274",
    "CD274": "CD274",
}
_CANONICAL = {"ERBB2": "HER2", "ESR1": "ER", "PGR": "PR", "CD274": "PD-L1"}
_LOSS = re.compile(r"\b(loss|lost|absent|deficient|negative)\b", re.I)
_INTACT = re.compile(r"\b(intact|retained|present|proficient|positive)\b", re.I)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%?")


@dataclass(frozen=True)
class IhcGrade:
    biomarker: str
    gene: str | None
    status: Status
    scoring: str | None
    numeric: float | None
    unit: str | None
    method: str


@dataclass(frozen=True)
class ProteomicsOptions:
    reference: ExpressionReference | None = None
    genes: frozenset[str] | None = None


def grade_ihc(marker: str, result: str, scoring: str | None = None) -> IhcGrade:
    """Status of one IHC/ISH result under its marker's scheme (module docstring)."""
    key = marker.strip().upper()
    gene = _MARKERS.get(key) or gene_name(marker.strip())
    name = _CANONICAL.get(gene or "", gene or marker.strip())
    text = result.strip()
    lowered = text.lower()
    if name == "HER2":
        return _her2(text, gene)
    number = _PERCENT.search(text)
    numeric = float(number.group(1)) if number else None
    if name in ("ER", "PR"):
        if numeric is not None:
            status: Status = "negative" if numeric < 1 else "low" if numeric <= 10 else "positive"
            return IhcGrade(name, gene, status, "% nuclei", numeric, "%", "IHC")
        return IhcGrade(name, gene, _words(lowered), "% nuclei", None, None, "IHC")
    if name == "PD-L1":
        context = f"{scoring or ''} {text}"
        scheme = (
            "CPS"
            if re.search(r"\bCPS\b|combined", context, re.I)
            else "TPS"
            if re.search(r"\bTPS\b|proportion|%", context, re.I)
            else scoring
        )
        if numeric is not None:
            return IhcGrade(
                name, gene, "positive" if numeric >= 1 else "negative", scheme, numeric, None, "IHC"
            )
        return IhcGrade(name, gene, _words(lowered), scheme, None, None, "IHC")
    if name in MMR_PROTEINS:
        if _LOSS.search(lowered) and not re.search(r"\bno loss\b", lowered):
            return IhcGrade(name, gene, "negative", "MMR protein IHC (intact/loss)", None, None, "IHC")
        if _INTACT.search(lowered) or re.search(r"\bno loss\b", lowered):
            return IhcGrade(name, gene, "positive", "MMR protein IHC (intact/loss)", None, None, "IHC")
        return IhcGrade(name, gene, "unknown", "MMR protein IHC (intact/loss)", None, None, "IHC")
    return IhcGrade(
        name, gene, _words(lowered), scoring, numeric, "%" if number and "%" in text else None, "IHC"
    )


def _her2(text: str, gene: str | None) -> IhcGrade:
    lowered = text.lower()
    ish_negative = re.search(r"ish\s*-|ish\s*neg|not amplified|non-?amplified", lowered)
    ish_positive = not ish_negative and re.search(r"ish\s*\+|ish\s*pos|\bamplified", lowered)
    score = re.search(r"(?<![\d.])([0-3])\s*\+?", text)
    if score is None or ("ish" in lowered and not re.search(r"[0-3]\s*\+", text)):
        if ish_positive:
            return IhcGrade("HER2", gene, "positive", "ISH", None, None, "ISH")
        if ish_negative:
            return IhcGrade("HER2", gene, "negative", "ISH", None, None, "ISH")
        return IhcGrade("HER2", gene, _words(lowered), None, None, None, "IHC")
    level = score.group(1)
    if level == "3" or (level == "2" and ish_positive):
        return IhcGrade("HER2", gene, "positive", "IHC 0-3+", float(level), None, "IHC")
    if level == "1" or (level == "2" and ish_negative):
        return IhcGrade("HER2", gene, "low", "IHC 1+ or IHC 2+/ISH-", float(level), None, "IHC")
    if level == "2":
        return IhcGrade("HER2", gene, "equivocal", "IHC 0-3+", 2.0, None, "IHC")
    return IhcGrade("HER2", gene, "negative", "IHC 0-3+", 0.0, None, "IHC")


def _words(lowered: str) -> Status:
    if re.search(r"\b(positive|present|overexpress\w*|high)\b", lowered):
        return "positive"
    if re.search(r"\b(negative|absent|not detected|loss)\b", lowered):
        return "negative"
    if "equivocal" in lowered:
        return "equivocal"
    return "unknown"


def read_proteomics(path: Path, options: ProteomicsOptions | None = None) -> IngestResult:
    """Read an IHC/IF result table or a protein abundance table (module docstring)."""
    options = options or ProteomicsOptions()
    table = read_table(path)
    if table.first("biomarker", "marker") and table.first("result", "score"):
        return _ihc(table)
    if table.first("protein", "antibody"):
        return _abundance(table, options)
    raise InputError(table.name, f"line {table.header_line}", "not a known proteomics or IHC table")


def _ihc(table: Table) -> IngestResult:
    marker_col = table.require("biomarker", "marker", what="biomarker")
    result_col = table.require("result", "score", what="result")
    findings: list[Finding] = []
    warnings: list[str] = []
    mmr: dict[str, tuple[Status, int]] = {}
    for row in table.rows:
        marker, result = row.get(marker_col), row.get(result_col)
        if marker is None or result is None:
            raise InputError(table.name, f"line {row.line}", f"{marker_col} and {result_col} are required")
        method = row.get("method")
        grade = grade_ihc(marker, result, row.get("scoring"))
        if grade.status == "unknown":
            warnings.append(f"{table.name}:line {row.line}: {marker} result {result!r} could not be graded")
        if grade.biomarker in MMR_PROTEINS:
            mmr[grade.biomarker] = (grade.status, row.line)
        findings.append(_finding(table, row, grade, result, method or grade.method, len(findings) + 1))
    if mmr:
        findings.extend(_mmr(table, mmr, len(findings) + 1))
    coverage = Coverage(input=table.name, assay="table", origin="somatic", genes=None)
    return IngestResult(
        document=document(table, "proteomics"), findings=findings, coverage=[coverage], warnings=warnings
    )


def _finding(
    table: Table, row: Row, grade: IhcGrade, result: str, method: str, number: int
) -> BiomarkerFinding:
    return BiomarkerFinding(
        id=f"p{number}",
        source="table",
        origin="somatic",
        provenance=f"{table.name}:line {row.line}",
        omics_layer="protein",
        biomarker=grade.biomarker,
        gene=grade.gene,
        method=method,
        scoring=grade.scoring,
        value=result,
        numeric=grade.numeric,
        unit=grade.unit,
        status=grade.status,
    )


def _mmr(table: Table, results: dict[str, tuple[Status, int]], number: int) -> list[Finding]:
    states = {protein: status for protein, (status, _) in results.items()}
    lost = [protein for protein in MMR_PROTEINS if states.get(protein) == "negative"]
    intact = [protein for protein in MMR_PROTEINS if states.get(protein) == "positive"]
    if lost:
        value, status = f"deficient (loss of {', '.join(lost)})", "positive"
    elif len(intact) == len(MMR_PROTEINS):
        value, status = "proficient (MLH1, MSH2, MSH6, PMS2 intact)", "negative"
    else:
        return []
    line = min(line for _, line in results.values())
    return [
        BiomarkerFinding(
            id=f"p{number}",
            source="table",
            origin="somatic",
            provenance=f"{table.name}:line {line}",
            omics_layer="protein",
            biomarker="MMR",
            method="IHC",
            scoring="MMR protein IHC (intact/loss)",
            value=value,
            status=status,  # type: ignore[arg-type]
        )
    ]


def _abundance(table: Table, options: ProteomicsOptions) -> IngestResult:
    name_col = table.require("protein", "antibody", what="protein")
    value_col = table.require("abundance", "intensity", "log2_intensity", "value", what="abundance")
    log_scale = value_col == "log2_intensity"
    measurements = []
    warnings: list[str] = []
    unmapped = 0
    reference = options.reference
    for row in table.rows:
        gene = gene_name(row.get(name_col))
        value = table.number(row, value_col)
        if value is None:
            continue
        if gene is None:
            unmapped += 1
            continue
        unit = row.get("unit") or ("log2 intensity" if log_scale else "abundance")
        if not log_scale and "log" in unit.lower():
            log_scale = True
        ref = reference.values.get(gene) if reference is not None else None
        call, z, percentile, median = call_level(value, unit, ref, log_scale=log_scale)
        wanted = options.genes is not None and gene in options.genes
        if not wanted and call not in ("high", "low"):
            continue
        measurements.append(
            ExpressionMeasurement(
                gene=gene,
                layer="protein",
                value=value,
                unit=unit,
                call=call,  # type: ignore[arg-type]
                z_score=z,
                percentile=percentile,
                reference_median=median,
                reference=reference.description if reference is not None and ref else None,
                provenance=f"{table.name}:line {row.line}",
            )
        )
    if unmapped:
        warnings.append(f"{table.name}: {unmapped} proteins could not be mapped to gene symbols")
    if reference is None:
        warnings.append(
            f"{table.name}: no protein reference given; levels are reported without outlier calls"
        )
    return IngestResult(
        document=document(table, "proteomics"),
        coverage=[Coverage(input=table.name, assay="table", origin="somatic", genes=None)],
        warnings=warnings,
        expression=measurements,
    )

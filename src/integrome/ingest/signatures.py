"""Genome-wide signatures: TMB computed from the somatic variants, MSI and HRD from caller outputs.

TMB (`compute_tmb`): coding non-synonymous somatic mutations per megabase of callable territory.
Counted are variants whose consequence is missense, nonsense (stop gained), stop lost, start lost,
canonical splice site (donor/acceptor), frameshift or in-frame insertion/deletion — the classes
Molecular Oncology Almanac counts ("Missense, Nonsense, Nonstop, Splice Site, Frame Shift, and
Insertion and Deletion variants"); synonymous, intronic, UTR and intergenic variants are not. Each
genomic position counts once across files (same chrom/pos/ref/alt). Germline-origin variants are
excluded; unknown-origin ones (tumor-only files) are counted with a warning, since germline
variants then inflate the number. The territory is `--panel-size-mb`, or the total length of the
merged intervals of the targets BED. TMB-high is >= 10 mutations/Mb (KEYTRUDA label, TMB-H
indication, FDA 2020; FoundationOne CDx).

MSI: MSIsensor / MSIsensor2 output (`Total_Number_of_Sites`, `Number_of_Somatic_Sites`, `%`),
graded with the MSK-IMPACT cutoffs (score >= 10 MSI-H, 3 to < 10 indeterminate, < 3 MSS; Middha et
al., JCO Precis Oncol 2017, doi:10.1200/PO.17.00084); MANTIS `.status` files carry their own
threshold and call, which are used as given (stepwise-difference row, threshold 0.4 by default;
Kautto et al., Oncotarget 2017).

HRD: a table with an `HRD-sum` (scarHRD), `HRD_score` or `GIS` column; >= 42 is HRD-positive (the
genomic instability score cutoff of the myChoice CDx assay; Telli et al., Clin Cancer Res 2016).

COSMIC SBS signature contributions (`signature`, `contribution`; MOAlmanac's `--mutational_signatures`
input, e.g. from SigProfilerAssignment) are recognised so they are not read as clinical notes, but
no knowledge-base record uses a signature: the file yields no finding and one warning listing the
contributions of at least 6% (MOAlmanac's review floor), so the report says they were not used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from integrome.errors import InputError
from integrome.ingest._grades import TMB_HIGH, tmb_status
from integrome.ingest._result import IngestResult
from integrome.ingest._tables import Table, document, read_table
from integrome.model import BiomarkerFinding, Finding, VariantFinding
from integrome.normalize.variants import normalize_chrom

__all__ = [
    "HRD_CUTOFF",
    "MSISENSOR_CUTOFFS",
    "SIGNATURE_FLOOR",
    "TMB_HIGH",
    "TMB_TERMS",
    "TmbResult",
    "bed_territory_mb",
    "compute_tmb",
    "read_signatures",
    "tmb_finding",
]

HRD_CUTOFF = 42.0
MSISENSOR_CUTOFFS = (3.0, 10.0)
TMB_TERMS = frozenset(
    {
        "missense_variant",
        "stop_gained",
        "stop_lost",
        "start_lost",
        "splice_donor_variant",
        "splice_acceptor_variant",
        "frameshift_variant",
        "inframe_insertion",
        "inframe_deletion",
        "protein_altering_variant",
    }
)
"""Sequence Ontology consequences counted by TMB (MAF classifications map onto them in maf.py)."""


@dataclass(frozen=True)
class TmbResult:
    mutations: int
    territory_mb: float
    tmb: float
    unannotated: int
    """Variants left out because their input gave no consequence to judge."""
    unknown_origin: int


def compute_tmb(findings: Iterable[Finding], territory_mb: float) -> TmbResult:
    """Count coding non-synonymous somatic variants (module docstring) over `territory_mb`."""
    if territory_mb <= 0:
        raise ValueError("the callable territory must be positive")
    seen: set[tuple[object, ...]] = set()
    counted = unannotated = unknown = 0
    for finding in findings:
        if not isinstance(finding, VariantFinding) or finding.origin == "germline":
            continue
        if finding.source not in ("vcf", "maf"):
            continue
        key = (finding.build, normalize_chrom(finding.chrom or ""), finding.pos, finding.ref, finding.alt)
        if finding.pos is None or key in seen:
            continue
        seen.add(key)
        terms = {term for term in (finding.consequence or "").replace("&", ",").split(",") if term}
        if not terms:
            unannotated += 1
            continue
        if terms & TMB_TERMS:
            counted += 1
            unknown += finding.origin == "unknown"
    return TmbResult(counted, territory_mb, round(counted / territory_mb, 2), unannotated, unknown)


def tmb_finding(result: TmbResult, inputs: Sequence[str]) -> tuple[BiomarkerFinding, list[str]]:
    """The computed TMB as a biomarker finding, with warnings about what could distort it."""
    names = ", ".join(inputs)
    warnings = []
    if result.unannotated:
        warnings.append(
            f"TMB: {result.unannotated} variants in {names} carry no consequence annotation and were not "
            "counted; annotate the VCF (VEP/SnpEff) for a complete count"
        )
    if result.unknown_origin:
        warnings.append(
            f"TMB: {result.unknown_origin} counted variants have unknown origin (tumor-only input); "
            "germline variants may inflate the value"
        )
    finding = BiomarkerFinding(
        id="t1",
        source="vcf" if any(name.lower().endswith((".vcf", ".vcf.gz", ".bcf")) for name in inputs) else "maf",
        origin="somatic",
        provenance=f"computed from {names}",
        omics_layer="dna",
        biomarker="TMB",
        method="computed",
        scoring="mut/Mb",
        value=f"{result.tmb:g} mut/Mb ({result.mutations} mutations / {result.territory_mb:g} Mb)",
        numeric=result.tmb,
        unit="mut/Mb",
        status=tmb_status(result.tmb),
    )
    return finding, warnings


def bed_territory_mb(path: Path) -> float:
    """Total length of the merged BED intervals, in megabases (overlapping targets count once)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(path.name, None, f"cannot read the targets BED ({exc.strerror or exc})") from exc
    intervals: dict[str, list[tuple[int, int]]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        fields = line.split("\t") if "\t" in line else line.split()
        if len(fields) < 3 or not fields[1].isdigit() or not fields[2].isdigit():
            raise InputError(path.name, f"line {number}", "expected BED columns chrom, start, end")
        start, end = int(fields[1]), int(fields[2])
        if end < start:
            raise InputError(path.name, f"line {number}", f"end {end} is before start {start}")
        intervals.setdefault(normalize_chrom(fields[0]), []).append((start, end))
    total = 0
    for spans in intervals.values():
        current_start, current_end = -1, -1
        for start, end in sorted(spans):
            if start > current_end:
                total += max(0, current_end - current_start)
                current_start, current_end = start, end
            else:
                current_end = max(current_end, end)
        total += max(0, current_end - current_start)
    if total == 0:
        raise InputError(path.name, None, "the targets BED has no intervals")
    return total / 1e6


def read_signatures(path: Path) -> IngestResult:
    """Read an MSIsensor, MANTIS or HRD result file (module docstring)."""
    table = read_table(path)
    if table.has("total_number_of_sites", "number_of_somatic_sites"):
        finding = _msisensor(table)
    elif "average metric value (abbr)" in table.columns:
        finding = _mantis(table)
    elif table.first("hrd-sum", "hrd_score", "gis"):
        finding = _hrd(table)
    elif table.has("signature", "contribution"):
        return IngestResult(document=document(table, "signatures"), warnings=[_signature_note(table)])
    else:
        raise InputError(table.name, f"line {table.header_line}", "not a known MSI or HRD result file")
    return IngestResult(document=document(table, "signatures"), findings=[finding])


SIGNATURE_FLOOR = 0.06
"""Contributions below this are not listed (MOAlmanac's `signatures.min_contribution`)."""


def _signature_note(table: Table) -> str:
    """One warning naming the signature contributions that were read but are not interpreted."""
    shares: list[tuple[float, str]] = []
    for row in table.rows:
        name = (row.get("signature") or "").strip()
        value = table.number(row, "contribution", what=f"{name} contribution")
        if value is None:
            continue
        if not 0.0 <= value <= 1.0:
            raise InputError(
                table.name,
                f"line {row.line}",
                f"{name} contribution must be a fraction from 0 to 1, found {value:g}",
            )
        if value >= SIGNATURE_FLOOR:
            shares.append((value, name))
    listed = ", ".join(f"{name} {value:.0%}" for value, name in sorted(shares, key=lambda s: -s[0]))
    return (
        f"{table.name}: COSMIC mutational-signature contributions were read but not interpreted (no "
        f"knowledge-base record uses a signature): {listed or f'none of at least {SIGNATURE_FLOOR:.0%}'}"
    )


def _msisensor(table: Table) -> BiomarkerFinding:
    row = table.rows[0]
    score = table.number(row, "%", what="MSI score (%)")
    if score is None:
        raise InputError(table.name, f"line {row.line}", "the % column (MSI score) is empty")
    low, high = MSISENSOR_CUTOFFS
    status = "positive" if score >= high else "equivocal" if score >= low else "negative"
    call = {"positive": "MSI-H", "equivocal": "indeterminate", "negative": "MSS"}[status]
    return BiomarkerFinding(
        id="s1",
        source="table",
        origin="somatic",
        provenance=f"{table.name}:line {row.line}",
        omics_layer="dna",
        biomarker="MSI",
        method="NGS (MSIsensor)",
        scoring="MSIsensor score (%)",
        value=f"{call} (score {score:g}%)",
        numeric=score,
        unit="%",
        status=status,  # type: ignore[arg-type]
    )


def _mantis(table: Table) -> BiomarkerFinding:
    row = next((r for r in table.rows if "(DIF)" in (r.get("average metric value (abbr)") or "")), None)
    if row is None:
        raise InputError(table.name, None, "no 'Step-Wise Difference (DIF)' row in the MANTIS status file")
    value = table.number(row, "value", what="MANTIS score")
    threshold = table.number(row, "threshold", what="MANTIS threshold")
    call = (row.get("status") or "").strip()
    if call not in ("Stable", "Unstable") or value is None:
        raise InputError(
            table.name, f"line {row.line}", f"expected Status Stable or Unstable, found {call!r}"
        )
    return BiomarkerFinding(
        id="s1",
        source="table",
        origin="somatic",
        provenance=f"{table.name}:line {row.line}",
        omics_layer="dna",
        biomarker="MSI",
        method="NGS (MANTIS)",
        scoring=f"MANTIS stepwise difference (threshold {threshold:g})"
        if threshold is not None
        else "MANTIS",
        value=f"{'MSI-H' if call == 'Unstable' else 'MSS'} (score {value:g})",
        numeric=value,
        status="positive" if call == "Unstable" else "negative",
    )


def _hrd(table: Table) -> BiomarkerFinding:
    column = table.require("hrd-sum", "hrd_score", "gis", what="HRD score")
    row = table.rows[0]
    score = table.number(row, column, what="HRD score")
    if score is None:
        raise InputError(table.name, f"line {row.line}", f"the {column} cell is empty")
    return BiomarkerFinding(
        id="s1",
        source="table",
        origin="somatic",
        provenance=f"{table.name}:line {row.line}",
        omics_layer="dna",
        biomarker="HRD",
        method="NGS",
        scoring=f"genomic instability score (HRD-positive >= {HRD_CUTOFF:g})",
        value=f"{score:g}",
        numeric=score,
        status="positive" if score >= HRD_CUTOFF else "negative",
    )

"""The I/O edge shared by the CLI and the API: input files in, an `Analysis` out, reports written.

The core (`analyze`) is pure; this module owns what it may not do: reading files, loading the
knowledge base, reading the clock and writing outputs. Outputs are written all-or-nothing
(ARCHITECTURE.md, "nothing half-written to the output folder").
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from integrome.errors import ConfigError, DeliveryError
from integrome.model import Analysis, Build, Origin
from integrome.settings import get_settings

if TYPE_CHECKING:
    from integrome.ingest.load import IngestOptions
    from integrome.ingest.vcf import VcfOptions

__all__ = [
    "DETERMINISTIC_TIMESTAMP",
    "OUTPUT_FILES",
    "ProgressCallback",
    "RunOptions",
    "check_formats",
    "run_analysis",
    "write_outputs",
]

DETERMINISTIC_TIMESTAMP = "2026-01-01T00:00:00Z"
"""`generated_at` in deterministic mode, so golden files and repeated runs compare byte for byte."""

OUTPUT_FILES = {
    "json": "analysis.json",
    "html": "report.html",
    "pdf": "report.pdf",
    "fhir": "fhir-bundle.json",
}
"""Supported output formats and the file each one writes."""


ProgressCallback = Callable[[str, int], None]
"""Called while a VCF or MAF is scanned, with (file name, records read so far)."""


def _deterministic_default() -> bool:
    return get_settings().deterministic


@dataclass(frozen=True)
class RunOptions:
    """How to read the inputs; None means 'decide from the file' (VCF header, sample list)."""

    sample: str | None = None
    build: Build | None = None
    role: Origin = "unknown"
    """somatic / germline for VCFs whose header does not say; unknown = decide from the file."""
    roles: Mapping[Path, Origin] = field(default_factory=dict)
    """Per-file role for VCF and MAF inputs (--somatic-input / --germline-input); wins over `role`."""
    targets_bed: Path | None = None
    """BED of the regions the assay covered: genes outside it are 'not covered', not 'negative'."""
    kb_dir: Path | None = None
    """Extra knowledge-base folder; None = INTEGROME_KB_PATH, if set."""
    deterministic: bool = field(default_factory=_deterministic_default)
    """Pin `generated_at` (INTEGROME_DETERMINISTIC=1 sets the default)."""
    progress: ProgressCallback | None = None
    panel_size_mb: float | None = None
    """Callable territory for TMB in megabases; None = the targets BED's merged size, if one is given."""
    ploidy: float | None = None
    """Tumour ploidy for copy-number calls (default 2)."""
    purity: float | None = None
    """Tumour purity (0-1] to rescale copy-number log2 ratios (CNVkit method)."""
    expression_reference: Path | None = None
    """Cohort expression matrix (gene x samples) the patient's RNA levels are compared with."""
    protein_reference: Path | None = None
    """Cohort protein abundance matrix for the patient's protein levels."""


def run_analysis(paths: Sequence[Path], *, options: RunOptions) -> Analysis:
    """Load the knowledge base and the inputs, then analyze them.

    The VCF reader gets the pharmacogene positions of both builds, so that explicit reference
    calls (0/0) are kept (they separate 'wild type' from 'not tested'), and the knowledge base's
    genes, so that a germline file keeps the calls something can be said about.
    """
    from integrome.ingest.load import load_inputs
    from integrome.ingest.vcf import VcfOptions
    from integrome.insights import analyze
    from integrome.knowledge import load_knowledge_base

    kb = load_knowledge_base(extra_dir=options.kb_dir or get_settings().kb_path)
    builds: tuple[Build, ...] = ("GRCh38", "GRCh37")
    vcf = VcfOptions(
        sample=options.sample,
        build=options.build,
        role=options.role,
        sites_of_interest={build: kb.pgx.sites_of_interest(build) for build in builds},
        genes_of_interest=kb.genes,
        targets_bed=options.targets_bed,
    )
    profile = load_inputs(paths, _ingest_options(options, vcf, kb.genes, kb.pgx.position_genes()))
    return analyze(profile, kb, generated_at=_timestamp(options.deterministic))


def _ingest_options(
    options: RunOptions,
    vcf: VcfOptions,
    genes: frozenset[str],
    position_genes: Mapping[tuple[str, str, int], str],
) -> IngestOptions:
    """Multi-omics reading options: sample ploidy/purity, references, TMB territory, KB genes, and
    the pharmacogene of each definition position (to name it in a warning about conflicting calls)."""
    from integrome.ingest.cnv import CopyNumberOptions
    from integrome.ingest.expression import ExpressionOptions, read_reference
    from integrome.ingest.fusions import FusionOptions
    from integrome.ingest.load import IngestOptions
    from integrome.ingest.proteomics import ProteomicsOptions
    from integrome.ingest.signatures import bed_territory_mb
    from integrome.knowledge.diagnostic_fusions import load_diagnostic_fusions

    territory = options.panel_size_mb
    if territory is None and options.targets_bed is not None:
        territory = bed_territory_mb(options.targets_bed)
    rna = read_reference(options.expression_reference) if options.expression_reference else None
    protein = read_reference(options.protein_reference) if options.protein_reference else None
    return IngestOptions(
        vcf=vcf,
        progress=options.progress,
        copy_number=CopyNumberOptions(
            build=options.build, ploidy=options.ploidy, purity=options.purity, genes=genes
        ),
        # Fusions of hallmark diagnostic genes are kept too (EWSR1, FLI1…): they mean a diagnosis.
        fusions=FusionOptions(genes=genes | load_diagnostic_fusions().genes, build=options.build),
        expression=ExpressionOptions(reference=rna, genes=genes),
        proteomics=ProteomicsOptions(reference=protein, genes=genes),
        tmb_territory_mb=territory,
        position_genes=position_genes,
        roles=options.roles,
    )


def _timestamp(deterministic: bool) -> str:
    if deterministic:
        return DETERMINISTIC_TIMESTAMP
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def check_formats(formats: Collection[str]) -> list[str]:
    """The requested formats in a fixed order; ConfigError names any unsupported one."""
    unknown = sorted(set(formats) - OUTPUT_FILES.keys())
    if unknown or not formats:
        supported = ", ".join(OUTPUT_FILES)
        asked = ", ".join(unknown) if unknown else "none"
        raise ConfigError(f"unsupported output format: {asked} (supported formats: {supported})")
    return [name for name in OUTPUT_FILES if name in formats]


def write_outputs(analysis: Analysis, out_dir: Path, formats: Collection[str]) -> list[Path]:
    """Render every requested format, then put the files into `out_dir` all at once.

    Everything is rendered in memory and written to a staging folder beside `out_dir` first; a
    failure leaves `out_dir` exactly as it was (other files in an existing folder are kept).
    A new `out_dir` appears in one rename; into an existing one each file is renamed in place
    (same filesystem, so a rename cannot fail halfway through a file; targets that are folders,
    the one way a later rename could fail, are refused before anything is written).
    """
    from integrome.deliver import dump_analysis, html_to_pdf, render_fhir_bundle, render_html

    chosen = check_formats(formats)
    if out_dir.exists() and not out_dir.is_dir():
        raise DeliveryError(f"{out_dir}: the output path exists and is not a folder")
    for name in chosen:
        if (out_dir / OUTPUT_FILES[name]).is_dir():
            target = out_dir / OUTPUT_FILES[name]
            raise DeliveryError(f"{target}: a folder is in the way of the {name} output")
    rendered: dict[str, bytes] = {}
    html = render_html(analysis) if {"html", "pdf"} & set(chosen) else ""
    for name in chosen:
        if name == "json":
            rendered[OUTPUT_FILES[name]] = dump_analysis(analysis).encode()
        elif name == "html":
            rendered[OUTPUT_FILES[name]] = html.encode()
        elif name == "fhir":
            rendered[OUTPUT_FILES[name]] = render_fhir_bundle(analysis).encode()
        else:
            rendered[OUTPUT_FILES[name]] = html_to_pdf(html)
    staging = out_dir.parent / f".{out_dir.name}.{uuid.uuid4().hex[:12]}.partial"
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging.mkdir()
        for file_name, content in rendered.items():
            (staging / file_name).write_bytes(content)
        if out_dir.is_dir():
            for file_name in rendered:
                os.replace(staging / file_name, out_dir / file_name)
        else:
            os.rename(staging, out_dir)
    except OSError as exc:
        where = exc.filename or out_dir
        raise DeliveryError(f"{where}: cannot write outputs ({exc.strerror or exc})") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / file_name for file_name in rendered]

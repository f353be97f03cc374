"""`integrome analyze INPUT... --out DIR`: one patient's files in, reports out.

Only argument handling lives here; the work is `pipeline.run_analysis` and `write_outputs`.
The library is imported inside the command so that `integrome --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

__all__ = ["analyze", "parse_formats"]


def parse_formats(text: str) -> set[str]:
    """'json, HTML,pdf' → {'json', 'html', 'pdf'}; validity is checked by the pipeline."""
    return {part.strip().lower() for part in text.split(",") if part.strip()}


def analyze(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="Patient files, detected by content: FHIR Bundle, Phenopacket, VCF/VCF.GZ/BCF, MAF, notes.",
            metavar="INPUT",
            exists=True,
            dir_okay=False,
            readable=True,
            show_default=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder for the reports (created if missing).", file_okay=False),
    ],
    formats: Annotated[
        str, typer.Option("--format", "-f", help="Comma-separated output formats: json, html, pdf, fhir.")
    ] = "json,html,pdf",
    sample: Annotated[
        str | None, typer.Option(help="VCF sample to read when a VCF holds several.", show_default=False)
    ] = None,
    build: Annotated[
        Literal["GRCh38", "GRCh37"] | None,
        typer.Option(
            help="Genome build of VCFs whose header does not say.", case_sensitive=False, show_default=False
        ),
    ] = None,
    somatic: Annotated[bool, typer.Option("--somatic", help="The VCFs hold tumor (somatic) calls.")] = False,
    germline: Annotated[bool, typer.Option("--germline", help="The VCFs hold germline calls.")] = False,
    targets: Annotated[
        Path | None,
        typer.Option(
            "--targets",
            help="BED of the assay's target regions: genes outside are 'not covered', not negative.",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    kb_dir: Annotated[
        Path | None,
        typer.Option(
            "--kb-dir",
            help="Extra knowledge-base folder layered over the packaged core (default: INTEGROME_KB_PATH).",
            exists=True,
            file_okay=False,
            show_default=False,
        ),
    ] = None,
    panel_size_mb: Annotated[
        float | None,
        typer.Option(
            "--panel-size-mb",
            help="Callable territory in megabases for computing TMB (default: the --targets BED's size).",
            min=0.001,
            show_default=False,
        ),
    ] = None,
    ploidy: Annotated[
        float | None,
        typer.Option(
            help="Tumour ploidy for copy-number calls (default 2).", min=0.5, max=10, show_default=False
        ),
    ] = None,
    purity: Annotated[
        float | None,
        typer.Option(
            help="Tumour purity (0-1] to rescale copy-number log2 ratios.",
            min=0.01,
            max=1.0,
            show_default=False,
        ),
    ] = None,
    expression_reference: Annotated[
        Path | None,
        typer.Option(
            "--expression-reference",
            help="Cohort expression matrix (gene, then one column per sample) for RNA outlier calls.",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    protein_reference: Annotated[
        Path | None,
        typer.Option(
            "--protein-reference",
            help="Cohort protein abundance matrix for protein outlier calls.",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Analyze one patient's files and write the reports to --out."""
    if somatic and germline:
        raise typer.BadParameter("choose one of --somatic and --germline", param_hint="--somatic/--germline")
    from integrome.cli._output import print_summary, vcf_progress
    from integrome.model import Origin
    from integrome.pipeline import RunOptions, check_formats, run_analysis, write_outputs

    chosen = check_formats(parse_formats(formats))
    role: Origin = "somatic" if somatic else "germline" if germline else "unknown"
    with vcf_progress() as progress:
        options = RunOptions(
            sample=sample,
            build=build,
            role=role,
            targets_bed=targets,
            kb_dir=kb_dir,
            progress=progress,
            panel_size_mb=panel_size_mb,
            ploidy=ploidy,
            purity=purity,
            expression_reference=expression_reference,
            protein_reference=protein_reference,
        )
        analysis = run_analysis(inputs, options=options)
    written = write_outputs(analysis, out, chosen)
    print_summary(analysis, written)

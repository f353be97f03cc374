"""`integrome analyze INPUT... --out DIR`: one patient's files in, reports out.

Only argument handling lives here; the work is `pipeline.run_analysis` and `write_outputs`.
The library is imported inside the command so that `integrome --help` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from integrome.cli._options import BuildOption, GermlineFlag, KbDirOption, SomaticFlag

if TYPE_CHECKING:
    from integrome.model import Origin

__all__ = ["analyze", "parse_formats"]


def parse_formats(text: str) -> set[str]:
    """'json, HTML,pdf' → {'json', 'html', 'pdf'}; validity is checked by the pipeline."""
    return {part.strip().lower() for part in text.split(",") if part.strip()}


def _role_inputs(
    inputs: list[Path], somatic_inputs: list[Path], germline_inputs: list[Path]
) -> tuple[list[Path], dict[Path, Origin]]:
    """Every file to read (INPUTs, then role files not already among them) and each role file's role."""
    both = {p.resolve() for p in somatic_inputs} & {p.resolve() for p in germline_inputs}
    if both:
        named = ", ".join(sorted(p.name for p in both))
        raise typer.BadParameter(
            f"{named} given as both somatic and germline", param_hint="--somatic-input/--germline-input"
        )
    roles: dict[Path, Origin] = {p: "somatic" for p in somatic_inputs}
    roles.update({p: "germline" for p in germline_inputs})
    paths = list(inputs)
    seen = {p.resolve() for p in paths}
    for path in roles:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            paths.append(path)
    if not paths:
        raise typer.BadParameter("give at least one INPUT file", param_hint="INPUT")
    return paths, roles


def analyze(
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="Folder for the reports (created if missing).", file_okay=False),
    ],
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Patient files, detected by content: FHIR Bundle, Phenopacket, VCF/VCF.GZ/BCF, MAF, notes.",
            metavar="INPUT",
            exists=True,
            dir_okay=False,
            readable=True,
            show_default=False,
        ),
    ] = None,
    formats: Annotated[
        str, typer.Option("--format", "-f", help="Comma-separated output formats: json, html, pdf, fhir.")
    ] = "json,html,pdf",
    sample: Annotated[
        str | None, typer.Option(help="VCF sample to read when a VCF holds several.", show_default=False)
    ] = None,
    build: BuildOption = None,
    somatic: SomaticFlag = False,
    germline: GermlineFlag = False,
    somatic_inputs: Annotated[
        list[Path] | None,
        typer.Option(
            "--somatic-input",
            help="A tumor (somatic) VCF or MAF to read; repeatable; overrides --somatic/--germline for it.",
            metavar="PATH",
            exists=True,
            dir_okay=False,
            readable=True,
            show_default=False,
        ),
    ] = None,
    germline_inputs: Annotated[
        list[Path] | None,
        typer.Option(
            "--germline-input",
            help="A germline VCF or MAF to read; repeatable; overrides --somatic/--germline for it.",
            metavar="PATH",
            exists=True,
            dir_okay=False,
            readable=True,
            show_default=False,
        ),
    ] = None,
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
    kb_dir: KbDirOption = None,
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
    paths, roles = _role_inputs(inputs or [], somatic_inputs or [], germline_inputs or [])
    from integrome.cli._output import print_summary, vcf_progress
    from integrome.pipeline import RunOptions, check_formats, run_analysis, write_outputs

    chosen = check_formats(parse_formats(formats))
    role: Origin = "somatic" if somatic else "germline" if germline else "unknown"
    with vcf_progress() as progress:
        options = RunOptions(
            sample=sample,
            build=build,
            role=role,
            roles=roles,
            targets_bed=targets,
            kb_dir=kb_dir,
            progress=progress,
            panel_size_mb=panel_size_mb,
            ploidy=ploidy,
            purity=purity,
            expression_reference=expression_reference,
            protein_reference=protein_reference,
        )
        analysis = run_analysis(paths, options=options)
    written = write_outputs(analysis, out, chosen)
    print_summary(analysis, written)

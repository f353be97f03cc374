"""`integrome demo`: analyze the bundled synthetic patient and write every report format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["demo"]


def demo(
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for the demo reports.", file_okay=False)
    ] = Path("integrome-demo"),
) -> None:
    """Analyze a bundled synthetic patient and write every report format (JSON, HTML, PDF, FHIR)."""
    from integrome.cli._output import print_summary, vcf_progress
    from integrome.examples import DEMO_KB_DIR, demo_inputs
    from integrome.pipeline import OUTPUT_FILES, RunOptions, run_analysis, write_outputs

    with vcf_progress() as progress:
        analysis = run_analysis(demo_inputs(), options=RunOptions(progress=progress, kb_dir=DEMO_KB_DIR))
    written = write_outputs(analysis, out, OUTPUT_FILES.keys())
    print_summary(analysis, written)

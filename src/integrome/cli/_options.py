"""Command-line options shared by the commands that read patient files (`analyze`, `cohort`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

__all__ = ["BuildOption", "GermlineFlag", "KbDirOption", "SomaticFlag"]

BuildOption = Annotated[
    Literal["GRCh38", "GRCh37"] | None,
    typer.Option(
        help="Genome build of VCFs whose header does not say.", case_sensitive=False, show_default=False
    ),
]
SomaticFlag = Annotated[bool, typer.Option("--somatic", help="The VCFs hold tumor (somatic) calls.")]
GermlineFlag = Annotated[bool, typer.Option("--germline", help="The VCFs hold germline calls.")]
KbDirOption = Annotated[
    Path | None,
    typer.Option(
        "--kb-dir",
        help="Extra knowledge-base folder layered over the packaged core (default: INTEGROME_KB_PATH).",
        exists=True,
        file_okay=False,
        show_default=False,
    ),
]

"""`integrome compare OLD NEW`: what changed for one patient between two analysis.json files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["compare"]


def compare(
    old: Annotated[Path, typer.Argument(help="The earlier analysis.json.")],
    new: Annotated[Path, typer.Argument(help="The later analysis.json of the same patient.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the differences as JSON.")] = False,
) -> None:
    """Insights new, removed and changed (tier, severity, ...) and pharmacogene changes between two
    analyses of the same patient, e.g. before and after a knowledge-base update."""
    from integrome.cli._diff_output import print_analysis_diff
    from integrome.cli._output import console
    from integrome.deliver import read_analysis
    from integrome.errors import InputError
    from integrome.insights.diff import diff_analyses

    before = read_analysis(old)
    after = read_analysis(new)
    if before.patient.id != after.patient.id:
        raise InputError(
            new,
            "/patient/id",
            f"expected the patient of {old} ({before.patient.id!r}), found {after.patient.id!r}",
        )
    diff = diff_analyses(before, after)
    if as_json:
        typer.echo(diff.model_dump_json(indent=2))
        return
    print_analysis_diff(diff, console())

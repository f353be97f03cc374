"""What the commands print: a short run summary on stdout, progress on stderr.

Patient-derived text (titles, summaries, file names) is passed to Rich as `Text`, never as markup,
so a title such as "[bold]" or "[link=...]" prints literally.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from integrome.model import Analysis
    from integrome.pipeline import ProgressCallback

__all__ = ["console", "print_summary", "summary_lines", "vcf_progress"]

_TOP_ALERTS = 5
_SEVERITY_ORDER = {"critical": 0, "warning": 1}


def console(*, stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def summary_lines(analysis: Analysis, written: Sequence[Path]) -> list[str]:
    """Plain-text run summary: insight counts by kind, the top alerts, and where files went."""
    insights = analysis.insights
    kinds = Counter(i.kind for i in insights)
    severities = Counter(i.severity for i in insights)
    lines = [
        f"Patient {analysis.patient.id}: {len(insights)} insight{'' if len(insights) == 1 else 's'}"
        f" ({severities['critical']} critical, {severities['warning']} warning)"
        f", knowledge base {analysis.kb_version}"
    ]
    if kinds:
        lines.append("  " + ", ".join(f"{kind}: {count}" for kind, count in sorted(kinds.items())))
    alerts = sorted(
        (i for i in insights if i.severity in _SEVERITY_ORDER), key=lambda i: _SEVERITY_ORDER[i.severity]
    )
    if alerts:
        lines.append("Top alerts:")
        lines += [f"  {i.severity.upper():<8} {i.title}: {i.summary}" for i in alerts[:_TOP_ALERTS]]
        if len(alerts) > _TOP_ALERTS:
            lines.append(f"  ... and {len(alerts) - _TOP_ALERTS} more in the report")
    if analysis.warnings:
        noun = "warning" if len(analysis.warnings) == 1 else "warnings"
        lines.append(f"{len(analysis.warnings)} input {noun} (listed in the report and analysis.json)")
    if written:
        lines.append(f"Wrote {len(written)} file{'' if len(written) == 1 else 's'}:")
        lines += [f"  {path}" for path in written]
    return lines


def print_summary(analysis: Analysis, written: Sequence[Path]) -> None:
    from rich.text import Text

    out = console()
    for line in summary_lines(analysis, written):
        style = "bold red" if line.lstrip().startswith("CRITICAL") else None
        out.print(Text(line, style=style or ""))


@contextmanager
def vcf_progress() -> Iterator[ProgressCallback]:
    """A Rich progress line per scanned VCF on an interactive stderr (records read, time); it
    disappears when the scan ends. The total is unknown while streaming, so the bar pulses."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

    err = console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} records"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def update(name: str, records: int) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(f"Scanning {name}", total=None)
            progress.update(tasks[name], completed=records)

        yield update

"""`integrome kb ...`: what the knowledge base in use contains (version, sources, counts)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["info", "info_lines", "kb_app"]

kb_app = typer.Typer(help="Knowledge base: version, sources and record counts.", no_args_is_help=True)


@kb_app.command("info")
def info(
    as_json: Annotated[bool, typer.Option("--json", help="Print the information as JSON.")] = False,
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
) -> None:
    """Show the knowledge base version, its files and record counts."""
    from rich.text import Text

    from integrome.cli._output import console
    from integrome.knowledge import load_knowledge_base
    from integrome.settings import get_settings

    kb_info = load_knowledge_base(extra_dir=kb_dir or get_settings().kb_path).info()
    out = console()
    if as_json:
        out.print(Text(kb_info.model_dump_json(indent=2)))
        return
    for line in info_lines(kb_info):
        out.print(Text(line))


def info_lines(model: BaseModel) -> list[str]:
    """One line per field ('biomarkers: 120'); dicts as 'key n, ...', lists of records as rows.

    Generic over the fields so that counts the knowledge base adds later show up unchanged.
    """
    lines: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        label = name.replace("_", " ")
        if value is None or value == [] or value == {}:
            continue
        if isinstance(value, dict):
            lines.append(f"{label}: " + ", ".join(f"{key} {count}" for key, count in value.items()))
        elif isinstance(value, list):
            lines.append(f"{label}:")
            for item in value:
                if hasattr(type(item), "model_fields"):
                    fields = (getattr(item, f) for f in type(item).model_fields)
                    lines.append("  " + "  ".join(str(f) for f in fields if f is not None))
                else:
                    lines.append(f"  {item}")
        else:
            lines.append(f"{label}: {value}")
    return lines

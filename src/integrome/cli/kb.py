"""`integrome kb ...`: what the knowledge base in use contains (version, sources, counts); imports."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "diff",
    "import_app",
    "import_catalog_command",
    "import_ctml_command",
    "info",
    "info_lines",
    "kb_app",
]

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


PACKAGED = "packaged"
"""`kb diff` argument naming the packaged core alone (write ./packaged for a folder of that name)."""


@kb_app.command("diff")
def diff(
    old: Annotated[str, typer.Argument(help=f"Earlier knowledge-base folder, or '{PACKAGED}' for the core.")],
    new: Annotated[str, typer.Argument(help=f"Later knowledge-base folder, or '{PACKAGED}' for the core.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the differences as JSON.")] = False,
) -> None:
    """What changed between two knowledge bases (each folder layered over the packaged core):
    records, hotspots, PGx definitions and rules, and counts."""
    from integrome.cli._diff_output import print_kb_diff
    from integrome.cli._output import console
    from integrome.knowledge import load_knowledge_base
    from integrome.knowledge.diff import diff_knowledge_bases, kb_contents

    before, after = (
        kb_contents(load_knowledge_base(extra_dir=None if arg == PACKAGED else Path(arg)))
        for arg in (old, new)
    )
    kb_diff = diff_knowledge_bases(before, after)
    if as_json:
        typer.echo(kb_diff.model_dump_json(indent=2))
        return
    print_kb_diff(kb_diff, console())


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


import_app = typer.Typer(help="Import an external source into a knowledge-base folder.", no_args_is_help=True)
kb_app.add_typer(import_app, name="import")


@import_app.command("ctml")
def import_ctml_command(
    path: Annotated[Path, typer.Argument(help="A CTML trial file (JSON or YAML) or a folder of them.")],
    kb_dir: Annotated[
        Path | None,
        typer.Option(
            "--kb-dir",
            help="Knowledge-base folder to import into; trials go to its trials/ folder "
            "(default: INTEGROME_KB_PATH).",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import clinical trials written in CTML (MatchMiner); nothing is written if any file is invalid."""
    from rich.text import Text

    from integrome.cli._output import console
    from integrome.errors import ConfigError
    from integrome.knowledge.sources.ctml import import_ctml
    from integrome.settings import get_settings

    target = kb_dir or get_settings().kb_path
    if target is None:
        raise ConfigError(
            "no knowledge-base folder to import into: pass --kb-dir DIR or set INTEGROME_KB_PATH"
        )
    report = import_ctml(path, target)
    out = console()
    out.print(
        Text(
            f"imported {report.trials} trials ({report.arms} arms, {report.open_arms} open) from "
            f"{report.files} file{'' if report.files == 1 else 's'} into {report.output}"
        )
    )
    for warning in report.warnings:
        out.print(Text(f"warning: {warning}"))


@import_app.command("catalog")
def import_catalog_command(
    path: Annotated[Path, typer.Argument(help="A test catalog (YAML or JSON, schema integrome.catalog/1).")],
    kb_dir: Annotated[
        Path | None,
        typer.Option(
            "--kb-dir",
            help="Knowledge-base folder to import into; the catalog goes to its catalog/ folder "
            "(default: INTEGROME_KB_PATH, else the user data folder integrome/kb).",
            file_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Validate a laboratory test catalog and copy it into the knowledge base (nothing written if invalid)."""
    from platformdirs import user_data_path
    from rich.text import Text

    from integrome.cli._output import console
    from integrome.knowledge.catalog import import_catalog
    from integrome.settings import get_settings

    configured = kb_dir or get_settings().kb_path
    target = configured or user_data_path("integrome") / "kb"
    imported = import_catalog(path, target)
    catalog = imported.catalog
    out = console()
    action = "updated" if imported.replaced else "imported"
    out.print(
        Text(
            f"{action} catalog '{catalog.name}' version {catalog.version} ({len(catalog.tests)} tests, "
            f"{len(catalog.providers)} providers) into {imported.path}"
        )
    )
    if configured is None:
        out.print(Text(f"analyses use it with --kb-dir {target} or INTEGROME_KB_PATH={target}"))

"""The `integrome` command line: thin Typer adapters over the library, one module per command.

`main` returns the exit status instead of exiting, so tests call it directly; only the console
script shim turns it into `sys.exit`. Errors meant for the user (`IntegromeError`) print one
`error:` line and exit 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Annotated

import typer
from typer._click.exceptions import NoArgsIsHelpError  # vendored Click; Typer does not re-export it

from integrome import __version__
from integrome.cli.analyze import analyze
from integrome.cli.cohort import cohort
from integrome.cli.compare import compare
from integrome.cli.demo import demo
from integrome.cli.kb import kb_app
from integrome.cli.pgx import pgx
from integrome.cli.serve import serve
from integrome.cli.users import users_app
from integrome.errors import IntegromeError

__all__ = ["app", "main"]

USAGE_ERROR = 2
"""Exit status for bad input and bad usage alike (ARCHITECTURE.md, command line contract)."""

app = typer.Typer(
    name="integrome",
    help="Patient data in (FHIR, VCF, MAF, phenopackets, notes); cited, tiered insights out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("analyze")(analyze)
app.command("cohort")(cohort)
app.command("compare")(compare)
app.command("demo")(demo)
app.command("pgx")(pgx)
app.command("serve")(serve)
app.add_typer(kb_app, name="kb")
app.add_typer(users_app, name="users")


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"integrome {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", help="Show the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    """integrome: evidence-graded, cited decision support from one patient's scattered data."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: sys.argv[1:]) and return the exit status.

    Libraries' log warnings (WeasyPrint font subsetting, CSS it ignores) mean nothing to a
    clinician: only errors are logged. Everything the user must know is in the report's warnings.
    """
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s: %(name)s: %(message)s")
    args = list(argv) if argv is not None else sys.argv[1:]
    try:
        code = app(args=args, prog_name="integrome", standalone_mode=False)
    except NoArgsIsHelpError as exc:
        exc.show()
        return USAGE_ERROR
    except typer.TyperException as exc:
        # A missing file, a folder given as input, an unknown option: one line, like input errors.
        print(f"error: {' '.join(exc.format_message().split())}", file=sys.stderr)
        return exc.exit_code
    except typer.Abort:
        print("error: aborted", file=sys.stderr)
        return 1
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except IntegromeError as exc:
        message = " ".join(str(exc).split())
        print(f"error: {message}", file=sys.stderr)
        return USAGE_ERROR
    return code if isinstance(code, int) else 0

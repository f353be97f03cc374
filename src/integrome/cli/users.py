"""`integrome users`: the server's accounts, run by an admin on the server machine.

Add and list users; deactivate or activate one (deactivating refuses their live tokens at once);
revoke every token a user holds; link a lab user to the laboratories (catalog provider ids)
whose catalogs they may publish. Changes go straight to the database, so every running server
process honours them from its next request. Settings come from the environment / `.env`
(prefix INTEGROME_), as for `integrome serve`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:
    from integrome.settings import Settings
    from integrome.storage import Transaction

__all__ = ["DATABASE_OPTION", "server_settings", "users_app"]

users_app = typer.Typer(
    help="User accounts of the server (sign-in, tokens, laboratories).", no_args_is_help=True
)

DATABASE_OPTION = typer.Option(
    "--database-url",
    help="SQLAlchemy URL (default: INTEGROME_DATABASE_URL, else SQLite in the user data folder).",
    show_default=False,
)

_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$")
_T = TypeVar("_T")

NameArgument = Annotated[str, typer.Argument(help="User name (external users: issuer#subject).")]
LabArgument = Annotated[str, typer.Argument(help="Laboratory id: the provider id in its catalogs.")]
DatabaseUrl = Annotated[str | None, DATABASE_OPTION]


def server_settings(database_url: str | None) -> Settings:
    """The server's settings, with `--database-url` passed on through the environment (workers)."""
    from integrome.settings import Settings

    if database_url:
        os.environ["INTEGROME_DATABASE_URL"] = database_url
    return Settings()


def _in_transaction(database_url: str | None, work: Callable[[Transaction], _T]) -> _T:
    from integrome.storage import create_repository

    repository = create_repository(server_settings(database_url).resolved_database_url())
    try:
        with repository.transaction() as tx:
            return work(tx)
    finally:
        repository.close()


def _lab_id(lab_id: str) -> str:
    from integrome.errors import ConfigError
    from integrome.storage.base import LAB_ID

    if not re.fullmatch(LAB_ID, lab_id):
        raise ConfigError(
            f"laboratory id {lab_id!r}: use the provider id of its catalog "
            "(lowercase letters, digits and '-', at most 100)"
        )
    return lab_id


@users_app.command("add")
def add_user(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -).")],
    role: Annotated[str, typer.Option(help="clinician, lab, researcher or admin.")] = "clinician",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (scripts).")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Create a local user; the password is asked for twice unless --password-stdin is given.
    A lab user publishes nothing until linked to a laboratory (`integrome users link-lab`)."""
    from integrome.api.auth import hash_password
    from integrome.errors import ConfigError
    from integrome.storage import ROLES

    if not _USER_NAME.match(name):
        raise ConfigError(f"user name {name!r}: use letters, digits and . _ @ - (at most 200)")
    if role not in ROLES:
        raise ConfigError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 12:
        raise ConfigError("the password must be at least 12 characters long")
    password_hash = hash_password(password)
    _in_transaction(database_url, lambda tx: tx.add_user(name, role, password_hash))
    typer.echo(f"added {role} {name}")


@users_app.command("list")
def list_users(database_url: DatabaseUrl = None) -> None:
    """List users with their roles, state and (lab users) laboratories."""

    def listed(tx: Transaction) -> list[str]:
        lines = []
        for user in tx.list_users():
            state = "" if user.active else " (inactive)"
            kind = "external" if user.password_hash is None else "local"
            labs = tx.user_labs(user.id) if user.role == "lab" else []
            linked = f"\tlabs: {', '.join(labs) or 'none'}" if user.role == "lab" else ""
            lines.append(f"{user.name}\t{user.role}\t{kind}{state}{linked}")
        return lines

    for line in _in_transaction(database_url, listed):
        typer.echo(line)


@users_app.command("deactivate")
def deactivate(name: NameArgument, database_url: DatabaseUrl = None) -> None:
    """Refuse the user's sign-in and every token they hold, at once."""
    _in_transaction(database_url, lambda tx: tx.set_user_active(name, False))
    typer.echo(f"deactivated {name}; their tokens are refused")


@users_app.command("activate")
def activate(name: NameArgument, database_url: DatabaseUrl = None) -> None:
    """Let a deactivated user sign in again (tokens from before stay revoked)."""
    _in_transaction(database_url, lambda tx: tx.set_user_active(name, True))
    typer.echo(f"activated {name}")


@users_app.command("revoke-tokens")
def revoke_tokens(name: NameArgument, database_url: DatabaseUrl = None) -> None:
    """Revoke every token the user holds now; signing in again gives a working token."""
    now = datetime.now(UTC)
    _in_transaction(database_url, lambda tx: tx.revoke_user_tokens(name, now))
    typer.echo(f"revoked the tokens {name} was issued before {now.isoformat(timespec='seconds')}")


@users_app.command("link-lab")
def link_lab(name: NameArgument, lab_id: LabArgument, database_url: DatabaseUrl = None) -> None:
    """Let a lab user publish the catalogs of this laboratory (every provider of a catalog they
    publish, and of the catalog it replaces, must be linked)."""
    lab = _lab_id(lab_id)
    _in_transaction(database_url, lambda tx: tx.link_lab(name, lab))
    typer.echo(f"{name} may publish catalogs of {lab}")


@users_app.command("unlink-lab")
def unlink_lab(name: NameArgument, lab_id: LabArgument, database_url: DatabaseUrl = None) -> None:
    """Stop a lab user publishing the catalogs of this laboratory."""
    from integrome.errors import ConfigError

    lab = _lab_id(lab_id)
    if not _in_transaction(database_url, lambda tx: tx.unlink_lab(name, lab)):
        raise ConfigError(f"user {name!r} is not linked to laboratory {lab!r}")
    typer.echo(f"{name} no longer publishes catalogs of {lab}")

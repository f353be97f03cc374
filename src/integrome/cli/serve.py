"""`integrome serve` (REST API, CDS Hooks, web UI) and `integrome users` (local accounts).

The schema is migrated and the key files are created once here, before uvicorn starts its
worker processes, so workers never race each other on either. Settings come from the
environment / `.env` (prefix INTEGROME_); `--database-url` is passed to the workers the same way.
"""

from __future__ import annotations

import os
import re
import socket
import sys
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from integrome.settings import Settings

__all__ = ["serve", "users_app"]

users_app = typer.Typer(help="Local user accounts of the server (password sign-in).", no_args_is_help=True)

_DATABASE_OPTION = typer.Option(
    "--database-url",
    help="SQLAlchemy URL (default: INTEGROME_DATABASE_URL, else SQLite in the user data folder).",
    show_default=False,
)


_USER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,199}$")


def _settings(database_url: str | None) -> Settings:
    from integrome.settings import Settings

    if database_url:
        os.environ["INTEGROME_DATABASE_URL"] = database_url
    return Settings()


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on; 0.0.0.0 exposes the server to the network.")
    ] = ("127.0.0.1"),
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    database_url: Annotated[str | None, _DATABASE_OPTION] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes.")] = 1,
) -> None:
    """Serve the REST API (/api/v1, /docs), CDS Hooks and the web UI."""
    import logging

    import uvicorn

    from integrome.api.app import create_app
    from integrome.api.auth import load_signing_key
    from integrome.api.logs import configure_logging
    from integrome.api.service import load_pseudonym_key
    from integrome.storage import upgrade

    settings = _settings(database_url)
    configure_logging(settings.log_level)
    url = settings.resolved_database_url()
    upgrade(url)
    load_signing_key(settings)
    load_pseudonym_key(settings)
    logging.getLogger("integrome.api").info(
        "starting",
        extra={"host": host, "port": port, "workers": workers, "database": url.split(":", 1)[0]},
    )
    if workers == 1:
        uvicorn.run(create_app(settings, migrate=False), host=host, port=port, log_config=None)
    else:
        from uvicorn.supervisors import Multiprocess

        config = uvicorn.Config(
            "integrome.api.app:create_app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
        )
        Multiprocess(config, sockets=[tcp_listener(host, port)]).run()


def tcp_listener(host: str, port: int) -> socket.socket:
    """A listening socket created with proto IPPROTO_TCP, shared by the worker processes.

    uvicorn's own `--workers` listener has proto 0, so asyncio never sets TCP_NODELAY on the
    accepted connections and every keep-alive response after the first waits for Nagle's timer
    (about 40 ms; uvicorn issue Kludex/uvicorn#3149) — too slow for CDS Hooks cards.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.set_inheritable(True)
    return listener


@users_app.command("add")
def add_user(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ @ -).")],
    role: Annotated[str, typer.Option(help="clinician, lab, researcher or admin.")] = "clinician",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input (scripts).")
    ] = False,
    database_url: Annotated[str | None, _DATABASE_OPTION] = None,
) -> None:
    """Create a local user; the password is asked for twice unless --password-stdin is given."""
    from integrome.api.auth import hash_password
    from integrome.errors import ConfigError
    from integrome.storage import ROLES, create_repository

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
    settings = _settings(database_url)
    repository = create_repository(settings.resolved_database_url())
    try:
        with repository.transaction() as tx:
            tx.add_user(name, role, hash_password(password))
    finally:
        repository.close()
    typer.echo(f"added {role} {name}")


@users_app.command("list")
def list_users(database_url: Annotated[str | None, _DATABASE_OPTION] = None) -> None:
    """List users with their roles."""
    from integrome.storage import create_repository

    settings = _settings(database_url)
    repository = create_repository(settings.resolved_database_url())
    try:
        with repository.transaction() as tx:
            users = tx.list_users()
    finally:
        repository.close()
    for user in users:
        state = "" if user.active else " (inactive)"
        kind = "external" if user.password_hash is None else "local"
        typer.echo(f"{user.name}\t{user.role}\t{kind}{state}")

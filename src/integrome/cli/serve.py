"""`integrome serve`: the REST API, CDS Hooks and the web UI (accounts: `cli/users.py`).

The schema is migrated and the key files are created once here, before uvicorn starts its
worker processes, so workers never race each other on either. Settings come from the
environment / `.env` (prefix INTEGROME_); `--database-url` is passed to the workers the same way.
"""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from integrome.cli.users import DATABASE_OPTION, server_settings

__all__ = ["serve", "tcp_listener"]


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on; 0.0.0.0 exposes the server to the network.")
    ] = ("127.0.0.1"),
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    database_url: Annotated[str | None, DATABASE_OPTION] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes.")] = 1,
) -> None:
    """Serve the REST API (/api/v1, /docs), CDS Hooks and the web UI."""
    import logging

    import uvicorn

    from integrome.api.app import create_app, warm_up
    from integrome.api.auth import load_signing_key
    from integrome.api.logs import configure_logging
    from integrome.api.service import load_pseudonym_key
    from integrome.storage import upgrade

    settings = server_settings(database_url)
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
        app = create_app(settings, migrate=False)
        warm_up(app)
        uvicorn.run(app, host=host, port=port, log_config=None)
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

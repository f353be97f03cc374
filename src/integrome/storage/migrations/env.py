"""Alembic environment: runs the migrations on the connection `integrome.storage.migrate` passes in
(`config.attributes["connection"]`), or on `sqlalchemy.url` for the `alembic` command line."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from integrome.storage.models import Base

config = context.config
target_metadata = Base.metadata


def _run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as own_connection:
        context.configure(connection=own_connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


_run()

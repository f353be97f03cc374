"""storage: analyses, patients, users, jobs, CDS Hooks feedback and the audit log.

`create_repository(url)` picks the backend from the URL (SQLite file or PostgreSQL via
`postgresql+psycopg://`), brings the schema to the newest Alembic revision and returns a
`Repository`. SQLAlchemy and Alembic are imported only here, when a database is actually used.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from integrome.errors import ConfigError, StorageError
from integrome.storage.base import (
    ROLES,
    AnalysisQuery,
    AnalysisRecord,
    AuditEvent,
    AuditRecord,
    CdsFeedback,
    ConflictError,
    DocumentMeta,
    JobRecord,
    JobStatus,
    NewAnalysis,
    Page,
    PatientRecord,
    Repository,
    Role,
    TokenId,
    Transaction,
    UserRecord,
)

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Engine

__all__ = [
    "ROLES",
    "AnalysisQuery",
    "AnalysisRecord",
    "AuditEvent",
    "AuditRecord",
    "CdsFeedback",
    "ConflictError",
    "DocumentMeta",
    "JobRecord",
    "JobStatus",
    "NewAnalysis",
    "Page",
    "PatientRecord",
    "Repository",
    "Role",
    "TokenId",
    "Transaction",
    "UserRecord",
    "create_repository",
    "downgrade",
    "upgrade",
]

_MIGRATIONS = Path(__file__).parent / "migrations"
_SUPPORTED = ("sqlite", "postgresql")


def create_repository(url: str, *, migrate: bool = True) -> Repository:
    """The repository for `url`; with `migrate`, the schema is upgraded to the newest revision first.

    `ConfigError` for a URL of an unsupported database, `StorageError` when the database cannot
    be reached or migrated.
    """
    from integrome.storage.sql import SqlRepository

    engine = _engine(url)
    if migrate:
        _run_alembic(engine, "upgrade", "head")
    return SqlRepository(engine)


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision`."""
    engine = _engine(url)
    try:
        _run_alembic(engine, "upgrade", revision)
    finally:
        engine.dispose()


def downgrade(url: str, revision: str = "base") -> None:
    """Migrate the database at `url` down to `revision` (base = no tables)."""
    engine = _engine(url)
    try:
        _run_alembic(engine, "downgrade", revision)
    finally:
        engine.dispose()


def _engine(url: str) -> Engine:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from integrome.storage.sql import make_engine

    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError as exc:
        raise ConfigError(f"database URL is not a valid SQLAlchemy URL: {exc}") from exc
    if backend not in _SUPPORTED:
        raise ConfigError(f"unsupported database {backend!r} in the database URL (use sqlite or postgresql)")
    return make_engine(url)


def _alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def _run_alembic(engine: Engine, direction: str, revision: str) -> None:
    from alembic import command
    from sqlalchemy.exc import SQLAlchemyError

    config = _alembic_config()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            if direction == "upgrade":
                command.upgrade(config, revision)
            else:
                command.downgrade(config, revision)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StorageError(f"database migration ({direction} to {revision}) failed: {reason}") from exc

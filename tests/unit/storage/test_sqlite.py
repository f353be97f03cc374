"""The storage contract on SQLite (the default backend), plus schema and migration checks."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from tests.unit.storage import contract

from integrome.errors import ConfigError, StorageError
from integrome.storage import Repository, create_repository, downgrade, upgrade
from integrome.storage.models import Base
from integrome.storage.sql import SqlRepository

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'integrome.db'}"


@pytest.fixture
def repository(url: str) -> Iterator[SqlRepository]:
    repo = create_repository(url)
    assert isinstance(repo, SqlRepository)
    yield repo
    repo.close()


@pytest.mark.parametrize("behaviour", contract.ALL, ids=lambda f: f.__name__.removeprefix("run_"))
def test_sqlite_repository_keeps_the_contract(
    behaviour: Callable[[Repository], None], repository: SqlRepository
) -> None:
    behaviour(repository)


def test_sqlite_audit_log_rejects_update_and_delete(repository: SqlRepository) -> None:
    contract.run_sql_audit_log_rejects_update_and_delete(repository, repository.engine)


def test_sqlite_killed_writer_leaves_nothing(url: str, repository: SqlRepository) -> None:
    contract.run_sql_killed_writer_leaves_nothing(url, repository.engine, str(REPO_ROOT))


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def test_migrations_go_down_to_nothing_and_up_again(tmp_path: Path, url: str) -> None:
    upgrade(url)
    assert {"users", "patients", "analyses", "audit_log", "jobs", "cds_feedback"} <= _tables(
        tmp_path / "integrome.db"
    )
    downgrade(url, "base")
    assert _tables(tmp_path / "integrome.db") == {"alembic_version"}
    upgrade(url)
    repository = create_repository(url, migrate=False)
    assert isinstance(repository, SqlRepository)
    contract.run_sql_audit_log_rejects_update_and_delete(repository, repository.engine)
    repository.close()


def test_migrated_schema_matches_the_orm_models(repository: SqlRepository) -> None:
    with repository.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_unsupported_database_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unsupported database 'mysql'"):
        create_repository("mysql://localhost/integrome")


def test_unreachable_database_fails_readiness(tmp_path: Path) -> None:
    repository = create_repository(f"sqlite:///{tmp_path / 'db.sqlite'}")
    repository.ping()
    repository.close()
    broken = create_repository(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite'}", migrate=False)
    with pytest.raises(StorageError, match="database unreachable"):
        broken.ping()

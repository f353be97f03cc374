"""The storage contract on SQLite (the default backend), plus schema and migration checks."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from tests.unit.storage import contract

from integrome.errors import ConfigError, StorageError
from integrome.storage import AuditEvent, Repository, create_repository, downgrade, upgrade
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


def test_queued_writers_of_two_repositories_on_one_file_take_turns(
    url: str, repository: SqlRepository
) -> None:
    """Two repositories stand for two server processes: a queued transaction waits on the
    writer lock until the other's has committed, instead of polling SQLite's busy handler."""
    other = create_repository(url, migrate=False)
    inside, order = threading.Event(), []

    def second() -> None:
        inside.wait(timeout=10)
        with other.transaction(queued=True) as tx:
            order.append("second")
            tx.append_audit(AuditEvent(actor="b", role="cds-client", action="x", outcome="success"))

    waiter = threading.Thread(target=second)
    waiter.start()
    with repository.transaction(queued=True) as tx:
        inside.set()
        time.sleep(0.3)
        order.append("first")
        tx.append_audit(AuditEvent(actor="a", role="cds-client", action="x", outcome="success"))
    waiter.join(timeout=10)
    other.close()
    assert order == ["first", "second"]
    with repository.transaction() as tx:
        assert sorted(row.actor for row in tx.list_audit()) == ["a", "b"]


def test_an_in_memory_database_needs_no_writer_lock() -> None:
    repository = create_repository("sqlite://")
    with repository.transaction(queued=True) as tx:
        tx.append_audit(AuditEvent(actor="a", role="cds-client", action="x", outcome="success"))
    with repository.transaction() as tx:
        assert [row.actor for row in tx.list_audit()] == ["a"]
    repository.close()

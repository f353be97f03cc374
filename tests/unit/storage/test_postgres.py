"""The storage contract on PostgreSQL, against a throwaway server (conftest.postgres_server)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from tests.unit.storage import contract

from integrome.storage import Repository, create_repository, downgrade, upgrade
from integrome.storage.models import Base
from integrome.storage.sql import SqlRepository

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def repository(postgres_url: str) -> Iterator[SqlRepository]:
    repo = create_repository(postgres_url)
    assert isinstance(repo, SqlRepository)
    yield repo
    repo.close()


@pytest.mark.parametrize("behaviour", contract.ALL, ids=lambda f: f.__name__.removeprefix("run_"))
def test_postgres_repository_keeps_the_contract(
    behaviour: Callable[[Repository], None], repository: SqlRepository
) -> None:
    behaviour(repository)


def test_postgres_audit_log_rejects_update_and_delete(repository: SqlRepository) -> None:
    contract.run_sql_audit_log_rejects_update_and_delete(repository, repository.engine)


def test_postgres_audit_log_rejects_truncate(repository: SqlRepository) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="append-only"), repository.engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_log"))


def test_postgres_killed_writer_leaves_nothing(postgres_url: str, repository: SqlRepository) -> None:
    contract.run_sql_killed_writer_leaves_nothing(postgres_url, repository.engine, str(REPO_ROOT))


def test_postgres_migrations_go_down_to_nothing_and_up_again(postgres_url: str) -> None:
    upgrade(postgres_url)
    engine = create_engine(postgres_url)
    try:
        assert {"users", "analyses", "audit_log"} <= set(inspect(engine).get_table_names())
        downgrade(postgres_url, "base")
        assert set(inspect(engine).get_table_names()) == {"alembic_version"}
        upgrade(postgres_url)
        assert "audit_log" in set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_postgres_migrated_schema_matches_the_orm_models(repository: SqlRepository) -> None:
    with repository.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []

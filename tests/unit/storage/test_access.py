"""Storage contract of lab links and token revocation (migration 0003), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from integrome.errors import NotFoundError, StorageError
from integrome.storage import ConflictError, create_repository, downgrade, upgrade
from integrome.storage.sql import SqlRepository

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'integrome.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def repository(url: str) -> Iterator[SqlRepository]:
    repo = create_repository(url)
    assert isinstance(repo, SqlRepository)
    repo._clock = lambda: T0
    with repo.transaction() as tx:
        tx.add_user("lab1", "lab", "hash")
        tx.add_user("ann", "clinician", "hash")
    yield repo
    repo.close()


def test_lab_user_is_linked_to_laboratories_once_each(repository: SqlRepository) -> None:
    with repository.transaction() as tx:
        tx.link_lab("lab1", "city-lab")
        tx.link_lab("lab1", "acme-dx")
        tx.link_lab("lab1", "city-lab")
        user_id = tx.get_user("lab1").id
    with repository.transaction() as tx:
        assert tx.user_labs(user_id) == ["acme-dx", "city-lab"]
        assert tx.unlink_lab("lab1", "city-lab") is True
        assert tx.unlink_lab("lab1", "city-lab") is False
        assert tx.user_labs(user_id) == ["acme-dx"]
        assert tx.user_labs(user_id + 100) == []


def test_only_lab_users_are_linked_to_laboratories(repository: SqlRepository) -> None:
    with pytest.raises(ConflictError, match="clinician role"), repository.transaction() as tx:
        tx.link_lab("ann", "city-lab")
    with pytest.raises(NotFoundError), repository.transaction() as tx:
        tx.link_lab("nobody", "city-lab")
    with pytest.raises(NotFoundError), repository.transaction() as tx:
        tx.unlink_lab("nobody", "city-lab")


@pytest.mark.parametrize("lab_id", ["City-Lab", "-lab", "lab one", "x" * 101, ""])
def test_malformed_laboratory_id_is_refused(repository: SqlRepository, lab_id: str) -> None:
    with pytest.raises(StorageError, match="not a laboratory id"), repository.transaction() as tx:
        tx.link_lab("lab1", lab_id)


def test_revoked_token_id_is_reported_for_that_token_only(repository: SqlRepository) -> None:
    with repository.transaction() as tx:
        user_id = tx.get_user("lab1").id
        tx.revoke_token("a" * 32, user_id, T0 + timedelta(hours=1))
        tx.revoke_token("a" * 32, user_id, T0 + timedelta(hours=1))
    with repository.transaction() as tx:
        revoked = tx.token_subject("lab1", "a" * 32)
        other = tx.token_subject("lab1", "b" * 32)
        assert tx.token_subject("nobody", "a" * 32) is None
    assert revoked is not None
    assert revoked.revoked
    assert revoked.user.name == "lab1"
    assert other is not None
    assert not other.revoked
    assert other.tokens_valid_after is None


def test_revoking_a_token_of_an_unknown_user_is_not_found(repository: SqlRepository) -> None:
    with pytest.raises(NotFoundError), repository.transaction() as tx:
        tx.revoke_token("c" * 32, 9999, T0)


def test_purge_forgets_only_expired_revocations(repository: SqlRepository) -> None:
    with repository.transaction() as tx:
        user_id = tx.get_user("lab1").id
        tx.revoke_token("old", user_id, T0 - timedelta(minutes=1))
        tx.revoke_token("live", user_id, T0 + timedelta(minutes=1))
    with repository.transaction() as tx:
        assert tx.purge_revoked_tokens(T0) == 1
    with repository.transaction() as tx:
        old, live = tx.token_subject("lab1", "old"), tx.token_subject("lab1", "live")
    assert old is not None
    assert not old.revoked
    assert live is not None
    assert live.revoked


def test_token_cut_off_only_moves_forward(repository: SqlRepository) -> None:
    with repository.transaction() as tx:
        assert tx.revoke_user_tokens("ann", T0) == T0
        assert tx.revoke_user_tokens("ann", T0 - timedelta(hours=1)) == T0
    with repository.transaction() as tx:
        subject = tx.token_subject("ann", "x")
        assert tx.revoke_user_tokens("ann", T0 + timedelta(seconds=5)) == T0 + timedelta(seconds=5)
    assert subject is not None
    assert subject.tokens_valid_after == T0
    with pytest.raises(NotFoundError), repository.transaction() as tx:
        tx.revoke_user_tokens("nobody", T0)


def test_deactivation_cuts_off_earlier_tokens_and_reactivation_keeps_the_cut_off(
    repository: SqlRepository,
) -> None:
    with repository.transaction() as tx:
        assert tx.set_user_active("ann", False).active is False
    with repository.transaction() as tx:
        assert tx.set_user_active("ann", True).active is True
        subject = tx.token_subject("ann", "x")
    assert subject is not None
    assert subject.user.active
    assert subject.tokens_valid_after == T0
    with pytest.raises(NotFoundError), repository.transaction() as tx:
        tx.set_user_active("nobody", False)


def test_migration_0003_keeps_users_and_their_references_both_ways(url: str) -> None:
    upgrade(url, "0002")
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, name, role, password_hash, active, created_at) "
                    "VALUES (1, 'lab1', 'lab', NULL, :yes, :at)"
                ),
                {"yes": True, "at": T0},
            )
            connection.execute(
                text(
                    "INSERT INTO patients (id, source_key, sex, created_by, created_at) "
                    "VALUES (:p, :k, 'female', 1, :at)"
                ),
                {"p": "pt-0000000000000001", "k": "a" * 64, "at": T0},
            )
        upgrade(url)
        columns = {column["name"] for column in inspect(engine).get_columns("users")}
        assert "tokens_valid_after" in columns
        repository = create_repository(url, migrate=False)
        with repository.transaction() as tx:
            tx.link_lab("lab1", "city-lab")
            assert tx.user_labs(1) == ["city-lab"]
        repository.close()
        downgrade(url, "0002")
        tables = set(inspect(engine).get_table_names())
        assert not {"lab_members", "revoked_tokens"} & tables
        with engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM users")).scalars().all() == ["lab1"]
            assert connection.execute(text("SELECT created_by FROM patients")).scalars().all() == [1]
    finally:
        engine.dispose()

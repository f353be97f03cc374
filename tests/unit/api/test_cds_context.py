"""CDS Hooks data gathering (api/cds_context.py): audit group commit and prefetch query templates."""

from __future__ import annotations

import threading
import time
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import text

from integrome.api.cds_context import _DatabaseReplay, _GroupCommit, _query
from integrome.errors import StorageError
from integrome.storage import AuditEvent, AuditRecord, Transaction, create_repository
from integrome.storage.sql import SqlRepository, make_engine


def _append(tx: Transaction, event: AuditEvent) -> AuditRecord:
    return tx.append_audit(event)


def _event(n: int) -> AuditEvent:
    return AuditEvent(actor=f"ehr#{n}", role="cds-client", action="cds.order-sign", outcome="success")


def test_concurrent_calls_each_return_only_after_their_audit_row_is_committed(tmp_path: Path) -> None:
    repository = create_repository(f"sqlite:///{tmp_path / 'a.db'}")
    writer = _GroupCommit(repository)
    seen: dict[int, bool] = {}
    start = threading.Barrier(16)

    def call(n: int) -> None:
        start.wait()
        event = _event(n)
        writer.run(lambda tx: tx.append_audit(event))
        with repository.transaction() as tx:
            seen[n] = any(row.actor == f"ehr#{n}" for row in tx.list_audit(limit=100))

    threads = [threading.Thread(target=call, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert seen == dict.fromkeys(range(16), True)
    repository.close()


def test_a_failed_audit_commit_fails_the_call_and_leaves_the_writer_usable(tmp_path: Path) -> None:
    broken = SqlRepository(make_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'a.db'}"))
    writer = _GroupCommit(broken)
    for n in range(2):
        with pytest.raises(StorageError):
            writer.run(partial(_append, event=_event(n)))


def test_a_jti_claimed_by_many_threads_at_once_is_accepted_once(tmp_path: Path) -> None:
    repository = create_repository(f"sqlite:///{tmp_path / 'a.db'}")
    replay = _DatabaseReplay(_GroupCommit(repository))
    now = time.time()
    start = threading.Barrier(12)
    results: list[bool] = []

    def call(n: int) -> None:
        start.wait()
        results.append(replay.claim("https://ehr", "same" if n % 2 else f"own-{n}", until=now + 300, now=now))

    threads = [threading.Thread(target=call, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == [False] * 5 + [True] * 7
    repository.close()


def test_a_jti_used_against_one_server_process_is_refused_by_another(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    first, second = create_repository(url), create_repository(url, migrate=False)
    now = time.time()
    assert _DatabaseReplay(_GroupCommit(first)).claim("https://ehr", "t", until=now + 300, now=now)
    assert not _DatabaseReplay(_GroupCommit(second)).claim("https://ehr", "t", until=now + 300, now=now)
    first.close()
    second.close()


def test_expired_jti_are_purged_while_claiming(tmp_path: Path) -> None:
    repository = create_repository(f"sqlite:///{tmp_path / 'a.db'}")
    assert isinstance(repository, SqlRepository)
    replay = _DatabaseReplay(_GroupCommit(repository), purge_interval=0.0)
    now = time.time()
    assert replay.claim("https://ehr", "old", until=now - 1, now=now - 60)
    assert replay.claim("https://ehr", "new", until=now + 300, now=now)
    with repository.engine.connect() as connection:
        left = connection.execute(text("SELECT jti FROM cds_jti")).scalars().all()
    assert left == ["new"]
    repository.close()


def test_prefetch_templates_are_filled_from_the_context_and_url_encoded() -> None:
    template = "Observation?patient={{context.patientId}}&category=laboratory"
    assert _query(template, {"patientId": "a b/1"}) == "Observation?patient=a%20b%2F1&category=laboratory"
    assert _query(template, {}) is None
    assert _query(template, {"patientId": {"id": "x"}}) is None

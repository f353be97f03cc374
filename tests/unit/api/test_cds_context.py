"""CDS Hooks data gathering (api/cds_context.py): the group-commit writer and prefetch query templates."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from integrome.api.cds_context import CdsRead, CdsWriter, ReadOutcome, _query
from integrome.api.service import patient_source_key
from integrome.errors import StorageError
from integrome.storage import NewAnalysis, TokenId, create_repository
from integrome.storage.sql import SqlRepository, make_engine

KEY = b"k" * 32


def _token(jti: str, until: float | None = None) -> TokenId:
    return TokenId("https://ehr", jti, datetime.fromtimestamp(until or time.time() + 300, UTC))


def _store(repository: SqlRepository, patient: str) -> str:
    with repository.transaction() as tx:
        stored = tx.add_analysis(
            NewAnalysis(
                patient_source_key=patient_source_key(KEY, patient),
                sex="unknown",
                birth_year=None,
                kb_version="test",
                analysis_json="{}",
                documents=[],
                genes=[],
                drugs=[],
                created_by=None,
            )
        )
    return stored.id


def _read(n: int, jti: str, patient: str) -> CdsRead:
    return CdsRead(
        token=_token(jti),
        keys=(patient_source_key(KEY, "unknown-id"), patient_source_key(KEY, patient)),
        actor=f"https://ehr#{n}",
        action="cds.order-sign",
    )


async def _all(writer: CdsWriter, reads: list[CdsRead]) -> list[ReadOutcome | BaseException]:
    return await asyncio.gather(*(writer.submit(read) for read in reads), return_exceptions=True)


def test_concurrent_calls_share_commits_and_each_is_audited_before_it_returns(tmp_path: Path) -> None:
    repository = create_repository(f"sqlite:///{tmp_path / 'a.db'}")
    assert isinstance(repository, SqlRepository)
    analysis = _store(repository, "P1")
    writer = CdsWriter(repository)
    audited: dict[int, bool] = {}

    async def call(n: int) -> ReadOutcome:
        outcome = await writer.submit(_read(n, f"t{n}", "P1"))
        with repository.transaction() as tx:
            audited[n] = any(row.actor == f"https://ehr#{n}" for row in tx.list_audit(limit=200))
        return outcome

    async def main() -> list[ReadOutcome]:
        return await asyncio.gather(*(call(n) for n in range(40)))

    outcomes = asyncio.run(main())
    writer.close()
    assert outcomes == [ReadOutcome(fresh=True, analysis_id=analysis)] * 40
    assert audited == dict.fromkeys(range(40), True)
    with repository.engine.connect() as connection:
        rows = connection.execute(text("SELECT patient_id, analysis_id FROM audit_log")).all()
    assert len(rows) == 40
    assert {row.analysis_id for row in rows} == {analysis}
    repository.close()


def test_a_read_of_a_patient_without_analysis_is_claimed_but_not_audited(tmp_path: Path) -> None:
    repository = create_repository(f"sqlite:///{tmp_path / 'a.db'}")
    assert isinstance(repository, SqlRepository)
    writer = CdsWriter(repository)
    outcomes = asyncio.run(_all(writer, [_read(1, "t1", "nobody"), _read(2, "t1", "nobody")]))
    writer.close()
    assert outcomes == [ReadOutcome(fresh=True), ReadOutcome(fresh=False)]
    with repository.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() == 0
        assert connection.execute(text("SELECT jti FROM cds_jti")).scalars().all() == ["t1"]
    repository.close()


def test_a_jti_sent_by_many_calls_at_once_is_accepted_once(tmp_path: Path) -> None:
    repository = create_repository(f"sqlite:///{tmp_path / 'a.db'}")
    writer = CdsWriter(repository)
    reads = [CdsRead(token=_token("same" if n % 2 else f"own-{n}")) for n in range(12)]
    outcomes = asyncio.run(_all(writer, reads))
    writer.close()
    assert sorted(o.fresh for o in outcomes if isinstance(o, ReadOutcome)) == [False] * 5 + [True] * 7
    repository.close()


def test_a_jti_used_against_one_server_process_is_refused_by_another(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    first, second = create_repository(url), create_repository(url, migrate=False)
    one, other = CdsWriter(first), CdsWriter(second)
    assert asyncio.run(one.submit(CdsRead(_token("t")))).fresh
    assert not asyncio.run(other.submit(CdsRead(_token("t")))).fresh
    one.close()
    other.close()
    first.close()
    second.close()


def test_a_failed_commit_fails_its_calls_and_the_writer_goes_on(tmp_path: Path) -> None:
    broken = SqlRepository(make_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'a.db'}"))
    writer = CdsWriter(broken)
    for n in range(2):
        outcomes = asyncio.run(_all(writer, [CdsRead(_token(f"t{n}")), CdsRead(_token(f"u{n}"))]))
        assert all(isinstance(o, StorageError) for o in outcomes)
    writer.close()


def test_a_closed_writer_refuses_new_calls(tmp_path: Path) -> None:
    repository = create_repository(f"sqlite:///{tmp_path / 'a.db'}")
    writer = CdsWriter(repository)
    writer.close()
    with pytest.raises(StorageError, match="closed"):
        asyncio.run(writer.submit(CdsRead(_token("t"))))
    repository.close()


def test_expired_jti_are_purged_inside_a_batch(tmp_path: Path) -> None:
    repository = create_repository(f"sqlite:///{tmp_path / 'a.db'}")
    assert isinstance(repository, SqlRepository)
    writer = CdsWriter(repository, purge_interval=0.0)
    now = time.time()
    old = CdsRead(_token("old", until=now - 1))
    assert asyncio.run(writer.submit(old)).fresh
    assert asyncio.run(writer.submit(replace(old, token=_token("new")))).fresh
    writer.close()
    with repository.engine.connect() as connection:
        left = connection.execute(text("SELECT jti FROM cds_jti")).scalars().all()
    assert left == ["new"]
    repository.close()


def test_prefetch_templates_are_filled_from_the_context_and_url_encoded() -> None:
    template = "Observation?patient={{context.patientId}}&category=laboratory"
    assert _query(template, {"patientId": "a b/1"}) == "Observation?patient=a%20b%2F1&category=laboratory"
    assert _query(template, {}) is None
    assert _query(template, {"patientId": {"id": "x"}}) is None


def test_a_cancelled_call_is_still_committed_and_the_writer_goes_on(tmp_path: Path) -> None:
    """A client that hangs up cancels its call; the claim and audit row it queued are committed all
    the same (the read may have happened), and later calls are served."""
    repository = create_repository(f"sqlite:///{tmp_path / 'a.db'}")
    assert isinstance(repository, SqlRepository)
    analysis = _store(repository, "P1")
    writer = CdsWriter(repository)

    async def main() -> ReadOutcome:
        gone = asyncio.ensure_future(writer.submit(_read(1, "t1", "P1")))
        await asyncio.sleep(0)
        gone.cancel()
        return await writer.submit(_read(2, "t2", "P1"))

    assert asyncio.run(main()) == ReadOutcome(fresh=True, analysis_id=analysis)
    writer.close()
    with repository.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() == 2
    repository.close()

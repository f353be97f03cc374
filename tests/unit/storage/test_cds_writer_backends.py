"""The CDS Hooks group-commit writer (api/cds_context.py `CdsWriter`) on both database backends.

Two repositories on one database stand for two server processes, each with its own writer: every
call is audited before it returns, and a token id used in one process is a replay in the other,
on SQLite (writers take turns on the file lock) and on PostgreSQL (row conflicts decide).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from integrome.api.cds_context import CdsRead, CdsWriter, ReadOutcome
from integrome.api.service import patient_source_key
from integrome.storage import NewAnalysis, TokenId, create_repository
from integrome.storage.sql import SqlRepository

KEY = b"k" * 32


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cds.db'}"
    postgres_url: str = request.getfixturevalue("postgres_url")
    return postgres_url


def _read(process: int, n: int, jti: str) -> CdsRead:
    until = datetime.fromtimestamp(time.time() + 300, UTC)
    return CdsRead(
        token=TokenId("https://ehr", jti, until),
        keys=(patient_source_key(KEY, "Patient/P1"), patient_source_key(KEY, "P1")),
        actor=f"https://ehr#p{process}-{n}",
        action="cds.order-sign",
    )


def test_two_processes_audit_every_call_and_refuse_each_others_tokens(url: str) -> None:
    first = create_repository(url)
    second = create_repository(url, migrate=False)
    assert isinstance(first, SqlRepository)
    with first.transaction() as tx:
        analysis = tx.add_analysis(
            NewAnalysis(
                patient_source_key=patient_source_key(KEY, "P1"),
                sex="unknown",
                birth_year=None,
                kb_version="test",
                analysis_json="{}",
                documents=[],
                genes=[],
                drugs=[],
                created_by=None,
            )
        ).id
    writers = (CdsWriter(first), CdsWriter(second))

    async def calls() -> list[ReadOutcome]:
        reads = [writers[n % 2].submit(_read(n % 2, n, "shared" if n < 2 else f"own-{n}")) for n in range(60)]
        return await asyncio.gather(*reads)

    outcomes = asyncio.run(calls())
    for writer in writers:
        writer.close()
    assert sorted(o.fresh for o in outcomes[:2]) == [False, True]
    assert all(o == ReadOutcome(fresh=True, analysis_id=analysis) for o in outcomes[2:])
    with first.engine.connect() as connection:
        audited = connection.execute(text("SELECT count(*) FROM audit_log WHERE role = 'cds-client'"))
        assert audited.scalar() == 59
    first.close()
    second.close()

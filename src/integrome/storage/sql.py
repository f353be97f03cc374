"""The SQLAlchemy 2 backend: SQLite (default) and PostgreSQL, same code, schema from Alembic.

One `Session` per transaction, opened and closed by `SqlRepository.transaction()` (the caller
owns the unit of work); SQLAlchemy and driver errors are wrapped into `StorageError` where they
enter, with the cause chained.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Engine, Table, create_engine, delete, event, func, or_, select, text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from integrome.errors import NotFoundError, StorageError
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
    Transaction,
    UserRecord,
)
from integrome.storage.models import (
    AnalysisRow,
    AnalysisTermRow,
    AuditRow,
    CdsFeedbackRow,
    CdsJtiRow,
    DocumentRow,
    JobRow,
    PatientAssignmentRow,
    PatientKeyRow,
    PatientRow,
    UserRow,
)

__all__ = ["SqlRepository", "SqlTransaction", "make_engine"]

Clock = Callable[[], datetime]
_JTI = cast(Table, CdsJtiRow.__table__)
_FINISHED = ("succeeded", "failed")


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"


def make_engine(url: str) -> Engine:
    """An engine for `url`. SQLite gets foreign keys on, WAL, a busy timeout and thread sharing,
    so the API's worker threads and background jobs can use one file safely.

    A file database also gets `synchronous=NORMAL`: in WAL mode the SQLite documentation
    (sqlite.org/pragma.html#pragma_synchronous, "WAL mode is always consistent with
    synchronous=NORMAL") keeps the database consistent and every commit survives a crash of the
    process; only a power loss or OS crash may roll back the last commits. It drops the disk sync
    on each commit (it happens at checkpoints instead), which is what capped concurrent writers."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


class SqlRepository(Repository):
    """Repository over an SQLAlchemy engine; build it with `integrome.storage.create_repository`."""

    def __init__(self, engine: Engine, *, clock: Clock = _utcnow) -> None:
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=True)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._clock = clock

    @contextmanager
    def transaction(self) -> Iterator[SqlTransaction]:
        session = self._sessions()
        try:
            with session.begin():
                yield SqlTransaction(session, self._clock)
        except IntegrityError as exc:
            raise StorageError(f"the database refused the change: {_reason(exc)}") from exc
        except SQLAlchemyError as exc:
            raise StorageError(f"database error: {_reason(exc)}") from exc
        finally:
            session.close()

    def ping(self) -> None:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise StorageError(f"database unreachable: {_reason(exc)}") from exc

    def close(self) -> None:
        self.engine.dispose()


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's first message line; SQL statements and bound values (patient data) are left out."""
    original = getattr(exc, "orig", None)
    message = str(original) if original is not None else exc.__class__.__name__
    return message.strip().splitlines()[0] if message.strip() else exc.__class__.__name__


class SqlTransaction(Transaction):
    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self._clock = clock

    # users
    def add_user(self, name: str, role: Role, password_hash: str | None) -> UserRecord:
        if role not in ROLES:
            raise StorageError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
        if self.session.scalar(select(UserRow.id).where(UserRow.name == name)) is not None:
            raise ConflictError(f"user {name!r} already exists")
        row = UserRow(
            name=name, role=role, password_hash=password_hash, active=True, created_at=self._clock()
        )
        self.session.add(row)
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise ConflictError(f"user {name!r} already exists") from exc
        return _user(row)

    def get_user(self, name: str) -> UserRecord:
        row = self.session.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            raise NotFoundError(f"no user {name!r}")
        return _user(row)

    def list_users(self) -> list[UserRecord]:
        return [_user(row) for row in self.session.scalars(select(UserRow).order_by(UserRow.name))]

    def set_password(self, name: str, password_hash: str) -> None:
        row = self.session.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            raise NotFoundError(f"no user {name!r}")
        row.password_hash = password_hash

    # patients
    def get_patient(self, patient_id: str) -> PatientRecord:
        row = self.session.get(PatientRow, patient_id)
        if row is None:
            raise NotFoundError(f"no patient {patient_id}")
        return _patient(row)

    def find_patient(self, source_key: str) -> PatientRecord | None:
        row = self.session.scalar(select(PatientRow).where(PatientRow.source_key == source_key))
        if row is None:
            alias = select(PatientKeyRow.patient_id).where(PatientKeyRow.source_key == source_key)
            row = self.session.scalar(select(PatientRow).where(PatientRow.id.in_(alias)))
        return _patient(row) if row is not None else None

    def assign_patient(self, patient_id: str, user_id: int) -> None:
        if self.session.get(PatientRow, patient_id) is None:
            raise NotFoundError(f"no patient {patient_id}")
        if self.session.get(UserRow, user_id) is None:
            raise NotFoundError(f"no user with id {user_id}")
        if self.session.get(PatientAssignmentRow, (patient_id, user_id)) is None:
            self.session.add(PatientAssignmentRow(patient_id=patient_id, user_id=user_id))
            self.session.flush()

    def can_see_patient(self, user_id: int, patient_id: str) -> bool:
        row = self.session.get(PatientRow, patient_id)
        if row is None:
            return False
        if row.created_by == user_id:
            return True
        return self.session.get(PatientAssignmentRow, (patient_id, user_id)) is not None

    # analyses
    def add_analysis(self, new: NewAnalysis) -> AnalysisRecord:
        now = self._clock()
        patient = self.session.scalar(
            select(PatientRow).where(PatientRow.source_key == new.patient_source_key)
        )
        if patient is None:
            patient = PatientRow(
                id=_new_id("pt"),
                source_key=new.patient_source_key,
                sex=new.sex,
                birth_year=new.birth_year,
                created_by=new.created_by,
                created_at=now,
            )
            self.session.add(patient)
            self.session.flush()
        for alias in dict.fromkeys(new.alias_source_keys):
            if alias == new.patient_source_key:
                continue
            taken = self.session.get(PatientKeyRow, alias) is not None or (
                self.session.scalar(select(PatientRow.id).where(PatientRow.source_key == alias)) is not None
            )
            if not taken:
                self.session.add(PatientKeyRow(source_key=alias, patient_id=patient.id))
        row = AnalysisRow(
            id=_new_id("an"),
            patient_id=patient.id,
            kb_version=new.kb_version,
            created_by=new.created_by,
            created_at=now,
            rerun_of=new.rerun_of,
            options_json=new.options_json,
            analysis_json=new.analysis_json,
        )
        self.session.add(row)
        self.session.flush()
        for position, document in enumerate(new.documents):
            self.session.add(
                DocumentRow(
                    analysis_id=row.id,
                    position=position,
                    name=document.name,
                    format=document.format,
                    sha256=document.sha256,
                    size=document.size,
                    role=document.role,
                    blob=document.blob,
                )
            )
        terms = {("gene", gene) for gene in new.genes} | {("drug", drug) for drug in new.drugs}
        for kind, value in sorted(terms):
            self.session.add(AnalysisTermRow(analysis_id=row.id, kind=kind, value=value))
        self.session.flush()
        return self.get_analysis(row.id)

    def get_analysis(self, analysis_id: str) -> AnalysisRecord:
        row = self.session.scalar(
            select(AnalysisRow)
            .where(AnalysisRow.id == analysis_id)
            .options(selectinload(AnalysisRow.documents), selectinload(AnalysisRow.terms))
        )
        if row is None:
            raise NotFoundError(f"no analysis {analysis_id}")
        return _analysis(row)

    def list_analyses(self, query: AnalysisQuery) -> Page:
        statement = select(AnalysisRow)
        if query.visible_to is not None:
            assigned = select(PatientAssignmentRow.patient_id).where(
                PatientAssignmentRow.user_id == query.visible_to
            )
            created = select(PatientRow.id).where(PatientRow.created_by == query.visible_to)
            statement = statement.where(
                or_(
                    AnalysisRow.created_by == query.visible_to,
                    AnalysisRow.patient_id.in_(assigned.union(created)),
                )
            )
        if query.patient_id is not None:
            statement = statement.where(AnalysisRow.patient_id == query.patient_id)
        for kind, value in (("gene", query.gene), ("drug", query.drug)):
            if value is not None:
                statement = statement.where(
                    AnalysisRow.id.in_(
                        select(AnalysisTermRow.analysis_id).where(
                            AnalysisTermRow.kind == kind, AnalysisTermRow.value == value
                        )
                    )
                )
        if query.created_from is not None:
            statement = statement.where(AnalysisRow.created_at >= query.created_from)
        if query.created_to is not None:
            statement = statement.where(AnalysisRow.created_at < query.created_to)
        total = self.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        rows = self.session.scalars(
            statement.order_by(AnalysisRow.created_at.desc(), AnalysisRow.id)
            .offset(query.offset)
            .limit(query.limit)
            .options(selectinload(AnalysisRow.documents), selectinload(AnalysisRow.terms))
        )
        return Page(
            items=tuple(_analysis(row) for row in rows), total=total, offset=query.offset, limit=query.limit
        )

    def latest_analysis_id(self, patient_id: str) -> str | None:
        return self.session.scalar(
            select(AnalysisRow.id)
            .where(AnalysisRow.patient_id == patient_id)
            .order_by(AnalysisRow.created_at.desc(), AnalysisRow.id)
            .limit(1)
        )

    # background jobs
    def add_job(self, owner: str, created_by: int | None) -> JobRecord:
        now = self._clock()
        row = JobRow(
            id=_new_id("job"),
            status="queued",
            progress=0,
            owner=owner,
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        return _job(row)

    def get_job(self, job_id: str) -> JobRecord:
        row = self.session.get(JobRow, job_id)
        if row is None:
            raise NotFoundError(f"no job {job_id}")
        return _job(row)

    def update_job(
        self,
        job_id: str,
        *,
        status: JobStatus | None = None,
        progress: int | None = None,
        message: str | None = None,
        analysis_id: str | None = None,
    ) -> JobRecord:
        row = self.session.get(JobRow, job_id, with_for_update=True)
        if row is None:
            raise NotFoundError(f"no job {job_id}")
        if row.status in _FINISHED:
            raise StorageError(f"job {job_id} already {row.status}; a finished job does not change")
        if status is not None:
            row.status = status
        if progress is not None:
            row.progress = progress
        if message is not None:
            row.message = message
        if analysis_id is not None:
            row.analysis_id = analysis_id
        row.updated_at = self._clock()
        self.session.flush()
        return _job(row)

    def unfinished_jobs(self) -> list[JobRecord]:
        rows = self.session.scalars(
            select(JobRow).where(JobRow.status.not_in(_FINISHED)).order_by(JobRow.created_at, JobRow.id)
        )
        return [_job(row) for row in rows]

    # audit log
    def append_audit(self, event: AuditEvent) -> AuditRecord:
        row = AuditRow(
            at=self._clock(),
            actor=event.actor,
            role=event.role,
            action=event.action,
            outcome=event.outcome,
            patient_id=event.patient_id,
            analysis_id=event.analysis_id,
            client_ip=event.client_ip,
        )
        self.session.add(row)
        self.session.flush()
        return _audit(row)

    def list_audit(
        self, *, patient_id: str | None = None, actor: str | None = None, limit: int = 100
    ) -> list[AuditRecord]:
        statement = select(AuditRow)
        if patient_id is not None:
            statement = statement.where(AuditRow.patient_id == patient_id)
        if actor is not None:
            statement = statement.where(AuditRow.actor == actor)
        rows = self.session.scalars(statement.order_by(AuditRow.id.desc()).limit(limit))
        return [_audit(row) for row in rows]

    # CDS Hooks token ids
    def claim_jti(self, issuer: str, jti: str, *, expires_at: datetime, now: datetime) -> bool:
        """One statement: insert, or take over an expired row; a live row leaves nothing changed
        and returns no row, which is the replay (RETURNING, as psycopg reports no rowcount here)."""
        if self.session.get_bind().dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            statement: Any = pg_insert(_JTI)
        else:
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            statement = sqlite_insert(_JTI)
        statement = statement.values(issuer=issuer, jti=jti, expires_at=expires_at)
        statement = statement.on_conflict_do_update(
            index_elements=[_JTI.c.issuer, _JTI.c.jti],
            set_={"expires_at": statement.excluded.expires_at},
            where=_JTI.c.expires_at < now,
        )
        return self.session.execute(statement.returning(_JTI.c.jti)).first() is not None

    def purge_jti(self, now: datetime) -> int:
        deleted = self.session.execute(delete(_JTI).where(_JTI.c.expires_at < now).returning(_JTI.c.jti))
        return len(deleted.all())

    # CDS Hooks feedback
    def add_cds_feedback(self, feedback: CdsFeedback) -> int:
        row = CdsFeedbackRow(
            service_id=feedback.service_id,
            card_id=feedback.card_id,
            outcome=feedback.outcome,
            outcome_timestamp=feedback.outcome_timestamp,
            accepted_suggestions=json.dumps(list(feedback.accepted_suggestions)),
            override_reason=feedback.override_reason,
            override_comment=feedback.override_comment,
            client=feedback.client,
            received_at=self._clock(),
        )
        self.session.add(row)
        self.session.flush()
        return row.id

    def list_cds_feedback(self, service_id: str | None = None) -> list[CdsFeedback]:
        statement = select(CdsFeedbackRow)
        if service_id is not None:
            statement = statement.where(CdsFeedbackRow.service_id == service_id)
        return [
            CdsFeedback(
                service_id=row.service_id,
                card_id=row.card_id,
                outcome=cast(Any, row.outcome),
                outcome_timestamp=row.outcome_timestamp,
                accepted_suggestions=tuple(json.loads(row.accepted_suggestions)),
                override_reason=row.override_reason,
                override_comment=row.override_comment,
                client=row.client,
            )
            for row in self.session.scalars(statement.order_by(CdsFeedbackRow.id))
        ]


def _user(row: UserRow) -> UserRecord:
    return UserRecord(
        id=row.id,
        name=row.name,
        role=cast(Role, row.role),
        password_hash=row.password_hash,
        active=row.active,
        created_at=row.created_at,
    )


def _patient(row: PatientRow) -> PatientRecord:
    return PatientRecord(
        id=row.id,
        sex=row.sex,
        birth_year=row.birth_year,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _analysis(row: AnalysisRow) -> AnalysisRecord:
    return AnalysisRecord(
        id=row.id,
        patient_id=row.patient_id,
        kb_version=row.kb_version,
        created_by=row.created_by,
        created_at=row.created_at,
        rerun_of=row.rerun_of,
        options_json=row.options_json,
        analysis_json=row.analysis_json,
        documents=tuple(
            DocumentMeta(name=d.name, format=d.format, sha256=d.sha256, size=d.size, role=d.role, blob=d.blob)
            for d in row.documents
        ),
        genes=tuple(t.value for t in row.terms if t.kind == "gene"),
        drugs=tuple(t.value for t in row.terms if t.kind == "drug"),
    )


def _job(row: JobRow) -> JobRecord:
    return JobRecord(
        id=row.id,
        status=cast(JobStatus, row.status),
        progress=row.progress,
        message=row.message,
        analysis_id=row.analysis_id,
        created_by=row.created_by,
        owner=row.owner,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _audit(row: AuditRow) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        at=row.at,
        actor=row.actor,
        role=row.role,
        action=row.action,
        outcome=row.outcome,
        patient_id=row.patient_id,
        analysis_id=row.analysis_id,
        client_ip=row.client_ip,
    )

"""The SQLAlchemy 2 backend: SQLite (default) and PostgreSQL, same code, schema from Alembic.

One `Session` per transaction, opened and closed by `SqlRepository.transaction()` (the caller
owns the unit of work); SQLAlchemy and driver errors are wrapped into `StorageError` where they
enter, with the cause chained.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    Engine,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from integrome.errors import NotFoundError, StorageError
from integrome.storage.base import (
    LAB_ID,
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
    TokenSubject,
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
    LabMemberRow,
    PatientAssignmentRow,
    PatientKeyRow,
    PatientRow,
    RevokedTokenRow,
    UserRow,
    UtcDateTime,
)

__all__ = ["SqlRepository", "SqlTransaction", "make_engine"]

Clock = Callable[[], datetime]
_JTI = cast(Table, CdsJtiRow.__table__)
_AUDIT = cast(Table, AuditRow.__table__)
_INSERT_AUDIT = insert(_AUDIT)
_CLAIM_JTI = text(
    "INSERT INTO cds_jti (issuer, jti, expires_at) VALUES (:issuer, :jti, :expires_at) "
    "ON CONFLICT (issuer, jti) DO UPDATE SET expires_at = excluded.expires_at "
    "WHERE cds_jti.expires_at < :now RETURNING jti"
).bindparams(bindparam("expires_at", type_=UtcDateTime()), bindparam("now", type_=UtcDateTime()))
"""Insert a token id, or take over its expired row; a live row is left unchanged and no row comes
back, which is the replay (RETURNING: psycopg reports no rowcount for an upsert)."""
_FIND_PATIENT = (
    select(PatientRow)
    .where(
        or_(
            PatientRow.source_key == bindparam("key"),
            PatientRow.id.in_(
                select(PatientKeyRow.patient_id).where(PatientKeyRow.source_key == bindparam("key"))
            ),
        )
    )
    .order_by((PatientRow.source_key == bindparam("key")).desc())
    .limit(1)
)
"""The patient a keyed hash names: its own key first, else an alias (built once: CDS Hooks asks
on every call whose patient is not cached yet)."""
_LATEST = (
    select(AnalysisRow.id)
    .where(AnalysisRow.patient_id == bindparam("patient"))
    .order_by(AnalysisRow.created_at.desc(), AnalysisRow.id)
    .limit(1)
)
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
        database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
        self._lock_path = f"{database}.writer-lock" if database and database != ":memory:" else None
        self._turn_lock = threading.Lock()

    @contextmanager
    def transaction(self, *, queued: bool = False) -> Iterator[SqlTransaction]:
        with self._turn() if queued else nullcontext(), self._transaction() as tx:
            yield tx

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """An exclusive `flock` on `<database>.writer-lock` (SQLite files; elsewhere nothing): the
        kernel wakes the next waiting process when it is released, where SQLite would poll."""
        if self._lock_path is None:
            yield
            return
        with self._turn_lock:
            try:
                descriptor = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                raise StorageError(f"cannot open the writer lock {self._lock_path}: {exc.strerror}") from exc
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX)
                yield
            finally:
                os.close(descriptor)

    @contextmanager
    def _transaction(self) -> Iterator[SqlTransaction]:
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

    # --- access hardening: lab links and token revocation (begin) -------------------------------
    def _user_row(self, name: str) -> UserRow:
        row = self.session.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            raise NotFoundError(f"no user {name!r}")
        return row

    def set_user_active(self, name: str, active: bool) -> UserRecord:
        row = self._user_row(name)
        if row.active and not active:
            self._raise_cut_off(row, self._clock())
        row.active = active
        self.session.flush()
        return _user(row)

    def revoke_user_tokens(self, name: str, before: datetime) -> datetime:
        row = self._user_row(name)
        cut_off = self._raise_cut_off(row, before)
        self.session.flush()
        return cut_off

    @staticmethod
    def _raise_cut_off(row: UserRow, before: datetime) -> datetime:
        if row.tokens_valid_after is None or row.tokens_valid_after < before:
            row.tokens_valid_after = before
        return row.tokens_valid_after

    def revoke_token(self, jti: str, user_id: int, expires_at: datetime) -> None:
        if self.session.get(UserRow, user_id) is None:
            raise NotFoundError(f"no user with id {user_id}")
        row = self.session.get(RevokedTokenRow, jti)
        if row is None:
            self.session.add(RevokedTokenRow(jti=jti, user_id=user_id, expires_at=expires_at))
            self.session.flush()

    def token_subject(self, name: str, jti: str) -> TokenSubject | None:
        """A scalar EXISTS beside the user row: one round trip per request, both lookups by key."""
        revoked = select(RevokedTokenRow.jti).where(RevokedTokenRow.jti == jti).exists()
        found = self.session.execute(select(UserRow, revoked).where(UserRow.name == name)).first()
        if found is None:
            return None
        row, is_revoked = found
        return TokenSubject(
            user=_user(row), tokens_valid_after=row.tokens_valid_after, revoked=bool(is_revoked)
        )

    def purge_revoked_tokens(self, now: datetime) -> int:
        deleted = self.session.execute(
            delete(RevokedTokenRow).where(RevokedTokenRow.expires_at < now).returning(RevokedTokenRow.jti)
        )
        return len(deleted.all())

    def link_lab(self, name: str, lab_id: str) -> None:
        if not re.fullmatch(LAB_ID, lab_id):
            raise StorageError(f"{lab_id!r} is not a laboratory id (lowercase letters, digits and '-')")
        row = self._user_row(name)
        if row.role != "lab":
            raise ConflictError(f"user {name!r} has the {row.role} role; only lab users publish catalogs")
        if self.session.get(LabMemberRow, (row.id, lab_id)) is None:
            self.session.add(LabMemberRow(user_id=row.id, lab_id=lab_id))
            self.session.flush()

    def unlink_lab(self, name: str, lab_id: str) -> bool:
        row = self.session.get(LabMemberRow, (self._user_row(name).id, lab_id))
        if row is None:
            return False
        self.session.delete(row)
        self.session.flush()
        return True

    def user_labs(self, user_id: int) -> list[str]:
        links = select(LabMemberRow.lab_id).where(LabMemberRow.user_id == user_id)
        return list(self.session.scalars(links.order_by(LabMemberRow.lab_id)))

    # --- access hardening (end) -----------------------------------------------------------------

    # patients
    def get_patient(self, patient_id: str) -> PatientRecord:
        row = self.session.get(PatientRow, patient_id)
        if row is None:
            raise NotFoundError(f"no patient {patient_id}")
        return _patient(row)

    def find_patient(self, source_key: str) -> PatientRecord | None:
        row = self.session.scalar(_FIND_PATIENT, {"key": source_key})
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
        """A statement built once (`_LATEST`) and run on the session's connection: CDS Hooks asks
        this on every call, and building and caching a fresh ORM select cost more than the query."""
        found: str | None = self.session.connection().execute(_LATEST, {"patient": patient_id}).scalar()
        return found

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

    def append_audits(self, events: Sequence[AuditEvent]) -> None:
        at = self._clock()
        rows = [
            {
                "at": at,
                "actor": event.actor,
                "role": event.role,
                "action": event.action,
                "outcome": event.outcome,
                "patient_id": event.patient_id,
                "analysis_id": event.analysis_id,
                "client_ip": event.client_ip,
            }
            for event in events
        ]
        if rows:
            self.session.connection().execute(_INSERT_AUDIT, rows)

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
    def claim_jtis(self, tokens: Sequence[TokenId], *, now: datetime) -> list[bool]:
        """Per token one upsert (`_CLAIM_JTI`, built once); a repeat within `tokens` is answered
        without one: PostgreSQL cannot touch one row twice in a statement, and it is a replay."""
        connection = self.session.connection()
        claimed: dict[tuple[str, str], bool] = {}
        answers: list[bool] = []
        for token in tokens:
            key = (token.issuer, token.jti)
            if key in claimed:
                answers.append(False)
                continue
            parameters = {
                "issuer": token.issuer,
                "jti": token.jti,
                "expires_at": token.expires_at,
                "now": now,
            }
            claimed[key] = connection.execute(_CLAIM_JTI, parameters).first() is not None
            answers.append(claimed[key])
        return answers

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

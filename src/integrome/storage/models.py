"""ORM tables (SQLAlchemy 2 declarative). The schema itself is created by the Alembic migrations
in `migrations/versions/`; these classes must match them (tests/unit/storage checks that the
migrated schema and the metadata agree).

Timestamps are stored as timezone-aware UTC values; ids that leave the server (analysis, job,
patient pseudonym) are random strings so they reveal neither counts nor order.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "AnalysisRow",
    "AnalysisTermRow",
    "AuditRow",
    "Base",
    "CdsFeedbackRow",
    "CdsJtiRow",
    "DocumentRow",
    "JobRow",
    "LabMemberRow",
    "PatientAssignmentRow",
    "PatientKeyRow",
    "PatientRow",
    "RevokedTokenRow",
    "UserRow",
    "UtcDateTime",
]


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend: SQLite stores no zone, so it is put back on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; storage keeps aware UTC times only")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if not isinstance(value, datetime):
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    tokens_valid_after: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """Tokens of this user issued before this time are refused (admin revocation, deactivation)."""


class PatientRow(Base):
    __tablename__ = "patients"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    source_key: Mapped[str] = mapped_column(String(64), unique=True)
    sex: Mapped[str] = mapped_column(String(10))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PatientKeyRow(Base):
    """A further keyed hash naming a patient (e.g. of `Patient/<FHIR id>` beside the MRN's)."""

    __tablename__ = "patient_keys"

    source_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)


class PatientAssignmentRow(Base):
    __tablename__ = "patient_assignments"

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class AnalysisRow(Base):
    __tablename__ = "analyses"
    __table_args__ = (Index("ix_analyses_patient_created", "patient_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    kb_version: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    rerun_of: Mapped[str | None] = mapped_column(ForeignKey("analyses.id"))
    options_json: Mapped[str] = mapped_column(Text)
    analysis_json: Mapped[str] = mapped_column(Text)

    documents: Mapped[list[DocumentRow]] = relationship(order_by="DocumentRow.position")
    terms: Mapped[list[AnalysisTermRow]] = relationship(order_by="AnalysisTermRow.value")


class DocumentRow(Base):
    __tablename__ = "input_documents"
    __table_args__ = (UniqueConstraint("analysis_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    analysis_id: Mapped[str] = mapped_column(ForeignKey("analyses.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    format: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(20))
    blob: Mapped[str | None] = mapped_column(String(64))


class AnalysisTermRow(Base):
    """Genes and drugs an analysis mentions, for the list filters (`?gene=`, `?drug=`)."""

    __tablename__ = "analysis_terms"
    __table_args__ = (Index("ix_analysis_terms_kind_value", "kind", "value"),)

    analysis_id: Mapped[str] = mapped_column(ForeignKey("analyses.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    analysis_id: Mapped[str | None] = mapped_column(ForeignKey("analyses.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    owner: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditRow(Base):
    """Append-only: the migrations add triggers that reject UPDATE and DELETE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))
    patient_id: Mapped[str | None] = mapped_column(String(40), index=True)
    analysis_id: Mapped[str | None] = mapped_column(String(40))
    client_ip: Mapped[str | None] = mapped_column(String(64))


class CdsFeedbackRow(Base):
    __tablename__ = "cds_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[str] = mapped_column(String(100), index=True)
    card_id: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(20))
    outcome_timestamp: Mapped[str] = mapped_column(String(40))
    accepted_suggestions: Mapped[str] = mapped_column(Text)
    """JSON list of suggestion uuids."""
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_comment: Mapped[str | None] = mapped_column(Text)
    client: Mapped[str | None] = mapped_column(String(300))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CdsJtiRow(Base):
    """A CDS Hooks JWT id seen, kept until the token expires: the primary key refuses a replay in
    every server process sharing the database."""

    __tablename__ = "cds_jti"

    issuer: Mapped[str] = mapped_column(String(300), primary_key=True)
    jti: Mapped[str] = mapped_column(String(256), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class RevokedTokenRow(Base):
    """A locally issued token revoked by its holder (sign-out), kept until the token expires: every
    server process sharing the database refuses it."""

    __tablename__ = "revoked_tokens"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class LabMemberRow(Base):
    """A lab user may publish the catalogs of this laboratory (a catalog provider id)."""

    __tablename__ = "lab_members"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    lab_id: Mapped[str] = mapped_column(String(100), primary_key=True)

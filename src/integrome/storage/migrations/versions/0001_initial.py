"""Initial schema: users, patients and assignments, analyses with documents and filter terms,
background jobs, CDS Hooks feedback, and the append-only audit log.

The audit log is protected in the database itself, not only by the repository having no update
or delete: triggers reject UPDATE and DELETE (and TRUNCATE on PostgreSQL), so a bug or a manual
session cannot rewrite who saw which patient.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from integrome.storage.models import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE FUNCTION integrome_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(300)),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("role IN ('clinician', 'lab', 'researcher', 'admin')", name="ck_users_role"),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("source_key", sa.String(64), nullable=False, unique=True),
        sa.Column("sex", sa.String(10), nullable=False),
        sa.Column("birth_year", sa.Integer),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "patient_assignments",
        sa.Column("patient_id", sa.String(40), sa.ForeignKey("patients.id"), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
    )
    op.create_table(
        "analyses",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("patient_id", sa.String(40), sa.ForeignKey("patients.id"), nullable=False),
        sa.Column("kb_version", sa.String(100), nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("rerun_of", sa.String(40), sa.ForeignKey("analyses.id")),
        sa.Column("options_json", sa.Text, nullable=False),
        sa.Column("analysis_json", sa.Text, nullable=False),
    )
    op.create_index("ix_analyses_created_at", "analyses", ["created_at"])
    op.create_index("ix_analyses_patient_created", "analyses", ["patient_id", "created_at"])
    op.create_table(
        "input_documents",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("analysis_id", sa.String(40), sa.ForeignKey("analyses.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("blob", sa.String(64)),
        sa.UniqueConstraint("analysis_id", "position"),
        sa.CheckConstraint("size >= 0", name="ck_input_documents_size"),
    )
    op.create_index("ix_input_documents_analysis_id", "input_documents", ["analysis_id"])
    op.create_index("ix_input_documents_sha256", "input_documents", ["sha256"])
    op.create_table(
        "analysis_terms",
        sa.Column("analysis_id", sa.String(40), sa.ForeignKey("analyses.id"), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("value", sa.String(100), primary_key=True),
    )
    op.create_index("ix_analysis_terms_kind_value", "analysis_terms", ["kind", "value"])
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("progress", sa.Integer, nullable=False),
        sa.Column("message", sa.Text),
        sa.Column("analysis_id", sa.String(40), sa.ForeignKey("analyses.id")),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id")),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="ck_jobs_status"),
    )
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("patient_id", sa.String(40)),
        sa.Column("analysis_id", sa.String(40)),
        sa.Column("client_ip", sa.String(64)),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_patient_id", "audit_log", ["patient_id"])
    op.create_table(
        "cds_feedback",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("service_id", sa.String(100), nullable=False),
        sa.Column("card_id", sa.String(100), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("outcome_timestamp", sa.String(40), nullable=False),
        sa.Column("accepted_suggestions", sa.Text, nullable=False),
        sa.Column("override_reason", sa.Text),
        sa.Column("override_comment", sa.Text),
        sa.Column("client", sa.String(300)),
        sa.Column("received_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_cds_feedback_service_id", "cds_feedback", ["service_id"])
    _protect_audit_log()


def _protect_audit_log() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION integrome_audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION integrome_audit_log_append_only()"
        )
    elif dialect == "sqlite":
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{operation.lower()} BEFORE {operation} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {operation} refused'); END"
            )
    else:
        raise RuntimeError(f"no append-only protection for the audit log on {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION integrome_audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    for table in (
        "cds_feedback",
        "audit_log",
        "jobs",
        "analysis_terms",
        "input_documents",
        "analyses",
        "patient_assignments",
        "patients",
        "users",
    ):
        op.drop_table(table)

"""Alias keys of patients and CDS Hooks token ids.

`patient_keys` holds further keyed hashes of a patient (that of `Patient/<FHIR id>` when the
record's own id is an MRN), so a CDS Hooks call naming the patient by FHIR id finds them.
`cds_jti` holds the `jti` of each CDS Hooks JWT until it expires; its primary key makes a replay
fail in every server process sharing the database (CDS Hooks 2.0, "Trusting CDS Clients").

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from integrome.storage.models import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_keys",
        sa.Column("source_key", sa.String(64), primary_key=True),
        sa.Column("patient_id", sa.String(40), sa.ForeignKey("patients.id"), nullable=False),
    )
    op.create_index("ix_patient_keys_patient_id", "patient_keys", ["patient_id"])
    op.create_table(
        "cds_jti",
        sa.Column("issuer", sa.String(300), primary_key=True),
        sa.Column("jti", sa.String(256), primary_key=True),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_cds_jti_expires_at", "cds_jti", ["expires_at"])


def downgrade() -> None:
    op.drop_table("cds_jti")
    op.drop_table("patient_keys")

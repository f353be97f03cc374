"""Laboratory links of lab users and revocation of locally issued tokens.

`lab_members` links a lab user to the laboratories (catalog provider ids) whose catalogs they may
publish; a lab user without a link publishes nothing. `revoked_tokens` holds the `jti` of each
signed-out token until it expires, and `users.tokens_valid_after` refuses every token of a user
issued before it (an admin's "revoke all", a deactivation). All three live in the database, so
every server process sharing it refuses the same tokens.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from integrome.storage.models import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("tokens_valid_after", UtcDateTime()))
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_revoked_tokens_expires_at", "revoked_tokens", ["expires_at"])
    op.create_table(
        "lab_members",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("lab_id", sa.String(100), primary_key=True),
    )


def downgrade() -> None:
    op.drop_table("lab_members")
    op.drop_table("revoked_tokens")
    # ALTER TABLE ... DROP COLUMN in place (SQLite 3.35+): recreating `users` would trip the
    # foreign keys of every table that references it.
    with op.batch_alter_table("users", recreate="never") as batch:
        batch.drop_column("tokens_valid_after")

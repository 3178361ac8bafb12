"""audit log, blocked identities, per-resident flood control, duplicate aspirations

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_entry_at"), ["at"], unique=False)

    op.create_table(
        "blocked_identity",
        sa.Column("identity", sa.String(length=80), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("blocked_by", sa.String(length=80), nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("identity"),
    )
    with op.batch_alter_table("aspiration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duplicate_of", sa.String(length=16), nullable=True))

    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("flood_window_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("flood_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("flood_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.drop_column("flood_until")
        batch_op.drop_column("flood_count")
        batch_op.drop_column("flood_window_at")

    with op.batch_alter_table("aspiration", schema=None) as batch_op:
        batch_op.drop_column("duplicate_of")

    op.drop_table("blocked_identity")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_at"))

    op.drop_table("audit_entry")

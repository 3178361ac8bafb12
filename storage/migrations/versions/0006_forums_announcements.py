"""forums, subscriptions, RSVPs, announcements; opt-out; a send pace shared by processes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_pace",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("next_slot_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paused_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("channel"),
    )
    op.create_table(
        "forum_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("forum_type", sa.String(length=24), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("area_level", sa.String(length=16), nullable=False),
        sa.Column("area_code", sa.String(length=16), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("summary_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("forum_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_event_status"), ["status"], unique=False)

    op.create_table(
        "announcement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("template", sa.String(length=64), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("photo", sa.String(length=255), nullable=True),
        sa.Column("document", sa.String(length=255), nullable=True),
        sa.Column("segment_kind", sa.String(length=24), nullable=False),
        sa.Column("segment_value", sa.String(length=32), nullable=True),
        sa.Column("send_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fanned_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["forum_id"], ["forum_event.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcement_forum_id"), ["forum_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_announcement_status"), ["status"], unique=False)

    op.create_table(
        "forum_rsvp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=8), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["forum_id"], ["forum_event.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resident_id"], ["resident.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("forum_id", "resident_id"),
    )
    with op.batch_alter_table("forum_rsvp", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forum_rsvp_forum_id"), ["forum_id"], unique=False)

    op.create_table(
        "forum_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["resident_id"], ["resident.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("resident_id", "scope"),
    )
    op.create_table(
        "forum_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("forum_id", sa.Integer(), nullable=False),
        sa.Column("offset_minutes", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["announcement_id"], ["announcement.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["forum_id"], ["forum_event.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("forum_id", "offset_minutes", "starts_at"),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("announcement_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_outbox_message_announcement_id"), ["announcement_id"], unique=False
        )
        batch_op.create_index(
            "ix_outbox_message_external", ["channel", "external_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_outbox_message_announcement_id",
            "announcement",
            ["announcement_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("announcements_off_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("resident", schema=None) as batch_op:
        batch_op.drop_column("announcements_off_at")

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        # WARNING: constraint name is None; this directive will fail as
        # rendered.  Add a name, or use a naming convention; see
        # https://alembic.sqlalchemy.org/en/latest/naming.html
        batch_op.drop_constraint("fk_outbox_message_announcement_id", type_="foreignkey")
        batch_op.drop_index("ix_outbox_message_external")
        batch_op.drop_index(batch_op.f("ix_outbox_message_announcement_id"))
        batch_op.drop_column("announcement_id")

    op.drop_table("forum_reminder")
    op.drop_table("forum_subscription")
    with op.batch_alter_table("forum_rsvp", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_rsvp_forum_id"))

    op.drop_table("forum_rsvp")
    with op.batch_alter_table("announcement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_announcement_status"))
        batch_op.drop_index(batch_op.f("ix_announcement_forum_id"))

    op.drop_table("announcement")
    with op.batch_alter_table("forum_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forum_event_status"))

    op.drop_table("forum_event")
    op.drop_table("channel_pace")

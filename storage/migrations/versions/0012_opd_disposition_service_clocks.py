"""the city's units (OPD), disposition to them, their officers, notes on an
aspiration (follow-up, questions to the resident and answers), the service clocks'
due times, and the record of alerts already sent

The units are seeded from ``storage/data/opd_default.csv`` as it is when the
migration runs: a default for the city to confirm and edit (``siantar opd``).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from importlib import resources

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    opd = op.create_table(
        "opd",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(length=24), nullable=False, unique=True),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("short_name", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    text = resources.files("storage").joinpath("data", "opd_default.csv").read_text("utf-8")
    rows = [row | {"active": True} for row in csv.DictReader(text.splitlines())]
    op.bulk_insert(opd, rows)

    op.create_table(
        "opd_officer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("identity", sa.String(length=80), nullable=False),
        sa.Column("opd_code", sa.String(length=24), nullable=False),
        sa.Column("granted_by", sa.String(length=80), nullable=False),
        sa.Column("granted_at", WHEN, nullable=False),
        sa.UniqueConstraint("identity", "opd_code"),
    )
    op.create_index("ix_opd_officer_identity", "opd_officer", ["identity"])
    op.create_index("ix_opd_officer_opd_code", "opd_officer", ["opd_code"])

    op.create_table(
        "aspiration_note",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "aspiration_id",
            sa.Integer(),
            sa.ForeignKey("aspiration.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=True),
        sa.Column("opd_code", sa.String(length=24), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo_path", sa.String(length=255), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
    )
    op.create_index("ix_aspiration_note_aspiration_id", "aspiration_note", ["aspiration_id"])

    op.create_table(
        "sla_alert",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=120), nullable=False, unique=True),
        sa.Column(
            "aspiration_id",
            sa.Integer(),
            sa.ForeignKey("aspiration.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("sent_at", WHEN, nullable=False),
    )
    op.create_index("ix_sla_alert_aspiration_id", "sla_alert", ["aspiration_id"])

    with op.batch_alter_table("aspiration") as table:
        table.add_column(sa.Column("opd_code", sa.String(length=24), nullable=True))
        table.add_column(sa.Column("grade", sa.String(length=16), nullable=True))
        table.add_column(sa.Column("held_status", sa.String(length=16), nullable=True))
        table.add_column(sa.Column("tunda_count", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("verify_due_at", WHEN, nullable=True))
        table.add_column(sa.Column("response_due_at", WHEN, nullable=True))
        table.add_column(sa.Column("completion_due_at", WHEN, nullable=True))
        table.add_column(sa.Column("next_due_at", WHEN, nullable=True))
        table.add_column(
            sa.Column("breached", sa.String(length=48), nullable=False, server_default="")
        )
    for column in ("opd_code", "next_due_at"):
        op.create_index(f"ix_aspiration_{column}", "aspiration", [column])

    with op.batch_alter_table("aspiration_status_change") as table:
        table.add_column(sa.Column("opd_code", sa.String(length=24), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("aspiration_status_change") as table:
        table.drop_column("opd_code")
    for column in ("opd_code", "next_due_at"):
        op.drop_index(f"ix_aspiration_{column}", "aspiration")
    with op.batch_alter_table("aspiration") as table:
        for column in (
            "breached",
            "next_due_at",
            "completion_due_at",
            "response_due_at",
            "verify_due_at",
            "tunda_count",
            "held_status",
            "grade",
            "opd_code",
        ):
            table.drop_column(column)
    op.drop_table("sla_alert")
    op.drop_table("aspiration_note")
    op.drop_table("opd_officer")
    op.drop_table("opd")

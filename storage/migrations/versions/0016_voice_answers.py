"""voice answers: the resident's answer to a staff question (tunda) may be a voice
note, kept in the media folder like an answer's photo; its length in seconds
where the channel or the file says it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("aspiration_note") as batch:
        batch.add_column(sa.Column("voice_path", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("voice_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("aspiration_note") as batch:
        batch.drop_column("voice_seconds")
        batch.drop_column("voice_path")

"""voice notes: an aspiration may carry one (the resident spoke instead of typing,
or added it to the text), stored in the media folder like a photo; its length in
seconds where the channel or the file says it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("aspiration") as batch:
        batch.add_column(sa.Column("voice_path", sa.String(length=255), nullable=True))
        batch.add_column(sa.Column("voice_seconds", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("aspiration") as batch:
        batch.drop_column("voice_seconds")
        batch.drop_column("voice_path")

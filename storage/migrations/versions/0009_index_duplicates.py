"""an index on aspiration.duplicate_of: staff see the copies of an aspiration, and
their residents are told when the original moves on

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("aspiration", schema=None) as batch_op:
        batch_op.create_index("ix_aspiration_duplicate_of", ["duplicate_of"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("aspiration", schema=None) as batch_op:
        batch_op.drop_index("ix_aspiration_duplicate_of")

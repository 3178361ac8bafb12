"""indexes for Konsol's aspiration list: its common filters and sorts (status with
the newest first, the newest first of all, category, kelurahan) answered from an
index instead of reading the whole table (``storage.console_aspirations``)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_aspiration_status_created_at": ["status", "created_at"],
    "ix_aspiration_created_at": ["created_at"],
    "ix_aspiration_category": ["category"],
    "ix_aspiration_kelurahan_code": ["kelurahan_code"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "aspiration", columns)


def downgrade() -> None:
    for name in INDEXES:
        op.drop_index(name, "aspiration")

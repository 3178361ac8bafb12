"""indexes for Konsol's aspiration list: its common filters and sorts (status with
the newest first, the newest first of all, category, kelurahan) answered from an
index instead of reading the whole table (``storage.console_aspirations``); on
PostgreSQL also its free text, from a trigram index (``pg_trgm``, shipped with
PostgreSQL and trusted since 13: the database's owner may create it) that serves
``ILIKE '%…%'`` over the text and a code's start

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


SEARCH = "ix_aspiration_search"


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "aspiration", columns)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            SEARCH,
            "aspiration",
            ["text", "code"],
            postgresql_using="gin",
            postgresql_ops={"text": "gin_trgm_ops", "code": "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index(SEARCH, "aspiration")  # pg_trgm stays: other schemas may use it
    for name in INDEXES:
        op.drop_index(name, "aspiration")

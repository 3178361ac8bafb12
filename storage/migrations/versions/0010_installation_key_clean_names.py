"""the installation's secret (the key of dedupe fingerprints); unkeyed dedupe records
dropped

Dedupe records were plain SHA-256 hashes of channel and update key, which anyone
can recompute from a chat id and guessed message ids; they are now HMACs under
the installation's key (``storage.installation``). The old rows cannot be
converted (the update keys are not kept), and keeping them until they expire
would leave traceable records for another ``conversation_days``, so they go. A
redelivery that straddles the upgrade would be handled again; a clean stop
(SIGTERM) leaves none: polling confirms its last offset and webhook requests
finish before the process exits.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "installation_secret",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.execute(sa.text("DELETE FROM processed_update"))


def downgrade() -> None:
    # Keyed dedupe records mean nothing to the older code; they go too.
    op.execute(sa.text("DELETE FROM processed_update"))
    op.drop_table("installation_secret")

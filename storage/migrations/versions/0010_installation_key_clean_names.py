"""the installation's secret (the key of dedupe fingerprints); unkeyed dedupe records
dropped; profile names stored before they were cleaned, cleaned

Dedupe records were plain SHA-256 hashes of channel and update key, which anyone
can recompute from a chat id and guessed message ids; they are now HMACs under
the installation's key (``storage.installation``). The old rows cannot be
converted (the update keys are not kept), and keeping them until they expire
would leave traceable records for another ``conversation_days``, so they go. A
redelivery that straddles the upgrade would be handled again; a clean stop
(SIGTERM) leaves none: polling confirms its last offset and webhook requests
finish before the process exits.

Profile names (Telegram, WhatsApp) were stored raw, bidi overrides, zero-width
and control characters included; the names already stored, and registration
names copied from them, are cleaned here the way ``handlers.core.validation.
clean_profile_name`` cleans new ones. The cleaning is copied, not imported: a
migration must do what it did when it was written, and storage never imports
handlers.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME_MAX = 80
NAME_MIN = 2
INVISIBLE = ("Cf", "Cc", "Cs", "Co", "Cn")


def _clean_name(raw: str) -> str | None:
    """``clean_profile_name`` as of this revision."""
    text = unicodedata.normalize("NFC", raw)
    text = "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in INVISIBLE)
    name = " ".join(text.split())[:NAME_MAX].rstrip()
    return name if sum(1 for ch in name if ch.isalpha()) >= NAME_MIN else None


def _clean_column(table: str, column: str) -> None:
    rows = sa.table(table, sa.column("id", sa.Integer()), sa.column(column, sa.String()))
    connection = op.get_bind()
    found = connection.execute(
        sa.select(rows.c.id, rows.c[column]).where(rows.c[column].is_not(None))
    ).all()
    cleaned = ((row_id, name, _clean_name(name)) for row_id, name in found)
    changed = [{"row_id": row_id, "name": new} for row_id, old, new in cleaned if new != old]
    if changed:
        connection.execute(
            rows.update()
            .where(rows.c.id == sa.bindparam("row_id"))
            .values({column: sa.bindparam("name")}),
            changed,
        )


def upgrade() -> None:
    op.create_table(
        "installation_secret",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.execute(sa.text("DELETE FROM processed_update"))
    _clean_column("resident", "display_name")
    _clean_column("training_registration", "full_name")


def downgrade() -> None:
    # Keyed dedupe records mean nothing to the older code; they go too.
    op.execute(sa.text("DELETE FROM processed_update"))
    op.drop_table("installation_secret")

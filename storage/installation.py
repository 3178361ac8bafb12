"""The installation's own secret: the key of every fingerprint kept instead of a
personal id (dedupe records of inbound updates).

It is made on first use with ``secrets.token_bytes`` and kept in the database
(table ``installation_secret``), so every process on the same database uses the
same key, and a restart keeps it. An operator may set ``[privacy] hash_key``
instead, to keep it out of the database and its backups; the caller then never
asks for this one.

Two processes starting at once on an empty table agree: each tries to insert
its own key and ignores a conflict, then both read the one that was written.
The insert is the first statement of its transaction, so on SQLite it waits for
the other writer's lock (busy timeout) before it reads anything; on PostgreSQL
it waits for the other transaction on the primary key and then does nothing.
"""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import Engine, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from storage.db import transaction
from storage.models import InstallationSecret

logger = logging.getLogger(__name__)

HASH_KEY = "hash_key"
KEY_BYTES = 32  # HMAC-SHA256's block-sized key, from the OS's random source

_SECRET = InstallationSecret.__table__  # type: ignore[attr-defined]
_READ = select(_SECRET.c.value).where(_SECRET.c.name == HASH_KEY)


def installation_key(db: Engine) -> bytes:
    """The installation's hash key, made and stored the first time it is asked for."""
    with Session(db) as session:
        found = session.execute(_READ).scalar_one_or_none()
    if found is not None:
        return bytes(found)
    insert = postgresql_insert if db.dialect.name == "postgresql" else sqlite_insert
    with transaction(db) as session:
        made = insert(_SECRET).values(name=HASH_KEY, value=secrets.token_bytes(KEY_BYTES))
        written = session.execute(made.on_conflict_do_nothing().returning(_SECRET.c.name))
        if written.first() is not None:
            logger.info("made this installation's hash key (kept in the database)")
        return bytes(session.execute(_READ).scalar_one())

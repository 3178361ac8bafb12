"""Opening the database for a command, in one of two ways.

Commands that store something (``chat``, ``run``, ``db upgrade``, grants, new
programs…) use :func:`open_database`, which creates the SQLite file where the
settings say (``bot/paths.py``) and applies pending migrations. Commands that only
read (``export``, ``stats``, ``audit``, ``role list``, the ``list`` actions,
``privacy purge --dry-run``) use :func:`open_existing_database`: they never create
a database and never change its schema behind the operator's back (on a shared
PostgreSQL a migration is a deliberate step, ``siantar db upgrade``); when the
database is missing, empty or at another schema revision they stop with one line
that names it.

Light on imports: the CLI loads it for every command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.paths import display_url, sqlite_file

if TYPE_CHECKING:
    from sqlalchemy import Engine as Database

    from bot.config import Settings


class DatabaseNotReady(Exception):
    """A command that only reads has no database to read. ``reason`` is ``missing``,
    ``empty``, ``unknown_revision`` or ``behind``; ``params`` name the database
    (``where``) and its revisions, for the CLI to word (``cli.database.<reason>``);
    ``str()`` is one English line naming it."""

    def __init__(self, reason: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.params = params


def open_database(settings: Settings) -> Database:
    """Connect, creating the SQLite file (and its folder) if there is none yet, and
    apply pending migrations."""
    from storage.db import make_engine, migrate

    path = sqlite_file(settings.database.url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    db = make_engine(settings.database.url)
    migrate(db)
    return db


def open_existing_database(settings: Settings) -> Database:
    """Connect to the database as it is, creating and migrating nothing; raise
    :class:`DatabaseNotReady` when it is missing, empty, or not at this version's
    schema."""
    from storage.db import make_engine, schema_of

    url = settings.database.url
    where = display_url(url)
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        raise DatabaseNotReady(
            "missing", f"no database at {where}: nothing has been stored there yet", where=where
        )
    db = make_engine(url)
    try:
        schema = schema_of(db)
    except BaseException:
        db.dispose()
        raise
    problem = None
    if schema.revision is None:
        problem = ("empty", f"the database {where} is empty: nothing has been stored there yet")
    elif not schema.known:
        problem = (
            "unknown_revision",
            f"the database {where} is at schema revision {schema.revision}, which this "
            "version of siantar does not know (was it upgraded by a newer version?)",
        )
    elif not schema.current:
        problem = (
            "behind",
            f"the database {where} is at schema revision {schema.revision}, this version "
            f"needs {schema.head}: run 'siantar db upgrade' first",
        )
    if problem is not None:
        db.dispose()
        reason, message = problem
        raise DatabaseNotReady(
            reason, message, where=where, revision=schema.revision or "", head=schema.head
        )
    return db

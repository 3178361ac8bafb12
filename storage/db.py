"""Engine and session set-up, and schema migrations through Alembic."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

logger = logging.getLogger(__name__)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Erased rows are overwritten with zeros, not left readable in free pages
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit when the block ends, roll back on any error.

    Autoflush is off so that a flow's reads take no write lock; writes reach the
    database when the transaction commits (or on an explicit ``flush``).
    """
    with Session(engine, autoflush=False, expire_on_commit=False) as session, session.begin():
        yield session


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("storage") / "migrations"))
    return config


def head_revision() -> str:
    """The newest migration shipped with this version."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (every pending migration by default)."""
    from alembic import command

    config = _alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    logger.info("database schema is at %s", revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def compact_log(engine: Engine) -> None:
    """SQLite: copy the write-ahead log into the database file and empty it, so
    pages written before an erasure (a resident's name, a phone) do not linger in
    ``siantar.db-wal``; with ``secure_delete`` the file itself keeps none either.
    PostgreSQL reclaims deleted rows by its own (auto)vacuum."""
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


@dataclass(frozen=True)
class Schema:
    """Where a database's schema stands against the migrations of this version."""

    revision: str | None  # the database's revision, None when it has no tables yet
    head: str  # the newest migration shipped with this version
    known: bool  # ``revision`` is one of this version's migrations

    @property
    def current(self) -> bool:
        return self.revision == self.head


def schema_of(engine: Engine) -> Schema:
    """Read the schema revision without changing anything."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    revision = current_revision(engine)
    scripts = ScriptDirectory.from_config(_alembic_config())
    head = scripts.get_current_head()
    assert head is not None
    known = revision is None
    if revision is not None:
        try:
            known = scripts.get_revision(revision) is not None
        except CommandError:
            known = False
    return Schema(revision=revision, head=head, known=known)


def compared_on(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for comparing the models with a database: an
    index the models keep for other databases only (``info["dialects"]``, e.g. the
    PostgreSQL trigram index of Konsol's search) is left out on this one."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        dialects = getattr(obj, "info", {}).get("dialects")
        return dialects is None or dialect in dialects

    return include

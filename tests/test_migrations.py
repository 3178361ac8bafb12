"""Migrations build the schema the models describe, on every backend."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlmodel import SQLModel

from storage.db import _alembic_config, compared_on, current_revision, head_revision, migrate


def test_upgrade_creates_every_table(db: Engine) -> None:
    assert current_revision(db) == head_revision() != "0001"
    tables = set(inspect(db).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrations_match_the_models(db: Engine) -> None:
    with db.connect() as connection:
        include = compared_on(db.dialect.name)
        opts = {"compare_type": False, "include_object": include}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, SQLModel.metadata) == []


def test_upgrade_twice_is_harmless(db: Engine) -> None:
    migrate(db)
    assert current_revision(db) == head_revision()


def test_every_migration_goes_down_and_up_again(db: Engine) -> None:
    """Each downgrade undoes its upgrade: down to an empty database, step by step
    through the newest, and up again to the models' schema."""
    config = _alembic_config()
    for target in ("-1", "base"):
        with db.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, target)
    assert current_revision(db) is None
    assert "aspiration_note" not in inspect(db).get_table_names()
    migrate(db)
    assert current_revision(db) == head_revision()
    columns = {c["name"] for c in inspect(db).get_columns("aspiration_note")}
    assert {"voice_path", "voice_seconds"} <= columns


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from storage.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()

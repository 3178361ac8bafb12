"""Alembic environment: runs on the connection ``storage.db.migrate`` hands over.

To write a new migration against a scratch database:
    SIANTAR_DATABASE_URL=sqlite:///scratch.db \
        alembic -c storage/alembic.ini revision --autogenerate -m "..."
"""

from __future__ import annotations

import os
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.db import compared_on

target_metadata = SQLModel.metadata


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write plain SQLAlchemy types into migrations, never the app's own classes."""
    if type_ == "type" and isinstance(obj, storage.models.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and type(obj).__name__ == "AutoString":
        return f"sa.String(length={obj.length!r})"  # type: ignore[attr-defined]
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs table rebuilds for most ALTERs
        compare_type=True,
        render_item=_render_item,
        include_object=compared_on(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    from storage.db import make_engine

    engine = make_engine(os.environ.get("SIANTAR_DATABASE_URL", "sqlite:///siantar.db"))
    with engine.begin() as conn:
        _run(conn)

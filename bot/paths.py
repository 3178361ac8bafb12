"""Where siantar keeps its files, whatever folder a command is run from.

One rule (DESIGN.md section 5): a relative path in the configuration (the SQLite
file of ``database.url``, ``media.directory``) is resolved against the config
file's folder; without a config file, against the **data folder**:
``$SIANTAR_HOME``, else the user data folder of the platform
(``platformdirs.user_data_path("siantar")``, e.g. ``~/.local/share/siantar``).
The current folder never decides where data goes, so a command run from another
folder finds the same database instead of silently starting an empty one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from platformdirs import user_data_path
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

HOME_ENV_VAR = "SIANTAR_HOME"
APP_NAME = "siantar"
CHAT_LOG_NAME = "siantar.log"  # ``siantar chat``'s warnings, in the data folder


def data_folder(environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """``$SIANTAR_HOME`` (a relative value is taken from ``cwd``, as typed), else
    the platform's user data folder for siantar. Nothing is created here."""
    env = os.environ if environ is None else environ
    given = env.get(HOME_ENV_VAR, "").strip()
    if not given:
        return user_data_path(APP_NAME, appauthor=False)
    folder = Path(given).expanduser()
    return folder if folder.is_absolute() else (cwd or Path.cwd()) / folder


def resolve_folder(value: str, base: Path) -> Path:
    """``value`` (``~`` expanded) as an absolute path, a relative one taken from ``base``."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def resolve_database_url(url: str, base: Path) -> str:
    """``url`` with a relative SQLite file made absolute against ``base``; other
    URLs (PostgreSQL, an in-memory or ``file:`` URI SQLite database) unchanged."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url  # validation has already refused what is not a database URL
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return url
    if database.startswith("file:"):
        return url  # a SQLite URI names its own file
    resolved = resolve_folder(database, base)
    if str(resolved) == database:
        return url
    return parsed.set(database=str(resolved)).render_as_string(hide_password=False)


def sqlite_file(url: str) -> Path | None:
    """The file of an on-disk SQLite database, None for any other database."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    if database.startswith("file:"):
        return None
    return Path(database)


def display_url(url: str) -> str:
    """What to show of a database: a SQLite file's path, else the URL with its
    password masked."""
    path = sqlite_file(url)
    if path is not None:
        return str(path)
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable database URL)"

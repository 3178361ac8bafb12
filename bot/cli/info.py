"""``siantar --version`` and ``siantar info``: which siantar this is and where its
data lives (config file, data folder, database, media, chat log, schema), so an
operator never has to guess which database a command reads."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from bot.paths import CHAT_LOG_NAME, data_folder, sqlite_file

if TYPE_CHECKING:
    from bot.config import Settings

DISTRIBUTION = "siantar-bot"


def siantar_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


class VersionAction(argparse.Action):
    """``--version``: the version and the data folder, then exit (no config is read,
    so it works even when the config is broken)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "show the version and the data folder, then exit")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        print(f"siantar {siantar_version()}")
        print(f"data folder: {data_folder()}")
        parser.exit()


def add_parser(commands: Any) -> None:
    commands.add_parser(
        "info", help="the config file, data folder, database and schema in use (changes nothing)"
    )


def info_command(settings: Settings) -> int:
    """Print where everything is; exit 1 only when the database cannot be read."""
    from sqlalchemy.engine import make_url

    rows = [
        ("config file", str(settings.config_file or "none (built-in defaults)")),
        ("data folder", str(settings.data_dir)),
        ("database", make_url(settings.database.url).render_as_string(hide_password=True)),
        ("media folder", settings.media.directory),
        ("chat log", str(settings.data_dir / CHAT_LOG_NAME)),
    ]
    schema, code = _schema_line(settings)
    rows.append(("schema", schema))
    print(f"siantar {siantar_version()}")
    width = max(len(label) for label, _ in rows) + 1
    for label, value in rows:
        print(f"{label + ':':<{width}} {value}")
    return code


def _schema_line(settings: Settings) -> tuple[str, int]:
    """The schema's state in words, read without creating or migrating anything."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage.db import make_engine, schema_of

    path = sqlite_file(settings.database.url)
    if path is not None and not path.is_file():
        return "no database yet (chat, run or db upgrade create it)", 0
    db = make_engine(settings.database.url)
    try:
        schema = schema_of(db)
    except SQLAlchemyError as problem:
        text = str(getattr(problem, "orig", None) or problem).strip()
        return f"cannot read the database: {text.splitlines()[0] if text else problem}", 1
    finally:
        db.dispose()
    if schema.revision is None:
        return "no database yet (empty; chat, run or db upgrade fill it)", 0
    if not schema.known:
        return f"{schema.revision}, unknown to this version (which ships {schema.head})", 0
    if not schema.current:
        return f"{schema.revision}, behind {schema.head}: run 'siantar db upgrade'", 0
    return f"{schema.revision} (up to date)", 0

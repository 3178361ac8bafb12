"""``siantar --version`` and ``siantar info``: which siantar this is and where its
data lives (config file, data folder, database, media, chat log, schema), so an
operator never has to guess which database a command reads."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from bot.cli.say import t
from bot.paths import CHAT_LOG_NAME, data_folder, sqlite_file

if TYPE_CHECKING:
    from bot.config import Settings

DISTRIBUTION = "siantar-bot"


def siantar_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # run from a source tree that was never installed
        return t("cli.not_installed")


class VersionAction(argparse.Action):
    """``--version``: the version and the data folder, then exit (no config is read,
    so it works even when the config is broken). In the language ``--lang`` asked
    for, wherever it stands before the command (``bot.cli.usage.asked_language``)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        kwargs.setdefault("help", "cli.help.version")
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        print(f"siantar {siantar_version()}")
        print(t("cli.data_folder", path=str(data_folder())))
        parser.exit()


def add_parser(commands: Any) -> None:
    commands.add_parser("info", help="cli.help.info")


def info_command(settings: Settings) -> int:
    """Print where everything is; exit 1 only when the database cannot be read."""
    from sqlalchemy.engine import make_url

    values = [
        str(settings.config_file or t("cli.info_no_config")),
        str(settings.data_dir),
        make_url(settings.database.url).render_as_string(hide_password=True),
        settings.media.directory,
        str(settings.data_dir / CHAT_LOG_NAME),
    ]
    schema, code = _schema_line(settings)
    rows = list(zip(t("cli.info_labels").split("|"), [*values, schema], strict=True))
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
        return t("cli.schema_none"), 0
    db = make_engine(settings.database.url)
    try:
        schema = schema_of(db)
    except SQLAlchemyError as problem:
        text = str(getattr(problem, "orig", None) or problem).strip()
        return t("cli.schema_unreadable", problem=text.splitlines()[0] if text else problem), 1
    finally:
        db.dispose()
    if schema.revision is None:
        return t("cli.schema_empty"), 0
    if not schema.known:
        return t("cli.schema_unknown", revision=schema.revision, head=schema.head), 0
    if not schema.current:
        return t("cli.schema_behind", revision=schema.revision, head=schema.head), 0
    return t("cli.schema_current", revision=schema.revision), 0

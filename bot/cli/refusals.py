"""The refusals of the layers below the CLI, in the run's language: one place.

The storage layer, the database opener and the config loader refuse with an error
that carries a ``reason`` and its ``params`` (``ExportError``, ``UnitError``,
``TrainingError``, ``ForumError``, ``AnnouncementError``, ``StatsError``,
``DatabaseNotReady``, ``ConfigError``, and ``siantar run``'s ``StartupError``);
their ``str()`` stays one English line, for logs and for the chat and Konsol,
which word the reasons themselves.
:func:`refusal` words one as the catalog entry ``cli.<family>.<reason>``.

A reason without an entry is shown as the error's own English line, inside the
run's frame (``siantar: gagal: …``). That is, on purpose, the case of a config
value that pydantic refused: those messages are made deep in the config's
validation, name TOML keys (which are English) and come in many variants. A
problem with the config file itself (not found, unreadable, not TOML) is worded.
"""

from __future__ import annotations

import errno
import logging

from bot.cli.say import t

logger = logging.getLogger(__name__)

# The class of an error → the family of its catalog entries. By name, so this
# module imports none of the (heavy) modules that raise them.
FAMILIES = {
    "ExportError": "export",
    "UnitError": "unit",
    "TrainingError": "training",
    "ForumError": "forum",
    "AnnouncementError": "announcement",
    "StatsError": "stats",
    "DatabaseNotReady": "database",
    "ConfigError": "config",
    "StartupError": "startup",
}
IDENTIFIERS = ("id",)  # numbers that name a thing: shown as typed, not as a count (1.234)


def refusal(problem: Exception) -> str:
    """``problem`` in words of the run's language (its English line if it has none)."""
    if type(problem).__name__ == "UnknownRole":
        from storage.models import ROLES

        return t(
            "cli.unknown_role", role=repr(getattr(problem, "role", "")), roles=", ".join(ROLES)
        )
    family = FAMILIES.get(type(problem).__name__)
    reason = str(getattr(problem, "reason", "") or "")
    params = dict(getattr(problem, "params", None) or {})
    if isinstance(getattr(problem, "code", None), str):  # UnitError: the unit's code
        params.setdefault("code", problem.code)  # type: ignore[attr-defined]
    if family == "training" and reason == "quota" and "taken" in params:
        reason = "quota_taken"  # one reason for the chat and Konsol, two sentences here
    key = f"cli.{family}.{reason}"
    if family is None or not reason or not t.has(key):
        if family is not None and reason:
            # debug, not warning: the one line on stderr is the refusal itself
            logger.debug("no catalog entry %s: showing %r as it is", key, str(problem))
        return str(problem)
    shown = {name: _shown(name, value) for name, value in params.items()}
    try:
        return t(key, **shown)
    except (KeyError, IndexError):  # raised without a value its sentence names
        logger.debug("%s lacks a value for its sentence: %r", key, shown)
        return str(problem)


def os_problem(error: OSError) -> str:
    """What the system said of a file (``cli.os.ENOENT`` …), else its own words."""
    name = errno.errorcode.get(error.errno or 0, "")
    key = f"cli.os.{name}"
    return t(key) if name and t.has(key) else error.strerror or str(error)


def _shown(name: str, value: object) -> object:
    if isinstance(value, OSError):
        return os_problem(value)
    return str(value) if name in IDENTIFIERS else value

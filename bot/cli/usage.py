"""argparse in the run's language: ``siantar --help``, usage lines and complaints.

Our own help texts are catalog keys (``help="cli.help.export"``): ``Formatter``
looks them up only when help is printed, so building the parser reads no catalog
(``siantar --version`` and a mistyped command stay quick).

argparse's own words ("usage: ", "options", "the following arguments are required:
%s", "invalid choice: …") are gettext-ready: argparse passes each through its
module-level ``_`` when it uses it. Python ships no catalog for them, for
Indonesian or any language, and installing one would mean a compiled ``.mo`` file
and gettext's process-wide domain. So :func:`in_run_language` binds that name,
while the command line is read, to a lookup of the msgid in ``ARGPARSE``
(argparse's msgid → our ``cli.argparse.*`` entry), in the run's language; a msgid
not there (argparse reporting a programming error, such as "conflicting
subparser") stays as argparse wrote it; so does its ``ngettext``, which serves
only an option taking a fixed number (2 or more) of values: siantar has none. The
words argparse takes when the parser is built ("positional arguments", "options",
"show this help message and exit") are stored untranslated and ``Formatter``
looks them up too.

The language must be known before argparse reads anything, even for ``--help``:
:func:`asked_language` finds ``--lang en`` (or ``--lang=en``) before the command.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from bot.cli.say import t

LANGUAGES = ("id", "en")

# argparse's msgid → our catalog entry (the msgstr keeps argparse's %-placeholders).
ARGPARSE = {
    "usage: ": "cli.argparse.usage",
    "positional arguments": "cli.argparse.positionals",
    "options": "cli.argparse.options",
    "optional arguments": "cli.argparse.options",  # Python before 3.10
    "show this help message and exit": "cli.argparse.help",
    "argument %(argument_name)s: %(message)s": "cli.argparse.argument",
    "unrecognized arguments: %s": "cli.argparse.unrecognized",
    "not allowed with argument %s": "cli.argparse.not_allowed_with",
    "ignored explicit argument %r": "cli.argparse.ignored_explicit",
    "the following arguments are required: %s": "cli.argparse.required",
    "one of the arguments %s is required": "cli.argparse.one_required",
    "expected one argument": "cli.argparse.expected_one",
    "expected at most one argument": "cli.argparse.expected_at_most_one",
    "expected at least one argument": "cli.argparse.expected_at_least_one",
    "ambiguous option: %(option)s could match %(matches)s": "cli.argparse.ambiguous",
    "invalid %(type)s value: %(value)r": "cli.argparse.invalid_value",
    "invalid choice: %(value)r (choose from %(choices)s)": "cli.argparse.invalid_choice",
    "invalid choice: %(value)r, maybe you meant %(closest)r?": "cli.argparse.maybe_meant",
}


def asked_language(argv: Sequence[str]) -> str | None:
    """The ``--lang`` given before the command (the last one, as argparse reads it),
    also abbreviated (``--la en``) or as ``--lang=en``; None when there is none or
    it is not a language (argparse refuses it then, in Indonesian)."""
    asked: str | None = None
    tokens = iter(argv)
    for token in tokens:
        name, equals, value = token.partition("=")
        if _abbreviates(name, "--lang"):
            value = value if equals else next(tokens, "")
            asked = value if value in LANGUAGES else None
        elif _abbreviates(name, "--config") and not equals:
            next(tokens, None)  # its value, whatever it looks like
        elif token == "--" or not token.startswith("-"):
            break  # the command: a --lang after it is the command's own (chat, stats)
    return asked


def _abbreviates(name: str, option: str) -> bool:
    return len(name) >= len("--l") and option.startswith(name)


def words(text: str) -> str:
    """A help text (a ``cli.*`` key) or an argparse msgid, in the run's language."""
    if text.startswith("cli."):
        return t(text)
    key = ARGPARSE.get(text)
    return t(key) if key else text


@contextmanager
def in_run_language() -> Iterator[None]:
    """argparse's ``_`` speaks the run's language until the block ends."""
    names = vars(argparse)  # argparse looks ``_`` up at each use: gettext-ready, no catalog
    saved = names["_"]
    names["_"] = words
    try:
        yield
    finally:
        names["_"] = saved


class Formatter(argparse.HelpFormatter):
    """argparse's help, with each text looked up when it is printed (:func:`words`)."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, words("usage: ") if prefix is None else prefix)

    def start_section(self, heading: str | None) -> None:
        super().start_section(words(heading) if heading else heading)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return words(action.help) if action.help else action.help

    def _format_text(self, text: str) -> str:
        return super()._format_text(words(text))

"""Konsol, the staff web console, from chat: ``/masuk`` (a one-time login link)."""

from __future__ import annotations

from handlers.core.feature import Command, Feature, HelpLine
from handlers.konsol import login

# Every role may log in: the line is in each role's help section (shown once).
FEATURE = Feature(
    name="konsol",
    commands=(Command("masuk", login.start, aliases=("login",)),),
    help=tuple(
        HelpLine("help.line.masuk", 90, section)
        for section in ("facilitator", "staff", "petugas_opd")
    ),
)

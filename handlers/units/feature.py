"""Admins keep the directory of units (OPD): ``/opd``."""

from __future__ import annotations

from handlers.core.feature import Command, Feature, HelpLine
from handlers.units import directory

FEATURE = Feature(
    name="units",
    flows=(directory.FLOW,),
    commands=(
        Command(
            "opd",
            directory.start,
            aliases=("units",),
            role="admin",
            help=HelpLine("help.line.opd", 20, "admin"),
        ),
    ),
)

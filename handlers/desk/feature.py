"""The units' desk: a unit's officer (petugas OPD) sees the aspirations disposed
to their units, writes the follow-up residents read, moves them on or hands them
back to the city staff (/tugas)."""

from __future__ import annotations

from handlers.core.feature import Command, Feature, HelpLine
from handlers.desk import tasks

FEATURE = Feature(
    name="desk",
    flows=(tasks.FLOW,),
    commands=(
        Command(
            "tugas",
            tasks.start,
            aliases=("disposisi", "tasks"),
            words=("tugas", "disposisi", "tugas saya"),
            role="petugas_opd",
            help=HelpLine("help.line.tugas", 10, "petugas_opd"),
        ),
    ),
)

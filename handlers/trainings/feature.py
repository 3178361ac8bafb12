"""Trainings: residents find one and register (or join its waitlist); facilitators
create them (/pelatihan_baru) and mark who came (/kehadiran)."""

from __future__ import annotations

from handlers.core.feature import Command, Feature, HelpLine, MenuEntry
from handlers.trainings.attendance import ATTENDANCE, start_attendance
from handlers.trainings.new import NEW_TRAINING, start_new
from handlers.trainings.register import FLOW

FEATURE = Feature(
    name="trainings",
    flows=(FLOW, NEW_TRAINING, ATTENDANCE),
    commands=(
        Command(
            "pelatihan_baru",
            start_new,
            role="facilitator",
            help=HelpLine("help.line.pelatihan_baru", 10, "facilitator"),
        ),
        Command(
            "kehadiran",
            start_attendance,
            role="facilitator",
            help=HelpLine("help.line.kehadiran", 20, "facilitator"),
        ),
    ),
    menu=(MenuEntry("training", 30, lambda ctx: ctx.goto(FLOW.start), (FLOW.start,)),),
)

"""Staff and admin work in chat: exports, statistics, roles. (Reviewing
aspirations, /aspirasi, belongs to ``handlers.aspirations``.)"""

from __future__ import annotations

from handlers.core.feature import Command, Feature, HelpLine
from handlers.staff import exports, roles, stats

FEATURE = Feature(
    name="staff",
    flows=(exports.FLOW, stats.FLOW, roles.FLOW),
    commands=(
        Command(
            "ekspor",
            lambda ctx, _args: ctx.goto(exports.Exporting.KIND),
            role="staff",
            help=HelpLine("help.line.ekspor", 20, "staff"),
        ),
        Command(
            "statistik",
            lambda ctx, _args: ctx.goto(stats.Counting.PERIOD),
            role="staff",
            help=HelpLine("help.line.statistik", 30, "staff"),
        ),
        Command(
            "peran",
            lambda ctx, _args: ctx.goto(roles.Granting.ACTION),
            role="admin",
            help=HelpLine("help.line.peran", 10, "admin"),
        ),
    ),
)

"""Forums and musrenbang: residents follow them and answer their RSVP (from the
main menu, and from a reminder's buttons at any step); facilitators schedule them
(/forum_baru) and move, cancel or report on them (/kelola_forum)."""

from __future__ import annotations

from handlers.core.feature import Command, Feature, HelpLine, MenuEntry
from handlers.forums import follow, manage, new

FEATURE = Feature(
    name="forums",
    flows=(follow.FLOW, new.NEW_FORUM, manage.MANAGE_FORUMS),
    commands=(
        Command(
            "forum_baru",
            new.start_new,
            role="facilitator",
            help=HelpLine("help.line.forum_baru", 30, "facilitator"),
        ),
        Command(
            "kelola_forum",
            manage.start_manage,
            role="facilitator",
            help=HelpLine("help.line.kelola_forum", 40, "facilitator"),
        ),
    ),
    actions={"rsvp": follow.rsvp_action},  # a reminder's Hadir / Tidak hadir / Mungkin
    menu=(MenuEntry("forum", 40, lambda ctx: ctx.goto(follow.FLOW.start), (follow.FLOW.start,)),),
)

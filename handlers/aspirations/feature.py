"""Aspirations: residents send them (``submit``, from the main menu), follow
(/status), rate (/nilai, the stars under a "selesai" notice) and answer staff's
questions about (/jawab, the button under a "tunda" notice) their own; staff
review them (/aspirasi)."""

from __future__ import annotations

from handlers.aspirations import answer, offer, rating, review, status
from handlers.aspirations import submit as aspiration
from handlers.core.feature import Command, Feature, HelpLine, MenuEntry

FEATURE = Feature(
    name="aspirations",
    flows=(aspiration.FLOW, status.FLOW, rating.FLOW, answer.FLOW, review.FLOW, offer.FLOW),
    commands=(
        Command("status", status.run, help=HelpLine("help.line.status", 30), listed=30),
        Command("nilai", rating.start, help=HelpLine("help.line.nilai", 70)),
        Command("jawab", answer.start, aliases=("answer",), help=HelpLine("help.line.jawab", 75)),
        Command(
            "aspirasi", review.start, role="staff", help=HelpLine("help.line.aspirasi", 10, "staff")
        ),
    ),
    # "!rate:ASP-7K2M9Q:5", the stars under a "selesai" notice, from any step
    # "!answer:ASP-7K2M9Q", the "Jawab" button under a "tunda" notice
    actions={
        "rate": lambda ctx, args: rating.start(ctx, args.replace(":", " ")),
        "answer": answer.start,
    },
    menu=(
        MenuEntry(
            "aspiration", 10, lambda ctx: ctx.goto(aspiration.FLOW.start), (aspiration.FLOW.start,)
        ),
        MenuEntry("status", 20, lambda ctx: ctx.goto(status.FLOW.start), (status.FLOW.start,)),
    ),
    # a tracking code typed anywhere; a complaint typed where a choice is asked
    readers=offer.READERS,
)

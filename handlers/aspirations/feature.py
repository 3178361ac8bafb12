"""Aspirations after they are sent: residents follow (/status) and rate (/nilai,
the stars under a "selesai" notice) their own; staff review them (/aspirasi).
The form that sends one (``submit``) is reached from the main menu."""

from __future__ import annotations

from handlers.aspirations import rating, review, status
from handlers.aspirations import submit as aspiration
from handlers.core.feature import Command, Feature, HelpLine

FEATURE = Feature(
    name="aspirations",
    flows=(aspiration.FLOW, status.FLOW, rating.FLOW, review.FLOW),
    commands=(
        Command("status", status.run, help=HelpLine("help.line.status", 30), listed=30),
        Command("nilai", rating.start, help=HelpLine("help.line.nilai", 70)),
        Command(
            "aspirasi", review.start, role="staff", help=HelpLine("help.line.aspirasi", 10, "staff")
        ),
    ),
    # "!rate:ASP-7K2M9Q:5", the stars under a "selesai" notice, from any step
    actions={"rate": lambda ctx, args: rating.start(ctx, args.replace(":", " "))},
)

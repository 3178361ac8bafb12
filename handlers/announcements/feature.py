"""Announcements: facilitators compose them (/umumkan) and follow their delivery
(/status_umum); every resident may stop them (/berhenti, BERHENTI or STOP typed
alone) and take them again (/langganan), even before the privacy notice is answered."""

from __future__ import annotations

from handlers.announcements import compose, delivery, optout
from handlers.core.feature import Command, Feature, HelpLine

FEATURE = Feature(
    name="announcements",
    flows=(compose.FLOW, delivery.FLOW),
    commands=(
        Command(
            "umumkan",
            compose.start,
            role="facilitator",
            help=HelpLine("help.line.umumkan", 50, "facilitator"),
        ),
        Command(
            "status_umum",
            delivery.start,
            role="facilitator",
            help=HelpLine("help.line.status_umum", 60, "facilitator"),
        ),
        Command(
            "berhenti",
            optout.stop,
            aliases=("stop", "unsubscribe"),
            words=("berhenti", "stop"),
            help=HelpLine("help.line.berhenti", 80),
            before_consent=True,
            before_reconsent=True,
            listed=90,
        ),
        Command(
            "langganan",
            optout.resume,
            aliases=("subscribe",),
            help=HelpLine("help.line.langganan", 90),
            before_consent=True,
            listed=100,
        ),
    ),
)

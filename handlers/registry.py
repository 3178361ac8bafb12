"""Every flow the engine runs, wired once at start-up."""

from __future__ import annotations

from handlers import aspiration, menu, mydata, onboarding, status
from handlers.flow import Flow

FLOWS: tuple[Flow, ...] = (
    onboarding.FLOW,
    menu.MENU,
    menu.LANGUAGE,
    aspiration.FLOW,
    status.FLOW,
    mydata.FLOW,
)

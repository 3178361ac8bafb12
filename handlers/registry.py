"""Every flow the engine runs, wired once at start-up."""

from __future__ import annotations

from handlers import (
    announce,
    announce_status,
    aspiration,
    export_chat,
    forum,
    forum_admin,
    forum_manage,
    menu,
    mydata,
    onboarding,
    profile,
    rating,
    review,
    roles_admin,
    stats_chat,
    status,
    training,
    training_admin,
    training_attendance,
)
from handlers.flow import Flow

FLOWS: tuple[Flow, ...] = (
    onboarding.FLOW,
    menu.MENU,
    menu.LANGUAGE,
    aspiration.FLOW,
    status.FLOW,
    mydata.FLOW,
    profile.FLOW,
    rating.FLOW,
    review.FLOW,
    export_chat.FLOW,
    stats_chat.FLOW,
    roles_admin.FLOW,
    announce.FLOW,
    announce_status.FLOW,
    training_admin.NEW_TRAINING,
    training_attendance.ATTENDANCE,
    training.FLOW,
    forum.FLOW,
    forum_admin.NEW_FORUM,
    forum_manage.MANAGE_FORUMS,
)

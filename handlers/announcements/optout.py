"""BERHENTI / STOP and /langganan: a resident stops (or resumes) announcements.

Only broadcasts stop (announcements, forum reminders and notices); news about
the resident's own aspirations and trainings still comes. The switch is read
again when each message is sent, so a BERHENTI mid-broadcast holds at once.
"""

from __future__ import annotations

from handlers.core.flow import Ctx
from storage.announcements import set_opt_out


def stop(ctx: Ctx, _args: str) -> None:
    """``/berhenti``, or BERHENTI / STOP alone in a message."""
    if set_opt_out(session=ctx.session, resident=ctx.resident, now=ctx.now):
        ctx.note(ctx.t("optout.stopped"))
    else:
        since = ctx.resident.announcements_off_at or ctx.now
        ctx.note(ctx.t("optout.already_stopped", when=ctx.t.datetime(since)))


def resume(ctx: Ctx, _args: str) -> None:
    """``/langganan``: announcements come again."""
    if set_opt_out(session=ctx.session, resident=ctx.resident, now=None):
        ctx.note(ctx.t("optout.resumed"))
    else:
        ctx.note(ctx.t("optout.already_on"))

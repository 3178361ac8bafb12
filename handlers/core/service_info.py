"""What residents are told about the service itself, from ``[service]`` and the
service clock: the emergency line, who to contact, how it works, and what happens
after an aspiration is sent (when staff check it; when the office is closed, when
a person will read it). A contact field left empty in the config is left out."""

from __future__ import annotations

from handlers.core.flow import Ctx
from storage.sla import add_working_days


def emergency_line(ctx: Ctx) -> str | None:
    """ "Untuk keadaan darurat, jangan lewat chat ini — hubungi 112." (None when the
    config names no emergency number)."""
    numbers = ctx.settings.service.emergency
    if not numbers:
        return None
    joined = f" {ctx.t('contact.or')} ".join(numbers)
    return ctx.t("contact.emergency", numbers=joined)


def contact_card(ctx: Ctx) -> str:
    """Who runs the service, its office, phone, WhatsApp and hours, then the
    emergency line; only the fields the operator filled in."""
    facts = ctx.settings.service
    lines = [facts.name]
    for key, value in (
        ("contact.office", facts.office),
        ("contact.phone", facts.phone),
        ("contact.whatsapp", facts.whatsapp),
    ):
        if value:
            lines.append(ctx.t(key, **{key.removeprefix("contact."): value}))
    lines.append(ctx.t("contact.hours", hours=facts.hours.describe(ctx.t.language)))
    parts = ["\n".join(lines), ctx.t("contact.chat")]
    emergency = emergency_line(ctx)
    if emergency:
        parts.append(emergency)
    return "\n\n".join(parts)


def how_it_works(ctx: Ctx) -> str:
    return ctx.t("help.how", days=ctx.settings.clock.targets.verify_days)


def after_submit(ctx: Ctx) -> str:
    """When staff will have checked it (the verification target, in working days);
    outside office hours, when a person starts reading; then the emergency line."""
    clock = ctx.settings.clock
    due = add_working_days(ctx.now, clock.targets.verify_days, clock.calendar)
    lines = [ctx.t("contact.expected", day=ctx.t.day(due))]
    hours = ctx.settings.service.hours
    if not hours.is_open(ctx.now, clock.calendar):
        opening = hours.next_opening(ctx.now, clock.calendar)
        if opening is not None:
            lines.append(ctx.t("contact.closed", when=ctx.t.datetime(opening)))
    emergency = emergency_line(ctx)
    if emergency:
        lines.append(emergency)
    return "\n\n".join(lines)

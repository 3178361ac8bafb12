"""How an announcement is doing, and cancelling one still to come, in chat.

/status_umum [ID]: pick (the sender's recent ones) → card ──Batalkan──▶ cancel ──Ya──▶ card
                                                     ├─Perbarui──▶ card
                                                     └─Menu──▶ menu
Any facilitator may open any announcement by its number; the list shows one's own.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from handlers.announcements.audience import recipients, segment_label
from handlers.core.datetimes import clock, short_date
from handlers.core.flow import HOME, Answer, Ctx, Draft, Flow, Prompt, Step, Steps
from handlers.core.types import Translator
from handlers.widgets.picker import Picker
from handlers.widgets.words import option
from storage.announcements import (
    AnnouncementError,
    DeliveryStats,
    Segment,
    cancel_announcement,
    delivery_stats,
)
from storage.models import Announcement

RECENT = 8
SNIPPET = 300
FIGURES = ("sent", "failed", "unreachable", "opted_out", "pending", "cancelled")


class Following(Steps, flow="announce_status"):
    PICK = "pick"
    CARD = "card"
    CANCEL = "cancel"


class FollowingDraft(Draft):
    id: int | None = None  # the announcement on the card


def start(ctx: Ctx, args: str) -> None:
    """``/status_umum 12`` opens #12; without a number, the sender's recent ones."""
    wanted = args.strip().lstrip("#")
    ctx.goto(Following.PICK, fresh=True)
    if not wanted:
        return
    if wanted.isdecimal() and ctx.session.get(Announcement, int(wanted)) is not None:
        ctx.draft(FollowingDraft).id = int(wanted)
        ctx.goto(Following.CARD)
    else:
        ctx.note(ctx.t("announce.not_found", id=wanted[:12]))


def _cancellable(ctx: Ctx, announcement: Announcement) -> bool:
    return announcement.status == "scheduled" and announcement.send_at > ctx.now


def state_label(
    t: Translator, announcement: Announcement, stats: DeliveryStats, now: datetime
) -> str:
    """Terjadwal, Sedang dikirim (due, being fanned out, or rows still pending),
    Selesai or Dibatalkan."""
    if announcement.status == "cancelled":
        return t("announce.state_cancelled")
    if announcement.status == "scheduled" and announcement.send_at > now:
        return t("announce.state_scheduled")
    if announcement.status == "sent" and stats["pending"] == 0:
        return t("announce.state_done")
    return t("announce.state_sending")


def _pick_label(ctx: Ctx, announcement: Announcement) -> str:
    stats = delivery_stats(ctx.session, announcement.id or 0)
    state = state_label(ctx.t, announcement, stats, ctx.now)
    when = announcement.send_at
    return f"#{announcement.id} · {state} · {short_date(when)} {clock(when)}"


PICK = Picker[Announcement](
    draft=FollowingDraft,
    key=lambda announcement: announcement.id,
    label=_pick_label,
    aliases=lambda _ctx, announcement: (f"#{announcement.id}",),
    holding="id",
    prefix="a:",
)


def ask_pick(ctx: Ctx) -> Prompt:
    """One of the sender's recent announcements."""
    mine = ctx.session.exec(
        select(Announcement)
        .where(
            Announcement.created_by == ctx.resident.identity, Announcement.kind == "announcement"
        )
        .order_by(col(Announcement.id).desc())
        .limit(RECENT)
    ).all()
    menu = option(ctx.t, "menu", "common.back_to_menu", "announce_menu")
    return PICK.prompt(
        ctx, mine, text="announce.ask_pick", empty="announce.none_yet", after=(menu,)
    )


def on_pick(ctx: Ctx, answer: Answer) -> None:
    if not PICK.answer(ctx, answer.option, again=Following.PICK, then=Following.CARD):
        ctx.goto(HOME)


def _announcement(ctx: Ctx) -> Announcement:
    announcement = ctx.session.get(Announcement, ctx.draft(FollowingDraft).id)
    assert announcement is not None and announcement.id is not None  # never deleted
    return announcement


def describe(ctx: Ctx, announcement: Announcement) -> str:
    """Its state, segment, time and delivery figures, and the start of its text."""
    t, number = ctx.t, announcement.id or 0
    stats = delivery_stats(ctx.session, number)
    segment = Segment(announcement.segment_kind, announcement.segment_value)
    state = state_label(t, announcement, stats, ctx.now)
    label = segment_label(t, ctx.session, ctx.wilayah, segment)
    when = t.datetime(announcement.send_at)
    parts = [t("announce.card", id=str(number), state=state, segment=label, when=when)]
    if _cancellable(ctx, announcement):
        parts.append(t.plural("announce.card_expected", recipients(ctx.session, segment)))
    figures = {status: stats[status] for status in FIGURES}
    parts.append(t("announce.card_figures", written=announcement.recipients, **figures))
    if announcement.cancelled_at is not None:
        parts.append(t("announce.card_cancelled_at", when=t.datetime(announcement.cancelled_at)))
    text = announcement.text
    snippet = text if len(text) <= SNIPPET else text[: SNIPPET - 1] + "…"
    key = "announce.card_text_photo" if announcement.photo else "announce.card_text"
    return "\n\n".join([*parts, t(key, text=snippet)])


def ask_card(ctx: Ctx) -> Prompt:
    """The announcement's figures; a scheduled one may be cancelled."""
    t, announcement = ctx.t, _announcement(ctx)
    options = [
        option(t, "refresh", "announce.refresh", "announce_refresh"),
        option(t, "pick", "announce.other_announcements", "announce_other"),
        option(t, "menu", "common.back_to_menu", "announce_menu"),
    ]
    if _cancellable(ctx, announcement):
        cancel = option(t, "cancel", "announce.cancel_scheduled", "announce_cancel_scheduled")
        options.insert(0, cancel)
    return Prompt(describe(ctx, announcement), tuple(options))


def on_card(ctx: Ctx, answer: Answer) -> None:
    ctx.goto(FROM_CARD.get(answer.option or "", HOME))


def ask_cancel(ctx: Ctx) -> Prompt:
    """Are you sure? Nobody has received it yet."""
    t, announcement = ctx.t, _announcement(ctx)
    text = t("announce.ask_cancel", id=str(announcement.id), when=t.datetime(announcement.send_at))
    yes = option(t, "yes", "announce.cancel_yes", "announce_yes")
    return Prompt(text, (yes, option(t, "no", "announce.cancel_no", "announce_no")))


def on_cancel(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "yes":
        number = _announcement(ctx).id or 0
        try:
            cancel_announcement(session=ctx.session, announcement_id=number, now=ctx.now)
        except AnnouncementError as problem:
            gone = problem.reason == "cancelled"
            key = "announce.already_cancelled" if gone else "announce.already_started"
            ctx.invalid(ctx.t(key, id=str(number)))
        else:
            ctx.note(ctx.t("announce.cancelled", id=str(number)))
    ctx.goto(Following.CARD)


FROM_CARD = {"cancel": Following.CANCEL, "refresh": Following.CARD, "pick": Following.PICK}
FLOW = Flow(
    role="facilitator",
    steps={
        Following.PICK: Step(ask_pick, on_pick, (Following.CARD, HOME)),
        Following.CARD: Step(ask_card, on_card, (*FROM_CARD.values(), HOME)),
        Following.CANCEL: Step(ask_cancel, on_cancel, (Following.CARD,)),
    },
    entries=(Following.CARD,),  # /status_umum 12
)

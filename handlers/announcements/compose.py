"""Facilitators compose an announcement to a segment of residents, in chat.

/umumkan: text → photo → segment [→ area [→ kelurahan] | training | forum] → when
  → preview ──Kirim──▶ stored (the scheduler fans it out), menu
            ├─Ubah──▶ edit → the chosen step → back to preview
            └─Batal─▶ menu, nothing stored

The preview shows the message exactly as residents get it and the exact number
of recipients today (``count_members``); the segment is resolved once more when
the announcement goes out, so whoever said BERHENTI in between is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from handlers.announcements.audience import recipients, segment_label
from handlers.core import validation
from handlers.core.datetimes import short_date
from handlers.core.flow import HOME, Answer, Ctx, Flow, Prompt, Step, Steps
from handlers.core.types import Option
from handlers.widgets.area import AreaPicker
from handlers.widgets.choices import back
from handlers.widgets.fields import afresh, after_now, ask_with_example, dropped, passed
from handlers.widgets.form import Field, Form, FormDraft, FormTexts
from handlers.widgets.paging import Pager
from handlers.widgets.picker import short
from handlers.widgets.text_field import text_step
from handlers.widgets.words import option
from storage.announcements import AnnouncementError, Segment, create_announcement
from storage.forums import upcoming_forums
from storage.limits import ANNOUNCEMENT
from storage.models import ForumEvent, TrainingProgram
from storage.trainings import list_programs

PAGES = Pager(6)  # with paging and "back": at most 9 options
PROGRAMS_SINCE = timedelta(days=30)  # finished programs this recent may still be told
CAPTION = ANNOUNCEMENT.caption
KINDS = ("everyone", "kecamatan", "kelurahan", "training", "forum_subscribers", "forum_rsvp")


class Posting(Steps, flow="announce"):
    TEXT = "text"
    PHOTO = "photo"
    SEGMENT = "segment"
    AREA = "area"
    KELURAHAN = "kelurahan"
    TRAINING = "training"
    FORUM = "forum"
    WHEN = "when"
    PREVIEW = "preview"
    EDIT = "edit"


class AnnouncementDraft(FormDraft):
    text: str | None = None
    photo: str | None = None
    shorten: bool | None = None  # the text is asked again, short enough for a photo
    segment_kind: str | None = None
    segment_value: str | None = None
    pick: str | None = None  # the segment being chosen: kecamatan/kelurahan, which forum one
    page: int | None = None
    area_kecamatan: str | None = None
    send_at: datetime | None = None  # None: now


def check_text(raw: str, caption: bool = False) -> str:
    """The announcement's text, cleaned: some words, not too long for a message (or
    for a photo's caption)."""
    if caption:
        length = replace(ANNOUNCEMENT.text, maximum=CAPTION)
        return validation.check_text(raw, length, too_long="announce.caption_too_long")
    return validation.check_text(raw, ANNOUNCEMENT.text, too_long="announce.text_too_long")


start = afresh(Posting.TEXT)  # /umumkan


def _draft(ctx: Ctx) -> AnnouncementDraft:
    return ctx.draft(AnnouncementDraft)


def _segment(draft: AnnouncementDraft) -> Segment:
    assert draft.segment_kind is not None
    return Segment(draft.segment_kind, draft.segment_value)


def _choose(ctx: Ctx, kind: str, value: str | None = None) -> None:
    draft = _draft(ctx)
    draft.segment_kind, draft.segment_value = kind, value
    draft.pick = draft.area_kecamatan = None
    FORM.next(ctx, Posting.WHEN)


def _photo_first(ctx: Ctx, draft: AnnouncementDraft) -> None:
    """Before the preview a photo goes first, as residents will get it (the caption);
    from the first preview on, every change comes back to it."""
    draft.editing = True
    if draft.photo:
        ctx.say(draft.text or "", photo=draft.photo)


def _back_to_preview(ctx: Ctx) -> tuple[Option, ...]:
    """While editing, a way back to the preview without changing anything."""
    if not _draft(ctx).editing:
        return ()
    return (option(ctx.t, "preview", "announce.back_to_preview", "back"),)


def _caption(draft: AnnouncementDraft) -> bool:
    """The text goes with a photo: a caption, shorter than a message."""
    return bool(draft.photo or draft.shorten)


def ask_text(ctx: Ctx) -> str:
    """The announcement's text, as residents will read it."""
    draft = _draft(ctx)
    if draft.shorten:
        return ctx.t("announce.ask_text_short", maximum=CAPTION)
    if draft.editing:
        maximum = CAPTION if draft.photo else ANNOUNCEMENT.text.maximum
        return ctx.t("announce.ask_text_again", maximum=maximum)
    return ctx.t("announce.ask_text", maximum=ANNOUNCEMENT.text.maximum)


def keep_text(ctx: Ctx, text: str | None) -> None:
    """The text checked, on to the photo; None: back to the preview, unchanged."""
    draft = _draft(ctx)
    draft.shorten = None
    if text is None:
        FORM.to_summary(ctx)
    else:
        draft.text = text
        FORM.next(ctx, Posting.PHOTO)


def ask_photo(ctx: Ctx) -> Prompt:
    """A photo to go with it, if any (its text becomes the caption)."""
    t, length = ctx.t, len(_draft(ctx).text or "")
    options = [option(t, "none", "announce.no_photo", "announce_no_photo")]
    text = t("announce.ask_photo")
    if length > CAPTION:
        options.append(option(t, "shorten", "announce.shorten_text", "announce_shorten"))
        text = t("announce.ask_photo_long", length=length, maximum=CAPTION)
    return Prompt(text, (*options, *_back_to_preview(ctx)), accepts=frozenset({"photo"}))


def on_photo(ctx: Ctx, answer: Answer) -> None:
    draft = _draft(ctx)
    length = len(draft.text or "")
    if answer.option == "shorten":  # to go with the photo after all
        draft.shorten = True
        ctx.goto(Posting.TEXT)
    elif answer.option == "preview":
        FORM.to_summary(ctx)
    elif answer.photo and length > CAPTION:
        ctx.invalid(ctx.t("announce.photo_text_too_long", length=length, maximum=CAPTION))
    else:
        draft.photo = answer.photo  # None: without one
        if answer.photo:
            ctx.note(ctx.t("announce.photo_received"))
        FORM.next(ctx, Posting.SEGMENT)


def ask_segment(ctx: Ctx) -> Prompt:
    """Who receives it."""
    options = (option(ctx.t, k, f"announce.choose_{k}", f"announce_{k}") for k in KINDS)
    return Prompt(ctx.t("announce.ask_segment"), (*options, *_back_to_preview(ctx)))


def on_segment(ctx: Ctx, answer: Answer) -> None:
    draft, choice = _draft(ctx), answer.option or ""
    if choice == "preview":
        FORM.to_summary(ctx)
    elif choice == "everyone":
        _choose(ctx, "everyone")
    elif choice in ("kecamatan", "kelurahan"):
        draft.pick = choice
        ctx.goto(Posting.AREA)
    elif choice == "training":
        draft.page = 0
        ctx.goto(Posting.TRAINING)
    else:
        draft.pick, draft.page = choice, 0
        ctx.goto(Posting.FORUM)


def ask_training(ctx: Ctx) -> Prompt:
    """Which program's participants (those with a seat): those not yet over first
    (soonest first), then those over in the last 30 days (latest first)."""
    since = ctx.now - PROGRAMS_SINCE
    statuses = ("open", "closed", "finished")
    programs = list_programs(ctx.session, statuses=statuses, upcoming_after=since)
    ahead = [p for p in programs if p.ends_at > ctx.now]
    over = sorted((p for p in programs if p.ends_at <= ctx.now), key=lambda p: p.ends_at)
    return _listed(ctx, ahead + over[::-1], "p:", "announce.ask_training", "announce.no_programs")


def ask_forum(ctx: Ctx) -> Prompt:
    """Which upcoming forum's followers, or those who answered its RSVP."""
    forums = upcoming_forums(ctx.session, now=ctx.now, everywhere=True)
    rsvp = _draft(ctx).pick == "forum_rsvp"
    key = "announce.ask_forum_rsvp" if rsvp else "announce.ask_forum_subscribers"
    return _listed(ctx, forums, "f:", key, "announce.no_forums")


def _listed(
    ctx: Ctx, rows: Sequence[TrainingProgram | ForumEvent], prefix: str, key: str, none: str
) -> Prompt:
    """A page of programs or forums (``prefix`` marks their options, ``key`` words
    the question), or ``none`` said with only a way back."""
    other = back(ctx.t, "announce.other_segment", "segment")
    if not rows:
        return Prompt(ctx.t(none), (other,))
    draft = _draft(ctx)
    page = PAGES.page(rows, draft.page or 0)
    draft.page = page.number
    options = [
        Option(f"{prefix}{r.id}", f"{short(r.title)} · {short_date(r.starts_at)}")
        for r in page.rows
    ]
    text = ctx.t(key, page=page.number + 1, pages=page.pages)
    return Prompt(text, (*options, *PAGES.options(ctx.t, page), other))


def on_listed(ctx: Ctx, answer: Answer) -> None:
    """A page turn shows the same list again; a program or forum is the segment."""
    draft, choice = _draft(ctx), answer.option or ""
    here = Posting(ctx.conversation.step)
    turned = PAGES.turn(choice, draft.page or 0)
    if turned is not None:
        draft.page = turned
        ctx.goto(here)
    elif choice.startswith(("p:", "f:")):
        kind = "training" if here is Posting.TRAINING else draft.pick or "forum_subscribers"
        _choose(ctx, kind, choice[2:])
    else:
        ctx.goto(Posting.SEGMENT)


def keep_when(ctx: Ctx, when: datetime | None) -> None:
    """A time (None: now), then the preview."""
    _draft(ctx).send_at = when
    FORM.to_summary(ctx)


def preview_text(ctx: Ctx, draft: AnnouncementDraft) -> str:
    """The message as residents get it, who and how many receive it, and when."""
    t, segment, send_at = ctx.t, _segment(draft), draft.send_at
    count = recipients(ctx.session, segment)
    message = t("announce.preview_photo") if draft.photo else t("announce.preview", text=draft.text)
    when = t.datetime(send_at) if send_at else t("announce.when_now")
    label = segment_label(t, ctx.session, ctx.wilayah, segment)
    parts = [message, t.plural("announce.preview_details", count, segment=label, when=when)]
    if count == 0 and send_at is None:
        parts.append(t("announce.preview_nobody"))
    elif send_at is not None:
        parts.append(t("announce.preview_recount"))
    return "\n\n".join(parts)


def send(ctx: Ctx, draft: AnnouncementDraft) -> None:
    t, send_at, segment = ctx.t, draft.send_at, _segment(draft)
    if passed(ctx, send_at, "announce.time_passed", Posting.WHEN):
        return
    count = recipients(ctx.session, segment)
    if count == 0 and send_at is None:
        ctx.invalid(t("announce.nobody"))
        return
    try:
        announcement = create_announcement(
            session=ctx.session,
            text=draft.text or "",
            segment=segment,
            send_at=send_at or ctx.now,
            actor=ctx.resident.identity,
            now=ctx.now,
            photo=draft.photo,
        )
    except AnnouncementError:  # the program or forum is gone since the preview
        ctx.invalid(t("announce.segment_gone"))
        ctx.goto(Posting.SEGMENT)
        return
    number = str(announcement.id)
    if send_at is None:
        ctx.say(t.plural("announce.sending", count, id=number))
    else:
        label = segment_label(t, ctx.session, ctx.wilayah, segment)
        ctx.say(t("announce.scheduled", id=number, when=t.datetime(send_at), segment=label))
    ctx.goto(HOME)


FORM = Form(
    draft=AnnouncementDraft,
    summary=Posting.PREVIEW,
    edit=Posting.EDIT,
    fields=tuple(  # words.announce_text …: "teks|text"
        Field(step.value, step, words=f"announce_{step.value}")
        for step in (Posting.TEXT, Posting.PHOTO, Posting.SEGMENT, Posting.WHEN)
    ),
    text=preview_text,
    send=send,
    cancel=dropped("announce.discarded"),
    to=(HOME, Posting.WHEN, Posting.SEGMENT),
    texts=FormTexts.preview("announce", send="confirm_send", send_words="announce_send"),
    arrive=_photo_first,
)
CHOSEN = (Posting.WHEN, Posting.PREVIEW, Posting.SEGMENT)  # after a segment, or another one
AREA = AreaPicker(
    kecamatan=Posting.AREA,
    kelurahan=Posting.KELURAHAN,
    draft=AnnouncementDraft,
    holding="area_kecamatan",
    ask_kecamatan=lambda ctx: ctx.t(
        "announce.ask_kelurahan_kecamatan"
        if _draft(ctx).pick == "kelurahan"
        else "announce.ask_kecamatan"
    ),
    ask_kelurahan=lambda ctx, kecamatan: ctx.t("announce.ask_kelurahan", kecamatan=kecamatan),
    chosen=lambda ctx, area: _choose(ctx, area.level, area.kelurahan or area.kecamatan),
    to=CHOSEN,
    leave=lambda ctx: ctx.goto(Posting.SEGMENT),
    leave_label="announce.other_segment",
    kecamatan_only=lambda ctx: _draft(ctx).pick != "kelurahan",
)
FLOW = Flow(
    role="facilitator",
    steps={
        Posting.TEXT: text_step(
            ask=ask_text,
            check_in=lambda ctx, raw: check_text(raw, caption=_caption(_draft(ctx))),
            keep=keep_text,
            to=(Posting.PHOTO, Posting.PREVIEW),
            options=_back_to_preview,
            on_option=lambda ctx, _back: keep_text(ctx, None),
        ),
        Posting.PHOTO: Step(ask_photo, on_photo, (Posting.TEXT, Posting.SEGMENT, Posting.PREVIEW)),
        Posting.SEGMENT: Step(
            ask_segment, on_segment, (Posting.AREA, Posting.TRAINING, Posting.FORUM, *CHOSEN)
        ),
        **AREA.steps(),
        Posting.TRAINING: Step(ask_training, on_listed, (Posting.TRAINING, *CHOSEN)),
        Posting.FORUM: Step(ask_forum, on_listed, (Posting.FORUM, *CHOSEN)),
        Posting.WHEN: text_step(
            ask=ask_with_example("announce.ask_when"),
            check_in=after_now,
            keep=keep_when,
            to=(Posting.PREVIEW,),
            options=lambda ctx: (
                option(ctx.t, "now", "announce.send_now", "announce_now"),
                *_back_to_preview(ctx),
            ),
            on_option=lambda ctx, now: keep_when(
                ctx, None if now == "now" else _draft(ctx).send_at
            ),
        ),
        **FORM.steps(),
    },
)

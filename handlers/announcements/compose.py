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
from datetime import datetime, timedelta
from typing import TypeVar

from sqlmodel import Session

from handlers.core.datetimes import example, parse_wib_datetime, short_date
from handlers.core.flow import HOME, Answer, Ctx, Flow, Prompt, Step, Steps
from handlers.core.types import Option, Translator
from handlers.core.validation import Invalid, clean_text, letters
from handlers.widgets.area import AreaPicker
from handlers.widgets.choices import back
from handlers.widgets.form import Field, Form, FormDraft, FormTexts
from handlers.widgets.paging import Page, Pager
from handlers.widgets.text_field import text_step
from handlers.widgets.words import option
from storage.announcements import AnnouncementError, Segment, count_members, create_announcement
from storage.forums import upcoming_forums
from storage.limits import ANNOUNCEMENT
from storage.models import ForumEvent, TrainingProgram
from storage.trainings import list_programs
from storage.wilayah import Wilayah

PAGES = Pager(6)  # with paging and "back": at most 9 options
TITLE_IN_BUTTON = 40
PROGRAMS_SINCE = timedelta(days=30)  # finished programs this recent may still be told
CAPTION = ANNOUNCEMENT.caption
Row = TypeVar("Row", TrainingProgram, ForumEvent)
SEGMENT_KINDS = (
    "everyone",
    "kecamatan",
    "kelurahan",
    "training",
    "forum_subscribers",
    "forum_rsvp",
)


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


# --- shared with /status_umum and the CLI ---------------------------------------------


def check_text(
    raw: str, maximum: int = ANNOUNCEMENT.text.maximum, too_long: str = "announce.text_too_long"
) -> str:
    """The announcement's text, cleaned: some words, at most ``maximum`` characters."""
    text = clean_text(raw)
    if not text:
        raise Invalid("validation.empty")
    if letters(text) < ANNOUNCEMENT.text.letters:
        raise Invalid("validation.no_words")
    if len(text) > maximum:
        raise Invalid(too_long, {"maximum": maximum, "length": len(text)})
    return text


def _short(title: str) -> str:
    return title if len(title) <= TITLE_IN_BUTTON else title[: TITLE_IN_BUTTON - 1] + "…"


def _event(row: TrainingProgram | ForumEvent | None, value: str | None) -> dict[str, str]:
    if row is None:
        return {"title": f"#{value}", "date": "-"}
    return {"title": row.title, "date": short_date(row.starts_at)}


def _row(session: Session, kind: type[Row], value: str | None) -> Row | None:
    return session.get(kind, int(value)) if value and value.isdecimal() else None


def segment_label(t: Translator, session: Session, wilayah: Wilayah, segment: Segment) -> str:
    """Who receives it, in words: "Warga Kelurahan Bantan, Kecamatan Siantar Barat"."""
    value = segment.value
    match segment.kind:
        case "everyone":
            return t("announce.segment_everyone")
        case "kecamatan":
            kecamatan = wilayah.find_kecamatan(value)
            return t("announce.segment_kecamatan", kecamatan=kecamatan.name if kecamatan else value)
        case "kelurahan":
            kelurahan = wilayah.find_kelurahan(value)
            home = wilayah.kecamatan_of(value or "")
            return t(
                "announce.segment_kelurahan",
                kelurahan=kelurahan.name if kelurahan else value,
                kecamatan=home.name if home else "-",
            )
        case "training":
            program = _row(session, TrainingProgram, value)
            return t("announce.segment_training", **_event(program, value))
        case "forum_subscribers":
            forum = _row(session, ForumEvent, value)
            return t("announce.segment_forum_subscribers", **_event(forum, value))
        case _:
            forum = _row(session, ForumEvent, value)
            return t("announce.segment_forum_rsvp", **_event(forum, value))


def recipients(session: Session, segment: Segment) -> int:
    """The exact number of recipients today; 0 when the segment names nothing any more."""
    try:
        return count_members(session, segment)
    except AnnouncementError:
        return 0


# --- moving about -----------------------------------------------------------------------


def start(ctx: Ctx, _args: str) -> None:
    """``/umumkan``: a fresh announcement, from its text."""
    ctx.goto(Posting.TEXT)
    ctx.conversation.data = {}


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


def _other_segment(ctx: Ctx) -> Option:
    return back(ctx.t, "announce.other_segment", "segment")


# --- text and photo -------------------------------------------------------------------


def _caption(draft: AnnouncementDraft) -> bool:
    """A photo's caption is shorter than a message."""
    return bool(draft.photo or draft.shorten)


def ask_text(ctx: Ctx) -> str:
    """The announcement's text, as residents will read it."""
    draft = _draft(ctx)
    if draft.shorten:
        return ctx.t("announce.ask_text_short", maximum=CAPTION)
    if draft.editing:
        maximum = CAPTION if _caption(draft) else ANNOUNCEMENT.text.maximum
        return ctx.t("announce.ask_text_again", maximum=maximum)
    return ctx.t("announce.ask_text", maximum=ANNOUNCEMENT.text.maximum)


def _check_text_in(ctx: Ctx, raw: str) -> str:
    if _caption(_draft(ctx)):
        return check_text(raw, CAPTION, "announce.caption_too_long")
    return check_text(raw)


def keep_text(ctx: Ctx, text: str) -> None:
    draft = _draft(ctx)
    draft.text, draft.shorten = text, None
    FORM.next(ctx, Posting.PHOTO)


def on_text_option(ctx: Ctx, _choice: str) -> None:
    """Back to the preview, the text unchanged."""
    _draft(ctx).shorten = None
    FORM.to_summary(ctx)


def ask_photo(ctx: Ctx) -> Prompt:
    """A photo to go with it, if any (its text becomes the caption)."""
    t, length = ctx.t, len(_draft(ctx).text or "")
    without = option(t, "none", "announce.no_photo", "announce_no_photo")
    photo = frozenset({"photo"})
    if length > CAPTION:
        shorten = option(t, "shorten", "announce.shorten_text", "announce_shorten")
        text = t("announce.ask_photo_long", length=length, maximum=CAPTION)
        return Prompt(text, (without, shorten, *_back_to_preview(ctx)), accepts=photo)
    return Prompt(t("announce.ask_photo"), (without, *_back_to_preview(ctx)), accepts=photo)


def on_photo(ctx: Ctx, answer: Answer) -> None:
    draft = _draft(ctx)
    if answer.photo:
        length = len(draft.text or "")
        if length > CAPTION:
            ctx.invalid(ctx.t("announce.photo_text_too_long", length=length, maximum=CAPTION))
            return
        draft.photo = answer.photo
        ctx.note(ctx.t("announce.photo_received"))
    elif answer.option == "shorten":  # to go with the photo after all
        draft.shorten = True
        ctx.goto(Posting.TEXT)
        return
    elif answer.option == "preview":
        FORM.to_summary(ctx)
        return
    else:
        draft.photo = None
    FORM.next(ctx, Posting.SEGMENT)


# --- the segment ----------------------------------------------------------------------


def ask_segment(ctx: Ctx) -> Prompt:
    """Who receives it."""
    options = tuple(
        option(ctx.t, kind, f"announce.choose_{kind}", f"announce_{kind}") for kind in SEGMENT_KINDS
    )
    return Prompt(ctx.t("announce.ask_segment"), (*options, *_back_to_preview(ctx)))


def on_segment(ctx: Ctx, answer: Answer) -> None:
    draft, choice = _draft(ctx), answer.option or ""
    match choice:
        case "preview":
            FORM.to_summary(ctx)
        case "everyone":
            _choose(ctx, "everyone")
        case "kecamatan" | "kelurahan":
            draft.pick = choice
            ctx.goto(Posting.AREA)
        case "training":
            draft.page = 0
            ctx.goto(Posting.TRAINING)
        case _:
            draft.pick, draft.page = choice, 0
            ctx.goto(Posting.FORUM)


def _programs(ctx: Ctx) -> list[TrainingProgram]:
    """Programs with participants to tell: not yet over first (soonest first),
    then those over in the last 30 days (latest first)."""
    programs = list_programs(
        ctx.session,
        statuses=("open", "closed", "finished"),
        upcoming_after=ctx.now - PROGRAMS_SINCE,
    )
    ahead = [p for p in programs if p.ends_at > ctx.now]
    over = sorted((p for p in programs if p.ends_at <= ctx.now), key=lambda p: p.ends_at)
    return ahead + over[::-1]


def _listed(
    ctx: Ctx, rows: Sequence[TrainingProgram | ForumEvent], prefix: str, key: str
) -> Prompt:
    """A page of programs or forums to choose from (``key`` words the question)."""
    draft = _draft(ctx)
    page: Page[TrainingProgram | ForumEvent] = PAGES.page(rows, draft.page or 0)
    draft.page = page.number
    options = [
        Option(f"{prefix}{r.id}", f"{_short(r.title)} · {short_date(r.starts_at)}")
        for r in page.rows
    ]
    text = ctx.t(key, page=page.number + 1, pages=page.pages)
    return Prompt(text, (*options, *PAGES.options(ctx.t, page), _other_segment(ctx)))


def _on_listed(ctx: Ctx, answer: Answer, here: Posting, prefix: str, kind: str) -> None:
    """A page turn asks ``here`` again; a row is the segment ``kind``."""
    draft, choice = _draft(ctx), answer.option or ""
    turned = PAGES.turn(choice, draft.page or 0)
    if turned is not None:
        draft.page = turned
        ctx.goto(here)
    elif choice.startswith(prefix):
        _choose(ctx, kind, choice.removeprefix(prefix))
    else:
        ctx.goto(Posting.SEGMENT)


def ask_training(ctx: Ctx) -> Prompt:
    """Which program's participants (those with a seat)."""
    programs = _programs(ctx)
    if not programs:
        return Prompt(ctx.t("announce.no_programs"), (_other_segment(ctx),))
    return _listed(ctx, programs, "p:", "announce.ask_training")


def on_training(ctx: Ctx, answer: Answer) -> None:
    _on_listed(ctx, answer, Posting.TRAINING, "p:", "training")


def ask_forum(ctx: Ctx) -> Prompt:
    """Which upcoming forum's followers, or those who answered its RSVP."""
    forums = upcoming_forums(ctx.session, now=ctx.now, everywhere=True)
    if not forums:
        return Prompt(ctx.t("announce.no_forums"), (_other_segment(ctx),))
    rsvp = _draft(ctx).pick == "forum_rsvp"
    key = "announce.ask_forum_rsvp" if rsvp else "announce.ask_forum_subscribers"
    return _listed(ctx, forums, "f:", key)


def on_forum(ctx: Ctx, answer: Answer) -> None:
    kind = _draft(ctx).pick or "forum_subscribers"
    _on_listed(ctx, answer, Posting.FORUM, "f:", kind)


# --- when, preview, edit ----------------------------------------------------------------


def keep_when(ctx: Ctx, when: datetime | None) -> None:
    _draft(ctx).send_at = when
    FORM.to_summary(ctx)


def on_when_option(ctx: Ctx, choice: str) -> None:
    """Now; or back to the preview, the time unchanged."""
    keep_when(ctx, None if choice == "now" else _draft(ctx).send_at)


def preview_text(ctx: Ctx, draft: AnnouncementDraft) -> str:
    """The message as residents get it, who and how many receive it, and when."""
    t, segment, send_at = ctx.t, _segment(draft), draft.send_at
    count = recipients(ctx.session, segment)
    if draft.photo:
        parts = [t("announce.preview_photo")]
    else:
        parts = [t("announce.preview", text=draft.text or "")]
    when = t.datetime(send_at) if send_at else t("announce.when_now")
    label = segment_label(t, ctx.session, ctx.wilayah, segment)
    parts.append(t("announce.preview_details", segment=label, count=count, when=when))
    if count == 0 and send_at is None:
        parts.append(t("announce.preview_nobody"))
    elif send_at is not None:
        parts.append(t("announce.preview_recount"))
    return "\n\n".join(parts)


def send(ctx: Ctx, draft: AnnouncementDraft) -> None:
    t, send_at = ctx.t, draft.send_at
    if send_at is not None and send_at <= ctx.now:  # the preview sat on screen too long
        ctx.invalid(t("announce.time_passed", when=t.datetime(send_at)))
        ctx.goto(Posting.WHEN)
        return
    segment = _segment(draft)
    count = recipients(ctx.session, segment)
    if count == 0 and send_at is None:
        ctx.invalid(t("announce.nobody"))
        return
    assert draft.text is not None
    try:
        announcement = create_announcement(
            session=ctx.session,
            text=draft.text,
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
        ctx.say(t("announce.sending", id=number, count=count))
    else:
        label = segment_label(t, ctx.session, ctx.wilayah, segment)
        ctx.say(t("announce.scheduled", id=number, when=t.datetime(send_at), segment=label))
    ctx.goto(HOME)


def discard(ctx: Ctx, _draft: AnnouncementDraft) -> None:
    ctx.note(ctx.t("announce.discarded"))
    ctx.goto(HOME)


FORM = Form(
    draft=AnnouncementDraft,
    summary=Posting.PREVIEW,
    edit=Posting.EDIT,
    fields=tuple(
        Field(name, step, words=f"announce_{name}")
        for name, step in (
            ("text", Posting.TEXT),
            ("photo", Posting.PHOTO),
            ("segment", Posting.SEGMENT),
            ("when", Posting.WHEN),
        )
    ),
    text=preview_text,
    send=send,
    cancel=discard,
    to=(HOME, Posting.WHEN, Posting.SEGMENT),
    texts=FormTexts(
        send="announce.confirm_send",
        edit="announce.edit",
        cancel="announce.cancel",
        ask_edit="announce.ask_edit",
        back="announce.back_to_preview",
        field="announce.field_{name}",
        send_words="announce_send",
    ),
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
            check_in=_check_text_in,
            keep=keep_text,
            to=(Posting.PHOTO, Posting.PREVIEW),
            options=_back_to_preview,
            on_option=on_text_option,
        ),
        Posting.PHOTO: Step(ask_photo, on_photo, (Posting.TEXT, Posting.SEGMENT, Posting.PREVIEW)),
        Posting.SEGMENT: Step(
            ask_segment,
            on_segment,
            (Posting.AREA, Posting.TRAINING, Posting.FORUM, Posting.WHEN, Posting.PREVIEW),
        ),
        **AREA.steps(),
        Posting.TRAINING: Step(ask_training, on_training, (Posting.TRAINING, *CHOSEN)),
        Posting.FORUM: Step(ask_forum, on_forum, (Posting.FORUM, *CHOSEN)),
        Posting.WHEN: text_step(
            ask=lambda ctx: ctx.t("announce.ask_when", example=example(ctx.now)),
            check_in=lambda ctx, raw: parse_wib_datetime(raw, ctx.now),
            keep=keep_when,
            to=(Posting.PREVIEW,),
            options=lambda ctx: (
                option(ctx.t, "now", "announce.send_now", "announce_now"),
                *_back_to_preview(ctx),
            ),
            on_option=on_when_option,
        ),
        **FORM.steps(),
    },
)

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

from datetime import datetime, timedelta

from sqlmodel import Session

from handlers.core.datetimes import example, parse_wib_datetime, short_date
from handlers.core.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.core.types import Option, Translator
from handlers.core.validation import Invalid, clean_text, letters
from handlers.widgets import choices
from handlers.widgets.places import kecamatan_name, kecamatan_options, kelurahan_options
from storage.announcements import (
    AnnouncementError,
    Segment,
    count_members,
    create_announcement,
)
from storage.forums import upcoming_forums
from storage.limits import ANNOUNCEMENT
from storage.models import ForumEvent, TrainingProgram
from storage.trainings import list_programs
from storage.wilayah import Wilayah

FLOW_NAME = "announce"
PAGE = 6  # with paging and "back": at most 9 options
TITLE_IN_BUTTON = 40
PROGRAMS_SINCE = timedelta(days=30)  # finished programs this recent may still be told
TEXT = frozenset({"text"})


# --- shared with /status_umum and the CLI ---------------------------------------------


def check_text(raw: str, maximum: int = ANNOUNCEMENT.text.maximum) -> str:
    """The announcement's text, cleaned: some words, at most ``maximum`` characters."""
    text = clean_text(raw)
    if not text:
        raise Invalid("validation.empty")
    if letters(text) < ANNOUNCEMENT.text.letters:
        raise Invalid("validation.no_words")
    if len(text) > maximum:
        raise Invalid("announce.text_too_long", {"maximum": maximum, "length": len(text)})
    return text


def _short(title: str) -> str:
    return title if len(title) <= TITLE_IN_BUTTON else title[: TITLE_IN_BUTTON - 1] + "…"


def _event(row: TrainingProgram | ForumEvent | None, value: str | None) -> dict[str, str]:
    if row is None:
        return {"title": f"#{value}", "date": "-"}
    return {"title": row.title, "date": short_date(row.starts_at)}


def _program(session: Session, value: str | None) -> TrainingProgram | None:
    return session.get(TrainingProgram, int(value)) if value and value.isdecimal() else None


def _forum(session: Session, value: str | None) -> ForumEvent | None:
    return session.get(ForumEvent, int(value)) if value and value.isdecimal() else None


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
            program = _program(session, value)
            return t("announce.segment_training", **_event(program, value))
        case "forum_subscribers":
            forum = _forum(session, value)
            return t("announce.segment_forum_subscribers", **_event(forum, value))
        case _:
            forum = _forum(session, value)
            return t("announce.segment_forum_rsvp", **_event(forum, value))


def recipients(session: Session, segment: Segment) -> int:
    """The exact number of recipients today; 0 when the segment names nothing any more."""
    try:
        return count_members(session, segment)
    except AnnouncementError:
        return 0


# --- the state kept in ctx.data -------------------------------------------------------


def start(ctx: Ctx, _args: str) -> None:
    """``/umumkan``: a fresh announcement, from its text."""
    ctx.goto(FLOW_NAME, "text")
    ctx.conversation.data = {}


def _segment(ctx: Ctx) -> Segment:
    return Segment(ctx.data["segment_kind"], ctx.data.get("segment_value"))


def _send_at(ctx: Ctx) -> datetime | None:
    """The chosen time; None for "now"."""
    value = ctx.data.get("send_at")
    return datetime.fromisoformat(value) if value else None


def _choose(ctx: Ctx, kind: str, value: str | None = None) -> None:
    ctx.data["segment_kind"], ctx.data["segment_value"] = kind, value
    ctx.data.pop("pick", None)
    ctx.data.pop("area_kecamatan", None)
    _next(ctx, "when")


def _next(ctx: Ctx, step: str) -> None:
    """Go on to ``step``, or straight back to the preview while editing."""
    if ctx.data.get("editing"):
        _to_preview(ctx)
    else:
        ctx.goto(FLOW_NAME, step)


def _to_preview(ctx: Ctx) -> None:
    """To the preview; a photo goes first, as residents will get it (the caption)."""
    ctx.data["editing"] = True  # from now on every change comes back here
    photo = ctx.data.get("photo")
    if photo:
        ctx.say(ctx.data["text"], photo=photo)
    ctx.goto(FLOW_NAME, "preview")


def _back_to_preview(ctx: Ctx) -> tuple[Option, ...]:
    """While editing, a way back to the preview without changing anything."""
    if not ctx.data.get("editing"):
        return ()
    return (choices.back(ctx.t, "announce.back_to_preview", "preview"),)


# --- text and photo -------------------------------------------------------------------


def ask_text(ctx: Ctx) -> Prompt:
    """The announcement's text, as residents will read it."""
    if ctx.data.get("shorten"):
        text = ctx.t("announce.ask_text_short", maximum=ANNOUNCEMENT.caption)
    elif ctx.data.get("editing"):
        text = ctx.t("announce.ask_text_again", maximum=_text_max(ctx))
    else:
        text = ctx.t("announce.ask_text", maximum=ANNOUNCEMENT.text.maximum)
    return Prompt(text, _back_to_preview(ctx), accepts=TEXT)


def _text_max(ctx: Ctx) -> int:
    """A photo's caption is shorter than a message."""
    return (
        ANNOUNCEMENT.caption
        if ctx.data.get("photo") or ctx.data.get("shorten")
        else ANNOUNCEMENT.text.maximum
    )


def on_text(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "preview":
        ctx.data.pop("shorten", None)
        _to_preview(ctx)
        return
    maximum = _text_max(ctx)
    try:
        ctx.data["text"] = check_text(answer.text or "", maximum)
    except Invalid as problem:
        if maximum == ANNOUNCEMENT.caption and problem.key == "announce.text_too_long":
            problem = Invalid("announce.caption_too_long", problem.params)
        ctx.refuse(problem)
        return
    ctx.data.pop("shorten", None)
    _next(ctx, "photo")


def ask_photo(ctx: Ctx) -> Prompt:
    """A photo to go with it, if any (its text becomes the caption)."""
    length = len(ctx.data.get("text", ""))
    without = Option("none", ctx.t("announce.no_photo"), ("tanpa foto", "no photo", "lewati"))
    photo = frozenset({"photo"})
    if length > ANNOUNCEMENT.caption:
        shorten = Option("shorten", ctx.t("announce.shorten_text"), ("persingkat", "shorten"))
        text = ctx.t("announce.ask_photo_long", length=length, maximum=ANNOUNCEMENT.caption)
        return Prompt(text, (without, shorten, *_back_to_preview(ctx)), accepts=photo)
    text = ctx.t("announce.ask_photo")
    return Prompt(text, (without, *_back_to_preview(ctx)), accepts=photo)


def on_photo(ctx: Ctx, answer: Answer) -> None:
    if answer.photo:
        length = len(ctx.data.get("text", ""))
        if length > ANNOUNCEMENT.caption:
            ctx.invalid(
                ctx.t("announce.photo_text_too_long", length=length, maximum=ANNOUNCEMENT.caption)
            )
            return
        ctx.data["photo"] = answer.photo
        ctx.note(ctx.t("announce.photo_received"))
    elif answer.option == "shorten":  # to go with the photo after all
        ctx.data["shorten"] = True
        ctx.goto(FLOW_NAME, "text")
        return
    elif answer.option == "none":
        ctx.data["photo"] = None
    elif answer.option == "preview":
        _to_preview(ctx)
        return
    _next(ctx, "segment")


# --- the segment ----------------------------------------------------------------------


def ask_segment(ctx: Ctx) -> Prompt:
    """Who receives it."""
    t = ctx.t
    options = (
        Option("everyone", t("announce.choose_everyone"), ("semua", "everyone")),
        Option("kecamatan", t("announce.choose_kecamatan"), ("kecamatan",)),
        Option("kelurahan", t("announce.choose_kelurahan"), ("kelurahan",)),
        Option("training", t("announce.choose_training"), ("pelatihan", "training")),
        Option("forum_subscribers", t("announce.choose_forum_subscribers"), ("forum",)),
        Option("forum_rsvp", t("announce.choose_forum_rsvp"), ("rsvp",)),
    )
    return Prompt(t("announce.ask_segment"), (*options, *_back_to_preview(ctx)))


def on_segment(ctx: Ctx, answer: Answer) -> None:
    option = answer.option or ""
    if option == "preview":
        _to_preview(ctx)
    elif option == "everyone":
        _choose(ctx, "everyone")
    elif option in ("kecamatan", "kelurahan"):
        ctx.data["pick"] = option
        ctx.goto(FLOW_NAME, "area")
    elif option == "training":
        ctx.data["page"] = 0
        ctx.goto(FLOW_NAME, "training")
    else:
        ctx.data["pick"], ctx.data["page"] = option, 0
        ctx.goto(FLOW_NAME, "forum")


def _other_segment(ctx: Ctx) -> Option:
    return choices.back(ctx.t, "announce.other_segment", "segment")


def ask_area(ctx: Ctx) -> Prompt:
    """Which kecamatan (for a kelurahan: the kecamatan it is in, first)."""
    if ctx.data.get("pick") == "kelurahan":
        text = ctx.t("announce.ask_kelurahan_kecamatan")
    else:
        text = ctx.t("announce.ask_kecamatan")
    return Prompt(text, (*kecamatan_options(ctx), _other_segment(ctx)))


def on_area(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "segment":
        ctx.goto(FLOW_NAME, "segment")
    elif ctx.data.get("pick") == "kelurahan":
        ctx.data["area_kecamatan"] = answer.option
        ctx.goto(FLOW_NAME, "kelurahan")
    else:
        _choose(ctx, "kecamatan", answer.option)


def ask_kelurahan(ctx: Ctx) -> Prompt:
    """Which kelurahan of the kecamatan chosen."""
    kecamatan = ctx.data.get("area_kecamatan") or ""
    back = choices.back(ctx.t, "common.other_kecamatan")
    text = ctx.t("announce.ask_kelurahan", kecamatan=kecamatan_name(ctx, kecamatan))
    return Prompt(text, (*kelurahan_options(ctx, kecamatan), back))


def on_kelurahan(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(FLOW_NAME, "area")
    else:
        _choose(ctx, "kelurahan", answer.option)


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


def _page(ctx: Ctx, total: int) -> tuple[int, int]:
    """(page, pages) for ``total`` rows, the page kept within bounds."""
    pages = max(1, -(-total // PAGE))
    page = ctx.data["page"] = min(max(int(ctx.data.get("page", 0)), 0), pages - 1)
    return page, pages


def _paged(
    ctx: Ctx, rows: list[TrainingProgram] | list[ForumEvent], prefix: str
) -> tuple[Option, ...]:
    page, pages = _page(ctx, len(rows))
    shown = rows[page * PAGE : (page + 1) * PAGE]
    options = [
        Option(f"{prefix}{r.id}", f"{_short(r.title)} · {short_date(r.starts_at)}") for r in shown
    ]
    if page + 1 < pages:
        options.append(Option("next", ctx.t("common.next_page"), ("berikutnya", "next")))
    if page > 0:
        options.append(Option("prev", ctx.t("common.prev_page"), ("sebelumnya", "prev")))
    return (*options, _other_segment(ctx))


def _turn(ctx: Ctx, option: str | None, step: str) -> bool:
    """A paging option moves the page on and asks again; False for anything else."""
    if option not in ("next", "prev"):
        return False
    ctx.data["page"] = int(ctx.data.get("page", 0)) + (1 if option == "next" else -1)
    ctx.goto(FLOW_NAME, step)
    return True


def ask_training(ctx: Ctx) -> Prompt:
    """Which program's participants (those with a seat)."""
    programs = _programs(ctx)
    if not programs:
        return Prompt(ctx.t("announce.no_programs"), (_other_segment(ctx),))
    page, pages = _page(ctx, len(programs))
    text = ctx.t("announce.ask_training", page=page + 1, pages=pages)
    return Prompt(text, _paged(ctx, programs, "p:"))


def on_training(ctx: Ctx, answer: Answer) -> None:
    option = answer.option or ""
    if _turn(ctx, option, "training"):
        return
    if option.startswith("p:"):
        _choose(ctx, "training", option[2:])
    else:
        ctx.goto(FLOW_NAME, "segment")


def ask_forum(ctx: Ctx) -> Prompt:
    """Which upcoming forum's followers, or those who answered its RSVP."""
    forums = upcoming_forums(ctx.session, now=ctx.now, everywhere=True)
    if not forums:
        return Prompt(ctx.t("announce.no_forums"), (_other_segment(ctx),))
    page, pages = _page(ctx, len(forums))
    if ctx.data.get("pick") == "forum_rsvp":
        text = ctx.t("announce.ask_forum_rsvp", page=page + 1, pages=pages)
    else:
        text = ctx.t("announce.ask_forum_subscribers", page=page + 1, pages=pages)
    return Prompt(text, _paged(ctx, forums, "f:"))


def on_forum(ctx: Ctx, answer: Answer) -> None:
    option = answer.option or ""
    if _turn(ctx, option, "forum"):
        return
    if option.startswith("f:"):
        _choose(ctx, ctx.data.get("pick") or "forum_subscribers", option[2:])
    else:
        ctx.goto(FLOW_NAME, "segment")


# --- when, preview, edit ----------------------------------------------------------------


def ask_when(ctx: Ctx) -> Prompt:
    """Now, or a date and time (WIB) to send it at."""
    now = Option("now", ctx.t("announce.send_now"), ("sekarang", "now"))
    text = ctx.t("announce.ask_when", example=example(ctx.now))
    return Prompt(text, (now, *_back_to_preview(ctx)), accepts=TEXT)


def on_when(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "now":
        ctx.data["send_at"] = None
    elif answer.option != "preview":
        try:
            ctx.data["send_at"] = parse_wib_datetime(answer.text or "", ctx.now).isoformat()
        except Invalid as problem:
            ctx.refuse(problem)
            return
    _to_preview(ctx)


def ask_preview(ctx: Ctx) -> Prompt:
    """The message as residents get it, who and how many receive it, and when."""
    t = ctx.t
    segment = _segment(ctx)
    count = recipients(ctx.session, segment)
    send_at = _send_at(ctx)
    if ctx.data.get("photo"):
        parts = [t("announce.preview_photo")]
    else:
        parts = [t("announce.preview", text=ctx.data["text"])]
    when = t.datetime(send_at) if send_at else t("announce.when_now")
    label = segment_label(t, ctx.session, ctx.wilayah, segment)
    parts.append(t("announce.preview_details", segment=label, count=count, when=when))
    if count == 0 and send_at is None:
        parts.append(t("announce.preview_nobody"))
    elif send_at is not None:
        parts.append(t("announce.preview_recount"))
    options = (
        Option("send", t("announce.confirm_send"), ("kirim", "send", "jadwalkan")),
        Option("edit", t("announce.edit"), ("ubah", "edit")),
        Option("cancel", t("announce.cancel"), ("batal", "cancel")),
    )
    return Prompt("\n\n".join(parts), options)


def on_preview(ctx: Ctx, answer: Answer) -> None:
    match answer.option:
        case "edit":
            ctx.goto(FLOW_NAME, "edit")
        case "cancel":
            ctx.note(ctx.t("announce.discarded"))
            ctx.goto("menu")
        case _:
            _send(ctx)


def _send(ctx: Ctx) -> None:
    t = ctx.t
    send_at = _send_at(ctx)
    if send_at is not None and send_at <= ctx.now:  # the preview sat on screen too long
        ctx.invalid(t("announce.time_passed", when=t.datetime(send_at)))
        ctx.goto(FLOW_NAME, "when")
        return
    segment = _segment(ctx)
    count = recipients(ctx.session, segment)
    if count == 0 and send_at is None:
        ctx.invalid(t("announce.nobody"))
        return
    try:
        announcement = create_announcement(
            session=ctx.session,
            text=ctx.data["text"],
            segment=segment,
            send_at=send_at or ctx.now,
            actor=ctx.resident.identity,
            now=ctx.now,
            photo=ctx.data.get("photo"),
        )
    except AnnouncementError:  # the program or forum is gone since the preview
        ctx.invalid(t("announce.segment_gone"))
        ctx.goto(FLOW_NAME, "segment")
        return
    number = str(announcement.id)
    if send_at is None:
        ctx.say(t("announce.sending", id=number, count=count))
    else:
        label = segment_label(t, ctx.session, ctx.wilayah, segment)
        ctx.say(t("announce.scheduled", id=number, when=t.datetime(send_at), segment=label))
    ctx.goto("menu")


def ask_edit(ctx: Ctx) -> Prompt:
    """Which part to change."""
    t = ctx.t
    options = (
        Option("text", t("announce.field_text"), ("teks", "text")),
        Option("photo", t("announce.field_photo"), ("foto", "photo")),
        Option("segment", t("announce.field_segment"), ("penerima", "recipients")),
        Option("when", t("announce.field_when"), ("waktu", "time")),
        choices.back(t, "announce.back_to_preview", "preview"),
    )
    return Prompt(t("announce.ask_edit"), options)


def on_edit(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "preview":
        _to_preview(ctx)
    else:
        ctx.goto(FLOW_NAME, answer.option or "preview")


FLOW = Flow(
    name=FLOW_NAME,
    start="text",
    role="facilitator",
    steps={
        "text": Step(ask_text, on_text),
        "photo": Step(ask_photo, on_photo),
        "segment": Step(ask_segment, on_segment),
        "area": Step(ask_area, on_area),
        "kelurahan": Step(ask_kelurahan, on_kelurahan),
        "training": Step(ask_training, on_training),
        "forum": Step(ask_forum, on_forum),
        "when": Step(ask_when, on_when),
        "preview": Step(ask_preview, on_preview),
        "edit": Step(ask_edit, on_edit),
    },
)

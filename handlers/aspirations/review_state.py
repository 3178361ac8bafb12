"""What the staff review steps share: the steps, the draft, the aspiration open."""

from __future__ import annotations

from handlers.core.flow import Ctx, Draft, Steps
from storage.aspirations import find_aspiration, normalise_tracking_code
from storage.models import Aspiration
from storage.workflow import notes_of


class Reviewing(Steps, flow="review"):
    LIST = "list"
    FILTER = "filter"
    FILTER_STATUS = "filter_status"
    FILTER_CATEGORY = "filter_category"
    FILTER_KECAMATAN = "filter_kecamatan"
    DETAIL = "detail"
    UNIT = "unit"
    GRADE = "grade"
    ORIGINAL = "original"
    NOTE = "note"
    CONFIRM = "confirm"


class ReviewDraft(Draft):
    page: int = 0
    status: str | None = None  # the list's filters
    category: str | None = None
    kecamatan: str | None = None
    code: str | None = None  # the aspiration opened
    new_status: str | None = None  # the change being made…
    seen_status: str | None = None  # …decided on the aspiration in this status…
    seen_opd: str | None = None  # …and with this unit
    opd: str | None = None  # the unit it goes to (diteruskan)
    grade: str | None = None  # its completion grade (a first disposition)
    unit_page: int = 0
    original: str | None = None
    note: str | None = None


def draft(ctx: Ctx) -> ReviewDraft:
    return ctx.draft(ReviewDraft)


def open_code(ctx: Ctx, raw: str) -> None:
    """Open the aspiration ``raw`` (its photo and voice note first), or say it is
    not found."""
    code = normalise_tracking_code(raw)
    aspiration = find_aspiration(session=ctx.session, code=code) if code else None
    if aspiration is None:
        ctx.invalid(ctx.t("status.not_found", code=raw.strip().upper()[:20]))
        return
    draft(ctx).code = aspiration.code
    if aspiration.photo_path:
        ctx.say(ctx.t("review.photo_caption", code=aspiration.code), photo=aspiration.photo_path)
    send_voice(ctx, aspiration)
    ctx.goto(Reviewing.DETAIL)


def send_voice(ctx: Ctx, aspiration: Aspiration) -> None:
    """The resident's voice notes, each as its own message (staff listen in the
    chat): the aspiration's, then those they answered staff's questions with. The
    captions name the aspiration and the time, never who spoke."""
    if aspiration.voice_path:
        caption = ctx.t("review.voice_caption", code=aspiration.code)
        ctx.say(caption, voice=aspiration.voice_path)
    assert aspiration.id is not None
    for note in notes_of(session=ctx.session, aspiration_id=aspiration.id):
        if note.kind == "jawaban" and note.voice_path:
            when = ctx.t.datetime(note.at)
            caption = ctx.t("review.answer_voice_caption", code=aspiration.code, when=when)
            ctx.say(caption, voice=note.voice_path)


def current(ctx: Ctx) -> Aspiration:
    aspiration = find_aspiration(session=ctx.session, code=draft(ctx).code or "")
    assert aspiration is not None  # codes are never deleted
    return aspiration


def refuse_status(ctx: Ctx, status: str, allowed: tuple[str, ...]) -> None:
    """Staff asked for a change the aspiration (now in ``status``) cannot make."""
    names = ", ".join(ctx.t(f"status.{s}") for s in allowed)
    ctx.invalid(ctx.t("review.illegal", current=ctx.t(f"status.{status}"), allowed=names or "-"))

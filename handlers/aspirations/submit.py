"""Sampaikan aspirasi: a complaint or proposal, from category to tracking code.

category → kecamatan → kelurahan → text (typed, or a voice note) → attachment
  (photo/voice note/location, optional); a text already typed elsewhere,
  ``prefill``: its category suggested first, and the text question skipped
  → identity (name or anonymous; consenting residents only) [→ name]
  → summary ──Kirim──▶ tracking code, menu
             ├─Ubah──▶ edit → the chosen step → back to summary
             └─Batal─▶ menu, nothing stored
"""

from __future__ import annotations

from handlers.aspirations.language_guess import guess_language
from handlers.aspirations.status import category_label, category_options
from handlers.aspirations.suggest import suggest_category
from handlers.aspirations.voice_words import duration, spoken_text
from handlers.core import abuse, service_info
from handlers.core.flow import HOME, Answer, Ctx, Flow, Prompt, Step, Steps
from handlers.core.types import Option, Voice
from handlers.core.validation import check_aspiration_text, check_name
from handlers.widgets.area import Area, AreaPicker
from handlers.widgets.form import Field, Form, FormDraft
from handlers.widgets.places import place_name
from handlers.widgets.text_field import text_step
from handlers.widgets.words import option, words
from storage.aspirations import NewAspiration, create_aspiration


class Asking(Steps, flow="aspiration"):
    CATEGORY = "category"
    KECAMATAN = "kecamatan"
    KELURAHAN = "kelurahan"
    TEXT = "text"
    ATTACHMENT = "attachment"
    IDENTITY = "identity"
    NAME = "name"
    SUMMARY = "summary"
    EDIT = "edit"


class AspirationDraft(FormDraft):
    category: str | None = None
    kecamatan: str | None = None
    kelurahan: str | None = None
    text: str | None = None
    language: str | None = None
    photo: str | None = None
    voice: str | None = None  # a voice note's reference
    voice_seconds: int | None = None
    voice_is_text: bool = False  # spoken instead of typed: the text names the voice note
    latitude: float | None = None
    longitude: float | None = None
    anonymous: bool | None = None
    suggested: str | None = None  # the category a prefilled text suggests


def _draft(ctx: Ctx) -> AspirationDraft:
    return ctx.draft(AspirationDraft)


def ask_category(ctx: Ctx) -> Prompt:
    """What is the aspiration about?"""
    if abuse.over_daily_cap(ctx):
        abuse.refuse_over_cap(ctx)
    options = category_options(ctx)
    draft = _draft(ctx)
    if draft.text is None or draft.editing:
        return Prompt(ctx.t("aspiration.ask_category"), options)
    suggested = [o for o in options if o.value == draft.suggested]
    if not suggested:
        return Prompt(ctx.t("aspiration.ask_category_prefilled"), options)
    others = tuple(o for o in options if o.value != draft.suggested)
    text = ctx.t("aspiration.ask_category_suggested", category=suggested[0].label)
    return Prompt(text, (suggested[0], *others))  # the suggestion first: one press


def prefill(ctx: Ctx, text: str) -> None:
    """Start with a text the resident typed elsewhere (at the menu, as a first
    message): kept as the aspiration's text, its category suggested."""
    draft = _draft(ctx)
    draft.text = check_aspiration_text(text)
    guess = guess_language(draft.text)
    draft.language = guess.language or ctx.resident.language
    _offer_english_once(ctx, guess.offer_english)
    draft.suggested = suggest_category(ctx, draft.text)


def on_category(ctx: Ctx, answer: Answer) -> None:
    _draft(ctx).category = answer.option
    FORM.next(ctx, Asking.KECAMATAN)


def on_area(ctx: Ctx, area: Area) -> None:
    draft = _draft(ctx)
    draft.kecamatan, draft.kelurahan = area.kecamatan, area.kelurahan
    FORM.next(ctx, Asking.TEXT if draft.text is None else Asking.ATTACHMENT)


def keep_text(ctx: Ctx, text: str) -> None:
    draft = _draft(ctx)
    draft.text = text
    draft.voice_is_text = False  # typed now: a voice note sent before stays attached
    guess = guess_language(text)  # langdetect is slow: once per text
    draft.language = guess.language or ctx.resident.language
    _offer_english_once(ctx, guess.offer_english)
    FORM.next(ctx, Asking.ATTACHMENT)


def keep_voice_text(ctx: Ctx, voice: Voice) -> None:
    """A voice note at the text step: it is the aspiration, the text says so."""
    draft = _draft(ctx)
    _take_voice(ctx, draft, voice)
    draft.voice_is_text = True
    draft.text = spoken_text(ctx.t, voice.seconds)
    draft.language = ctx.resident.language
    ctx.note(ctx.t("aspiration.voice_received"))
    FORM.next(ctx, Asking.ATTACHMENT)


def _take_voice(ctx: Ctx, draft: AspirationDraft, voice: Voice) -> None:
    """The draft's one voice note; one it held before is replaced (and removed)."""
    if draft.voice and draft.voice != voice.reference:
        ctx.discard(draft.voice)
    draft.voice, draft.voice_seconds = voice.reference, voice.seconds


def _offer_english_once(ctx: Ctx, english: bool) -> None:
    """The offer is written in both languages (aspiration.offer_english)."""
    resident = ctx.resident
    if resident.language_chosen or resident.english_offered or resident.language == "en":
        return
    if english and "en" in ctx.settings.languages:
        resident.english_offered = True
        ctx.note(ctx.settings.translators("en")("aspiration.offer_english"))


def ask_attachment(ctx: Ctx) -> Prompt:
    """An optional photo and/or location."""
    draft = _draft(ctx)
    extra_voice = draft.voice and not draft.voice_is_text
    if draft.photo or draft.latitude is not None or extra_voice:
        text = ctx.t("aspiration.ask_more_attachment")
        done = option(ctx.t, "next", "common.continue", "continue")
    else:
        text = ctx.t("aspiration.ask_attachment")
        done = option(ctx.t, "next", "common.skip", "skip")
    return Prompt(text, (done,), accepts=frozenset({"photo", "location", "voice"}))


def on_attachment(ctx: Ctx, answer: Answer) -> None:
    draft = _draft(ctx)
    if answer.photo:
        draft.photo = answer.photo
        ctx.note(ctx.t("aspiration.photo_received"))
    elif answer.location:
        draft.latitude = answer.location.latitude
        draft.longitude = answer.location.longitude
        ctx.note(ctx.t("aspiration.location_received"))
    elif answer.voice:
        if draft.voice_is_text:  # a second note would replace the aspiration itself
            ctx.discard(answer.voice.reference)
            ctx.invalid(ctx.t("aspiration.voice_already"))
            return
        _take_voice(ctx, draft, answer.voice)
        ctx.note(ctx.t("aspiration.voice_received"))
    if answer.option == "next" or (draft.photo and draft.latitude is not None):
        if ctx.resident.has_consent:
            FORM.next(ctx, Asking.IDENTITY)
        else:
            draft.anonymous = True
            ctx.goto(Asking.SUMMARY)


def ask_identity(ctx: Ctx) -> Prompt:
    """Show the resident's name to staff, or send anonymously."""
    name = ctx.resident.display_name
    named = ctx.t("aspiration.show_name", name=name) if name else ctx.t("aspiration.give_name")
    return Prompt(
        ctx.t("aspiration.ask_identity"),
        (
            Option("named", named, words(ctx.t, "show_name")),
            option(ctx.t, "anonymous", "aspiration.anonymous", "anonymous"),
        ),
    )


def on_identity(ctx: Ctx, answer: Answer) -> None:
    draft = _draft(ctx)
    if answer.option == "anonymous":
        draft.anonymous = True
        ctx.goto(Asking.SUMMARY)
    elif ctx.resident.display_name:
        draft.anonymous = False
        ctx.goto(Asking.SUMMARY)
    else:
        ctx.goto(Asking.NAME)


def keep_name(ctx: Ctx, name: str) -> None:
    ctx.resident.display_name = name
    _draft(ctx).anonymous = False
    ctx.goto(Asking.SUMMARY)


def summary_text(ctx: Ctx, draft: AspirationDraft) -> str:
    """Everything collected, to send, change or drop."""
    attachments = [
        ctx.t("aspiration.attached_photo") if draft.photo else "",
        ctx.t("aspiration.attached_voice", length=duration(draft.voice_seconds))
        if draft.voice
        else "",
        ctx.t("aspiration.attached_location") if draft.latitude is not None else "",
    ]
    sender = (
        ctx.t("aspiration.sender_anonymous")
        if draft.anonymous in (None, True)
        else ctx.resident.display_name or "-"
    )
    text = ctx.t(
        "aspiration.summary",
        category=category_label(ctx, draft.category or "lainnya"),
        place=place_name(ctx, draft.kelurahan),
        text=draft.text or "",
        attachments=", ".join(a for a in attachments if a) or ctx.t("aspiration.attached_none"),
        sender=sender,
    )
    if not ctx.resident.has_consent:
        text += "\n\n" + ctx.t("aspiration.anonymous_without_consent")
    return text


def send(ctx: Ctx, draft: AspirationDraft) -> None:
    resident = ctx.resident
    if abuse.over_daily_cap(ctx):
        abuse.refuse_over_cap(ctx)
        return
    assert draft.category and draft.kecamatan and draft.kelurahan and draft.text
    ctx.session.flush()  # the resident's id, for a resident first seen just now
    linked = resident.has_consent
    aspiration = create_aspiration(
        session=ctx.session,
        new=NewAspiration(
            category=draft.category,
            kecamatan_code=draft.kecamatan,
            kelurahan_code=draft.kelurahan,
            text=draft.text,
            language=draft.language or resident.language,
            anonymous=draft.anonymous in (None, True),
            channel=ctx.inbound.channel,
            resident_id=resident.id if linked else None,
            photo_path=draft.photo,
            voice_path=draft.voice,
            voice_seconds=draft.voice_seconds,
            latitude=draft.latitude,
            longitude=draft.longitude,
        ),
        now=ctx.now,
    )
    abuse.count_aspiration(ctx)
    key = "aspiration.submitted" if linked else "aspiration.submitted_unlinked"
    ctx.say(f"{ctx.t(key, code=aspiration.code)}\n\n{service_info.after_submit(ctx)}")
    ctx.goto(HOME)


def cancel(ctx: Ctx, draft: AspirationDraft) -> None:
    if draft.voice:  # nothing stored: the resident's voice does not stay either
        ctx.discard(draft.voice)
    ctx.note(ctx.t("aspiration.cancelled"))
    ctx.goto(HOME)


def _clear_attachment(draft: AspirationDraft) -> None:
    draft.photo = draft.latitude = draft.longitude = None
    if not draft.voice_is_text:  # a spoken aspiration keeps its voice note
        draft.voice = None
        draft.voice_seconds = None


FORM = Form(
    draft=AspirationDraft,
    summary=Asking.SUMMARY,
    edit=Asking.EDIT,
    fields=(
        Field("category", Asking.CATEGORY),
        Field("place", Asking.KECAMATAN),
        Field("text", Asking.TEXT),
        Field("attachment", Asking.ATTACHMENT, clear=_clear_attachment),
        Field("identity", Asking.IDENTITY, shown=lambda ctx: ctx.resident.has_consent),
    ),
    text=summary_text,
    send=send,
    cancel=cancel,
    to=(HOME,),
)

AREA = AreaPicker(
    kecamatan=Asking.KECAMATAN,
    kelurahan=Asking.KELURAHAN,
    draft=AspirationDraft,
    holding="kecamatan",
    ask_kecamatan=lambda ctx: ctx.t("aspiration.ask_kecamatan"),
    ask_kelurahan=lambda ctx, kecamatan: ctx.t("aspiration.ask_kelurahan", kecamatan=kecamatan),
    chosen=on_area,
    to=(Asking.TEXT, Asking.ATTACHMENT, Asking.SUMMARY),
    home=True,
)

FLOW = Flow(
    steps={
        Asking.CATEGORY: Step(ask_category, on_category, (Asking.KECAMATAN, Asking.SUMMARY, HOME)),
        **AREA.steps(),
        Asking.TEXT: text_step(
            ask=lambda ctx: ctx.t("aspiration.ask_text"),
            check=check_aspiration_text,
            keep=keep_text,
            to=(Asking.ATTACHMENT, Asking.SUMMARY),
            voice=keep_voice_text,
        ),
        Asking.ATTACHMENT: Step(ask_attachment, on_attachment, (Asking.IDENTITY, Asking.SUMMARY)),
        Asking.IDENTITY: Step(ask_identity, on_identity, (Asking.NAME, Asking.SUMMARY)),
        Asking.NAME: text_step(
            ask=lambda ctx: ctx.t("aspiration.ask_name"),
            check=check_name,
            keep=keep_name,
            to=(Asking.SUMMARY,),
        ),
        **FORM.steps(),
    }
)

"""Sampaikan aspirasi: a complaint or proposal, from category to tracking code.

category → kecamatan → kelurahan → text → attachment (photo/location, optional)
  → identity (name or anonymous; consenting residents only) [→ name]
  → summary ──Kirim──▶ tracking code, menu
             ├─Ubah──▶ edit → the chosen step → back to summary
             └─Batal─▶ menu, nothing stored
"""

from __future__ import annotations

from handlers import abuse
from handlers.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.language_guess import confident_language
from handlers.onboarding import BACK_WORDS, SKIP_WORDS
from handlers.places import kecamatan_name, kecamatan_options, kelurahan_options, place_name
from handlers.status import category_label
from handlers.types import Option
from handlers.validation import Invalid, check_aspiration_text, check_name
from storage.aspirations import NewAspiration, create_aspiration

FLOW_NAME = "aspiration"


def _next(ctx: Ctx, step: str) -> None:
    """Go on to ``step``, or straight back to the summary while editing."""
    ctx.goto(FLOW_NAME, "summary" if ctx.data.get("editing") else step)


def ask_category(ctx: Ctx) -> Prompt:
    """What is the aspiration about?"""
    if abuse.over_daily_cap(ctx):
        abuse.refuse_over_cap(ctx)
    options = tuple(
        Option(c.key, category_label(ctx, c.key), (c.key,)) for c in ctx.settings.categories
    )
    return Prompt(ctx.t("aspiration.ask_category"), options)


def on_category(ctx: Ctx, answer: Answer) -> None:
    ctx.data["category"] = answer.option
    _next(ctx, "kecamatan")


def ask_kecamatan(ctx: Ctx) -> Prompt:
    """Which kecamatan? The resident's own kelurahan is offered first."""
    options = kecamatan_options(ctx)
    home = ctx.wilayah.find_kelurahan(ctx.resident.home_kelurahan_code)
    if home is not None:
        label = ctx.t("aspiration.use_home", kelurahan=home.name)
        options = (Option("home", label), *options)
    return Prompt(ctx.t("aspiration.ask_kecamatan"), options)


def on_kecamatan(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "home":
        ctx.data["kecamatan"] = ctx.resident.home_kecamatan_code
        ctx.data["kelurahan"] = ctx.resident.home_kelurahan_code
        _next(ctx, "text")
        return
    ctx.data["kecamatan"] = answer.option
    ctx.data.pop("kelurahan", None)
    ctx.goto(FLOW_NAME, "kelurahan")


def ask_kelurahan(ctx: Ctx) -> Prompt:
    kecamatan = ctx.data.get("kecamatan") or ""
    options = (
        *kelurahan_options(ctx, kecamatan),
        Option("back", ctx.t("common.other_kecamatan"), BACK_WORDS),
    )
    return Prompt(
        ctx.t("aspiration.ask_kelurahan", kecamatan=kecamatan_name(ctx, kecamatan)), options
    )


def on_kelurahan(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "back":
        ctx.goto(FLOW_NAME, "kecamatan")
        return
    ctx.data["kelurahan"] = answer.option
    _next(ctx, "text")


def ask_text(ctx: Ctx) -> Prompt:
    """The aspiration itself, in the resident's own words."""
    return Prompt(ctx.t("aspiration.ask_text"), accepts=frozenset({"text"}))


def on_text(ctx: Ctx, answer: Answer) -> None:
    try:
        text = check_aspiration_text(answer.text or "")
    except Invalid as problem:
        ctx.refuse(problem)
        return
    ctx.data["text"] = text
    detected = confident_language(text)  # langdetect is slow: once per text
    ctx.data["language"] = detected or ctx.resident.language
    _offer_english_once(ctx, detected)
    _next(ctx, "attachment")


def _offer_english_once(ctx: Ctx, detected: str | None) -> None:
    resident = ctx.resident
    if resident.language_chosen or resident.english_offered or resident.language == "en":
        return
    if detected == "en" and "en" in ctx.settings.languages:
        resident.english_offered = True
        ctx.note(ctx.settings.translators("en")("aspiration.offer_english"))


def ask_attachment(ctx: Ctx) -> Prompt:
    """An optional photo and/or location."""
    has_photo, has_location = bool(ctx.data.get("photo")), "latitude" in ctx.data
    if has_photo or has_location:
        text = ctx.t("aspiration.ask_more_attachment")
        done = Option("next", ctx.t("common.continue"), ("lanjut", "selesai", "next", "done"))
    else:
        text = ctx.t("aspiration.ask_attachment")
        done = Option("next", ctx.t("common.skip"), SKIP_WORDS)
    return Prompt(text, (done,), accepts=frozenset({"photo", "location"}))


def on_attachment(ctx: Ctx, answer: Answer) -> None:
    if answer.photo:
        ctx.data["photo"] = answer.photo
        ctx.note(ctx.t("aspiration.photo_received"))
    elif answer.location:
        ctx.data["latitude"] = answer.location.latitude
        ctx.data["longitude"] = answer.location.longitude
        ctx.note(ctx.t("aspiration.location_received"))
    if answer.option == "next" or (ctx.data.get("photo") and "latitude" in ctx.data):
        _after_attachment(ctx)


def _after_attachment(ctx: Ctx) -> None:
    if ctx.resident.has_consent:
        _next(ctx, "identity")
    else:
        ctx.data["anonymous"] = True
        ctx.goto(FLOW_NAME, "summary")


def ask_identity(ctx: Ctx) -> Prompt:
    """Show the resident's name to staff, or send anonymously."""
    name = ctx.resident.display_name
    named = ctx.t("aspiration.show_name", name=name) if name else ctx.t("aspiration.give_name")
    return Prompt(
        ctx.t("aspiration.ask_identity"),
        (
            Option("named", named, ("nama", "name", "tampilkan nama", "show my name")),
            Option("anonymous", ctx.t("aspiration.anonymous"), ("anonim", "anonymous")),
        ),
    )


def on_identity(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "anonymous":
        ctx.data["anonymous"] = True
        ctx.goto(FLOW_NAME, "summary")
    elif ctx.resident.display_name:
        ctx.data["anonymous"] = False
        ctx.goto(FLOW_NAME, "summary")
    else:
        ctx.goto(FLOW_NAME, "name")


def ask_name(ctx: Ctx) -> Prompt:
    return Prompt(ctx.t("aspiration.ask_name"), accepts=frozenset({"text"}))


def on_name(ctx: Ctx, answer: Answer) -> None:
    try:
        ctx.resident.display_name = check_name(answer.text or "")
    except Invalid as problem:
        ctx.refuse(problem)
        return
    ctx.data["anonymous"] = False
    ctx.goto(FLOW_NAME, "summary")


def ask_summary(ctx: Ctx) -> Prompt:
    """Everything collected, to send, change or drop."""
    data = ctx.data
    attachments = [
        ctx.t("aspiration.attached_photo") if data.get("photo") else "",
        ctx.t("aspiration.attached_location") if "latitude" in data else "",
    ]
    sender = (
        ctx.t("aspiration.sender_anonymous")
        if data.get("anonymous", True)
        else ctx.resident.display_name or "-"
    )
    text = ctx.t(
        "aspiration.summary",
        category=category_label(ctx, data.get("category", "lainnya")),
        place=place_name(ctx, data.get("kelurahan")),
        text=data.get("text", ""),
        attachments=", ".join(a for a in attachments if a) or ctx.t("aspiration.attached_none"),
        sender=sender,
    )
    if not ctx.resident.has_consent:
        text += "\n\n" + ctx.t("aspiration.anonymous_without_consent")
    return Prompt(
        text,
        (
            Option("send", ctx.t("aspiration.send"), ("kirim", "send")),
            Option("edit", ctx.t("aspiration.edit"), ("ubah", "edit")),
            Option("cancel", ctx.t("aspiration.cancel"), ("batal", "cancel")),
        ),
    )


def on_summary(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "edit":
        ctx.goto(FLOW_NAME, "edit")
    elif answer.option == "cancel":
        ctx.note(ctx.t("aspiration.cancelled"))
        ctx.goto("menu")
    else:
        _submit(ctx)


def _submit(ctx: Ctx) -> None:
    data, resident = ctx.data, ctx.resident
    if abuse.over_daily_cap(ctx):
        abuse.refuse_over_cap(ctx)
        return
    ctx.session.flush()  # the resident's id, for a resident first seen just now
    linked = resident.has_consent
    aspiration = create_aspiration(
        session=ctx.session,
        new=NewAspiration(
            category=data["category"],
            kecamatan_code=data["kecamatan"],
            kelurahan_code=data["kelurahan"],
            text=data["text"],
            language=data.get("language", resident.language),
            anonymous=bool(data.get("anonymous", True)),
            channel=ctx.inbound.channel,
            resident_id=resident.id if linked else None,
            photo_path=data.get("photo"),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
        ),
        now=ctx.now,
    )
    abuse.count_aspiration(ctx)
    key = "aspiration.submitted" if linked else "aspiration.submitted_unlinked"
    ctx.say(ctx.t(key, code=aspiration.code))
    ctx.goto("menu")


EDITABLE = ("category", "place", "text", "attachment", "identity")


def ask_edit(ctx: Ctx) -> Prompt:
    """Which part to change."""
    fields = [f for f in EDITABLE if f != "identity" or ctx.resident.has_consent]
    options = tuple(Option(f, ctx.t(f"aspiration.edit_{f}")) for f in fields)
    back = Option("summary", ctx.t("aspiration.back_to_summary"), BACK_WORDS)
    return Prompt(ctx.t("aspiration.ask_edit"), (*options, back))


def on_edit(ctx: Ctx, answer: Answer) -> None:
    ctx.data["editing"] = True
    match answer.option:
        case "place":
            ctx.goto(FLOW_NAME, "kecamatan")
        case "attachment":
            for key in ("photo", "latitude", "longitude"):
                ctx.data.pop(key, None)
            ctx.goto(FLOW_NAME, "attachment")
        case "summary":
            ctx.goto(FLOW_NAME, "summary")
        case other:
            ctx.goto(FLOW_NAME, other)


FLOW = Flow(
    name=FLOW_NAME,
    start="category",
    steps={
        "category": Step(ask_category, on_category),
        "kecamatan": Step(ask_kecamatan, on_kecamatan),
        "kelurahan": Step(ask_kelurahan, on_kelurahan),
        "text": Step(ask_text, on_text),
        "attachment": Step(ask_attachment, on_attachment),
        "identity": Step(ask_identity, on_identity),
        "name": Step(ask_name, on_name),
        "summary": Step(ask_summary, on_summary),
        "edit": Step(ask_edit, on_edit),
    },
)

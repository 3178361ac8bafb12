"""A resident's own data: ``/datasaya`` shows it, ``/hapusdata`` erases it,
``/tarikpersetujuan`` withdraws consent and keeps the account for anonymous use.

confirm_delete ──Ya──▶ erased, conversation forgotten   (──Jangan──▶ menu)
confirm_withdraw ──Ya──▶ anonymous, menu                (──Jangan──▶ menu)
"""

from __future__ import annotations

from collections.abc import Callable

from handlers.aspirations.status import category_label
from handlers.core.flow import HOME, Answer, Ctx, Draft, Flow, Prompt, Step, Steps
from handlers.core.notifications import resident_status
from handlers.core.validation import local_phone
from handlers.privacy.mydata_export import forum_lines, resident_id, send_document
from handlers.trainings.notices import notify_promoted
from handlers.widgets.choices import yes_no
from handlers.widgets.places import place_name
from handlers.widgets.words import words
from storage.aspirations import recent_aspirations
from storage.audit import RESIDENT, record
from storage.privacy import Erased, erase_resident, remove_photos, withdraw_consent
from storage.trainings import cancel_registration, registrations_of, waitlist_rank
from storage.workflow import answered_by_voice

SHOWN_ASPIRATIONS = 20


class Rights(Steps, flow="mydata"):
    CONFIRM_DELETE = "confirm_delete"
    CONFIRM_WITHDRAW = "confirm_withdraw"


class PhotosDraft(Draft):
    """Photos and voice notes of a form left unsent (``photo``, ``voice``: an
    aspiration's; ``photos``: the list of files gathered when /hapusdata or
    /tarikpersetujuan was asked), removed too."""

    photo: str | None = None
    voice: str | None = None
    photos: list[str] | None = None


def summary(ctx: Ctx) -> str:
    """Everything stored about the resident, in plain words."""
    resident, t, own = ctx.resident, ctx.t, resident_id(ctx)
    lines = [
        t("mydata.identity", identity=resident.identity),
        t("mydata.language", language=t(f"language.name_{resident.language}")),
    ]
    if resident.has_consent:
        assert resident.consent_at is not None
        lines += [
            t("mydata.name", name=resident.display_name or "-"),
            t("mydata.phone", phone=local_phone(resident.phone)),
            t("mydata.home", place=place_name(ctx, resident.home_kelurahan_code)),
            t("mydata.consent", when=t.datetime(resident.consent_at)),
            t("mydata.consent_version", version=resident.consent_version or "-"),
        ]
    else:
        lines.append(t("mydata.no_consent"))
    aspirations = recent_aspirations(session=ctx.session, resident_id=own, limit=SHOWN_ASPIRATIONS)
    lines += [t("mydata.aspirations") if aspirations else t("mydata.no_aspirations")]
    # their voice is kept: the aspiration's voice note, or an answer they spoke
    spoken = answered_by_voice(
        session=ctx.session, aspiration_ids=(a.id for a in aspirations if a.id)
    )
    lines += [
        f"• {a.code} · {category_label(ctx, a.category)} · "
        + resident_status(ctx.session, t, a.status, a.opd_code)
        + (f" · {t('mydata.voice_kept')}" if a.voice_path or a.id in spoken else "")
        for a in aspirations
    ]
    registrations = registrations_of(ctx.session, own)
    lines += [t("mydata.trainings")] if registrations else []
    for registration, program in registrations:
        rank = waitlist_rank(ctx.session, registration)
        status = t("mydata.training_waitlisted", rank=rank) if rank else None
        lines.append(
            t(
                "mydata.training_line",
                title=program.title,
                phone=local_phone(registration.phone),
                status=status or t("mydata.training_registered"),
            )
        )
    lines += forum_lines(ctx)
    return t("mydata.title") + "\n" + "\n".join(lines) + "\n\n" + t("mydata.footer")


def show(ctx: Ctx, args: str) -> None:
    """/datasaya, or /datasaya json for the same as a file."""
    if args.strip().casefold() in words(ctx.t, "json_file"):
        send_document(ctx)
    else:
        ctx.say(summary(ctx))


def start_delete(ctx: Ctx, _args: str = "") -> None:
    """/hapusdata: ask first; a draft's photo is remembered to be removed too."""
    _start(ctx, Rights.CONFIRM_DELETE)


def start_withdraw(ctx: Ctx, _args: str = "") -> None:
    """/tarikpersetujuan: ask first."""
    _start(ctx, Rights.CONFIRM_WITHDRAW)


def _start(ctx: Ctx, step: Rights) -> None:
    left = ctx.draft(PhotosDraft)
    photos = [p for p in (left.photo, left.voice, *(left.photos or ())) if p]
    ctx.goto(step)
    ctx.draft(PhotosDraft).photos = photos


def ask_delete(ctx: Ctx) -> Prompt:
    """What erasure does, and are you sure?"""
    options = yes_no(ctx.t, "mydata.delete_yes", "mydata.delete_no", values=("delete", "keep"))
    return Prompt(ctx.t("mydata.ask_delete"), options)


def on_delete(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "keep":
        ctx.note(ctx.t("mydata.kept"))
        ctx.goto(HOME)
        return
    _stop_using_data(ctx, "data_deleted", erase_resident)
    ctx.say(ctx.t("mydata.deleted"))
    ctx.forget()


def ask_withdraw(ctx: Ctx) -> Prompt:
    """What withdrawing consent does, and are you sure?"""
    options = yes_no(
        ctx.t, "privacy.withdraw_yes", "privacy.withdraw_no", values=("withdraw", "keep")
    )
    return Prompt(ctx.t("privacy.ask_withdraw"), options)


def on_withdraw(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "keep":
        ctx.note(ctx.t("privacy.withdraw_kept"))
    else:
        withdraw(ctx)
        ctx.note(ctx.t("privacy.withdrawn"))
    ctx.goto(HOME)


def withdraw(ctx: Ctx) -> None:
    """Stop processing the resident's personal data (also: a declined new notice)."""
    _stop_using_data(ctx, "consent_withdrawn", withdraw_consent)


def _stop_using_data(ctx: Ctx, action: str, erase: Callable[..., Erased]) -> None:
    """Erase (or withdraw): the resident's seats go to the waitlist, their photos
    and the files naming them go, and the audit says how much (never what)."""
    resident, files, own = ctx.resident, ctx.settings.files, resident_id(ctx)
    identity, channel, said = resident.identity, resident.channel, _said(ctx, own)
    cancelled = _give_up_seats(ctx, own)
    photos = ctx.draft(PhotosDraft).photos or []
    erased = erase(session=ctx.session, resident=resident, photos=photos)
    details = {
        "channel": channel,
        "aspirations_kept": erased.aspirations_kept,
        "registrations_cancelled": cancelled,
        "photos_removed": remove_photos(files, erased.photos),
        "files_removed": files.erase_files(identity, said) if files is not None else 0,
    }
    record(session=ctx.session, actor=RESIDENT, action=action, details=details, now=ctx.now)


def _said(ctx: Ctx, own: int) -> tuple[str, ...]:
    """What names the resident in a file, taken before the erasure clears it: the
    identity, chat id, name and phone, also as given when registering for a training."""
    resident = ctx.resident
    chat_id = resident.identity.partition(":")[2]
    said = [resident.identity, chat_id, resident.display_name, resident.phone]
    for registration, _program in registrations_of(ctx.session, own, active_only=False):
        said += [registration.full_name, registration.phone]
    return tuple(sorted({s for s in said if s}))


def _give_up_seats(ctx: Ctx, own: int) -> int:
    """Cancel the resident's registrations; their seats go to the waitlist."""
    registrations = registrations_of(ctx.session, own)
    for registration, _program in registrations:
        assert registration.id is not None
        done = cancel_registration(
            session=ctx.session, registration_id=registration.id, resident_id=None, now=ctx.now
        )
        notify_promoted(ctx.session, ctx.settings.translators, done.program, done.promoted, ctx.now)
    return len(registrations)


FLOW = Flow(
    steps={
        Rights.CONFIRM_DELETE: Step(ask_delete, on_delete, (HOME,)),
        Rights.CONFIRM_WITHDRAW: Step(ask_withdraw, on_withdraw, (HOME,)),
    },
    entries=(Rights.CONFIRM_WITHDRAW,),
)

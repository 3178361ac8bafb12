"""A resident's own data: ``/datasaya`` shows it, ``/hapusdata`` erases it."""

from __future__ import annotations

from handlers.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.places import place_name
from handlers.status import category_label
from handlers.training_notices import notify_promoted
from handlers.types import Option
from storage.aspirations import recent_aspirations
from storage.privacy import erase_resident
from storage.trainings import cancel_registration, registrations_of, waitlist_rank

SHOWN_ASPIRATIONS = 20


def summary(ctx: Ctx) -> str:
    """Everything stored about the resident, in plain words."""
    resident, t = ctx.resident, ctx.t
    lines = [
        t("mydata.identity", identity=resident.identity),
        t("mydata.language", language=t(f"language.name_{resident.language}")),
    ]
    if resident.has_consent:
        assert resident.consent_at is not None
        lines += [
            t("mydata.name", name=resident.display_name or "-"),
            t("mydata.phone", phone=resident.phone or "-"),
            t("mydata.home", place=place_name(ctx, resident.home_kelurahan_code)),
            t("mydata.consent", when=t.datetime(resident.consent_at)),
        ]
    else:
        lines.append(t("mydata.no_consent"))
    aspirations = []
    if resident.id is not None:
        aspirations = list(
            recent_aspirations(
                session=ctx.session, resident_id=resident.id, limit=SHOWN_ASPIRATIONS
            )
        )
    if aspirations:
        lines.append(t("mydata.aspirations"))
        lines += [
            f"• {a.code} · {category_label(ctx, a.category)} · {t(f'status.{a.status}')}"
            for a in aspirations
        ]
    else:
        lines.append(t("mydata.no_aspirations"))
    registrations = registrations_of(ctx.session, resident.id) if resident.id is not None else []
    if registrations:
        lines.append(t("mydata.trainings"))
        for registration, program in registrations:
            rank = waitlist_rank(ctx.session, registration)
            status = (
                t("mydata.training_waitlisted", rank=rank)
                if rank
                else t("mydata.training_registered")
            )
            lines.append(
                t(
                    "mydata.training_line",
                    title=program.title,
                    phone=registration.phone or "-",
                    status=status,
                )
            )
    return t("mydata.title") + "\n" + "\n".join(lines) + "\n\n" + t("mydata.footer")


def ask_delete(ctx: Ctx) -> Prompt:
    """What erasure does, and are you sure?"""
    return Prompt(
        ctx.t("mydata.ask_delete"),
        (
            Option("delete", ctx.t("mydata.delete_yes"), ("hapus", "ya", "yes", "delete")),
            Option("keep", ctx.t("mydata.delete_no"), ("batal", "tidak", "no", "cancel")),
        ),
    )


def on_delete(ctx: Ctx, answer: Answer) -> None:
    if answer.option == "keep":
        ctx.note(ctx.t("mydata.kept"))
        ctx.goto("menu")
        return
    ctx.session.flush()
    _give_up_seats(ctx)
    erase_resident(session=ctx.session, resident=ctx.resident)
    ctx.say(ctx.t("mydata.deleted"))
    ctx.forget()


def _give_up_seats(ctx: Ctx) -> None:
    """Cancel the resident's registrations; their seats go to the waitlist."""
    if ctx.resident.id is None:
        return
    for registration, _program in registrations_of(ctx.session, ctx.resident.id):
        assert registration.id is not None
        done = cancel_registration(
            session=ctx.session, registration_id=registration.id, resident_id=None, now=ctx.now
        )
        notify_promoted(ctx.session, ctx.settings.translators, done.program, done.promoted, ctx.now)


FLOW = Flow(
    name="mydata", start="confirm_delete", steps={"confirm_delete": Step(ask_delete, on_delete)}
)

"""Everything stored about one resident as one JSON document (``/datasaya json``),
and the forum parts of the readable summary."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from handlers.core.flow import Ctx
from storage.aspirations import status_history
from storage.audit import RESIDENT, record
from storage.clock import WIB
from storage.forums import subscriptions_of
from storage.models import Aspiration, ForumEvent, ForumRsvp
from storage.trainings import registrations_of
from storage.workflow import notes_of

SCOPES = ("kelurahan", "kecamatan", "kota")


def resident_id(ctx: Ctx) -> int:
    """The resident's row id (a resident first seen just now is written first)."""
    ctx.session.flush()
    assert ctx.resident.id is not None
    return ctx.resident.id


def rsvps_of(ctx: Ctx) -> list[tuple[ForumRsvp, ForumEvent]]:
    query = (
        select(ForumRsvp, ForumEvent)
        .join(ForumEvent, col(ForumEvent.id) == ForumRsvp.forum_id)
        .where(ForumRsvp.resident_id == resident_id(ctx))
        .order_by(col(ForumEvent.starts_at))
    )
    return [(r, f) for r, f in ctx.session.exec(query)]


def forum_lines(ctx: Ctx) -> list[str]:
    """Subscriptions, RSVPs and whether announcements reach the resident."""
    t, resident = ctx.t, ctx.resident
    lines = [
        t("mydata.announcements_off", when=t.datetime(resident.announcements_off_at))
        if resident.announcements_off_at
        else t("mydata.announcements_on")
    ]
    scopes = subscriptions_of(ctx.session, resident_id(ctx))
    if scopes:
        names = ", ".join(t(f"mydata.scope_{s}") for s in SCOPES if s in scopes)
        lines.append(t("mydata.subscriptions", scopes=names))
    rsvps = rsvps_of(ctx)
    if rsvps:
        lines.append(t("mydata.rsvps"))
        lines += [
            t(
                "mydata.rsvp_line",
                title=forum.title,
                when=t.datetime(forum.starts_at),
                answer=t(f"forum.rsvp_{rsvp.answer}"),
            )
            for rsvp, forum in rsvps
        ]
    return lines


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(WIB).isoformat() if moment else None


def _fields(row: object, names: str, **columns: str) -> dict[str, Any]:
    """The JSON fields ``names`` (in this order) from ``row``'s attributes of the
    same name, or of the name ``columns`` gives; moments as ISO 8601 in WIB."""
    found = {name: getattr(row, columns.get(name, name)) for name in names.split()}
    return {k: _iso(v) if isinstance(v, datetime) else v for k, v in found.items()}


def _aspiration(session: Session, aspiration: Aspiration) -> dict[str, Any]:
    history = status_history(session=session, aspiration_id=aspiration.id or 0)
    return {
        **_fields(
            aspiration,
            "code status category kecamatan kelurahan text anonymous",
            kecamatan="kecamatan_code",
            kelurahan="kelurahan_code",
        ),
        "has_photo": aspiration.photo_path is not None,
        "has_voice": aspiration.voice_path is not None,
        "voice_seconds": aspiration.voice_seconds,
        **_fields(aspiration, "latitude longitude created_at rating"),
        "status_history": [_fields(change, "status at note") for change in history],
        # what the city's units wrote back and what the resident answered when asked
        "notes": [
            {
                **_fields(note, "kind at text"),
                "has_photo": note.photo_path is not None,
                "has_voice": note.voice_path is not None,
                "voice_seconds": note.voice_seconds,
            }
            for note in notes_of(session=session, aspiration_id=aspiration.id or 0)
        ],
    }


def document(ctx: Ctx) -> dict[str, Any]:
    """Every record of the resident, with the same fields the tables hold."""
    resident, session, own = ctx.resident, ctx.session, resident_id(ctx)
    aspirations = session.exec(
        select(Aspiration).where(Aspiration.resident_id == own).order_by(col(Aspiration.created_at))
    ).all()
    registrations = registrations_of(session, own, active_only=False)
    return {
        **_fields(
            resident,
            "identity channel language name phone home_kecamatan home_kelurahan consent_at"
            " consent_version created_at last_seen_at announcements_off_at",
            name="display_name",
            home_kecamatan="home_kecamatan_code",
            home_kelurahan="home_kelurahan_code",
        ),
        "aspirations": [_aspiration(session, aspiration) for aspiration in aspirations],
        "training_registrations": [
            {
                "program": program.title,
                "starts_at": _iso(program.starts_at),
                **_fields(registration, "status full_name phone business_type registered_at"),
            }
            for registration, program in registrations
        ],
        "forum_subscriptions": sorted(subscriptions_of(session, own)),
        "forum_rsvps": [
            {
                "forum": forum.title,
                "starts_at": _iso(forum.starts_at),
                **_fields(rsvp, "answer answered_at"),
            }
            for rsvp, forum in rsvps_of(ctx)
        ],
    }


def send_document(ctx: Ctx) -> None:
    """Write the document to the file store and send it; the export is audited."""
    files = ctx.settings.files
    if files is None:
        ctx.say(ctx.t("mydata.json_unavailable"))
        return
    stamp = ctx.now.astimezone(WIB).strftime("%Y-%m-%d")
    reference, path = files.new_file(
        f"data-saya-{stamp}.json", ctx.now, owner=ctx.resident.identity
    )
    path.write_text(
        json.dumps(document(ctx), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    record(
        session=ctx.session,
        actor=RESIDENT,
        action="data_exported",
        details={"channel": ctx.resident.channel, "format": "json"},
        now=ctx.now,
    )
    ctx.say(ctx.t("mydata.json_ready"), document=reference)

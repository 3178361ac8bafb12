"""Everything stored about one resident as one JSON document (``/datasaya json``),
and the forum parts of the readable summary."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import col, select

from handlers.core.flow import Ctx
from storage.aspirations import status_history
from storage.audit import RESIDENT, record
from storage.clock import WIB
from storage.forums import subscriptions_of
from storage.models import Aspiration, ForumEvent, ForumRsvp
from storage.trainings import registrations_of

SCOPES = ("kelurahan", "kecamatan", "kota")


def rsvps_of(ctx: Ctx) -> list[tuple[ForumRsvp, ForumEvent]]:
    if ctx.resident.id is None:
        return []
    query = (
        select(ForumRsvp, ForumEvent)
        .join(ForumEvent, col(ForumEvent.id) == ForumRsvp.forum_id)
        .where(ForumRsvp.resident_id == ctx.resident.id)
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
    scopes = subscriptions_of(ctx.session, resident.id) if resident.id is not None else set()
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


def document(ctx: Ctx) -> dict[str, Any]:
    """Every record of the resident, with the same fields the tables hold."""
    resident, session = ctx.resident, ctx.session
    aspirations = (
        session.exec(
            select(Aspiration)
            .where(Aspiration.resident_id == resident.id)
            .order_by(col(Aspiration.created_at))
        ).all()
        if resident.id is not None
        else []
    )
    return {
        "identity": resident.identity,
        "channel": resident.channel,
        "language": resident.language,
        "name": resident.display_name,
        "phone": resident.phone,
        "home_kecamatan": resident.home_kecamatan_code,
        "home_kelurahan": resident.home_kelurahan_code,
        "consent_at": _iso(resident.consent_at),
        "consent_version": resident.consent_version,
        "created_at": _iso(resident.created_at),
        "last_seen_at": _iso(resident.last_seen_at),
        "announcements_off_at": _iso(resident.announcements_off_at),
        "aspirations": [
            {
                "code": a.code,
                "status": a.status,
                "category": a.category,
                "kecamatan": a.kecamatan_code,
                "kelurahan": a.kelurahan_code,
                "text": a.text,
                "anonymous": a.anonymous,
                "has_photo": a.photo_path is not None,
                "latitude": a.latitude,
                "longitude": a.longitude,
                "created_at": _iso(a.created_at),
                "rating": a.rating,
                "status_history": [
                    {"status": c.status, "at": _iso(c.at), "note": c.note}
                    for c in status_history(session=session, aspiration_id=a.id or 0)
                ],
            }
            for a in aspirations
        ],
        "training_registrations": [
            {
                "program": program.title,
                "starts_at": _iso(program.starts_at),
                "status": registration.status,
                "full_name": registration.full_name,
                "phone": registration.phone,
                "business_type": registration.business_type,
                "registered_at": _iso(registration.registered_at),
            }
            for registration, program in (
                registrations_of(session, resident.id, active_only=False)
                if resident.id is not None
                else []
            )
        ],
        "forum_subscriptions": sorted(
            subscriptions_of(session, resident.id) if resident.id is not None else set()
        ),
        "forum_rsvps": [
            {
                "forum": forum.title,
                "starts_at": _iso(forum.starts_at),
                "answer": rsvp.answer,
                "answered_at": _iso(rsvp.answered_at),
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

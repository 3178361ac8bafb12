"""Pengumuman: facilitators compose an announcement (text, optional photo, a
segment, now or at a WIB time), see it as residents will with the number of
recipients today, and confirm; the list shows each one's delivery figures, and a
scheduled one not yet due can be cancelled.

compose (GET /pengumuman) ──POST /pratinjau──▶ preview ──POST /kirim──▶ list
                              (errors: the form again, typed values kept)
                                                 └──POST /ubah──▶ compose, filled in

The rules are the chat's /umumkan (``handlers.announcements``): the same text
check, segments and labels, the same count (``recipients``), the same refusal to
send "now" to nobody, and ``create_announcement`` / ``cancel_announcement`` to
store. What residents receive is the text as written (``payload_of``): the chat
adds no footer, so neither does the preview.

The photo arrives in the one multipart form Konsol has; the body is limited to
``[media] max_photo_mb`` plus a little for the fields, only JPEG and PNG are
taken (by their first bytes, not the browser's word), and it is stored through
the chat's own ``MediaStore.store_bytes`` (metadata stripped, re-encoded). Between
preview and confirm only its reference travels, signed for this session, so a
form cannot name another file of the media folder (a resident's photo).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.konsol import uploads
from bot.konsol.announcement_draft import Checked, Draft, check_draft
from bot.media import AttachmentRefused, MediaStore
from handlers.announcements.audience import recipients, segment_label
from handlers.announcements.compose import KINDS
from handlers.announcements.delivery import FIGURES, state_label
from handlers.core.validation import Invalid
from storage.announcements import (
    AnnouncementError,
    Segment,
    cancel_announcement,
    create_announcement,
    payload_of,
)
from storage.audit import record
from storage.console_announcements import (
    composed,
    just_composed,
    recent_announcements,
    segment_forums,
    segment_programs,
)
from storage.limits import ANNOUNCEMENT
from storage.models import Announcement

if TYPE_CHECKING:
    from bot.konsol.app import Konsol, Visitor

logger = logging.getLogger(__name__)

LISTED = 30  # announcements on the page
FIELDS_BYTES = 64 * 1024  # the text and the other fields, besides the photo


def photo_ok(visitor: Visitor, draft: Draft) -> bool:
    return uploads.signed(visitor, draft.photo, draft.photo_sig)


def routes(k: Konsol) -> list[BaseRoute]:
    def media() -> MediaStore | None:
        files = k.settings.files
        return files if isinstance(files, MediaStore) else None

    def check(
        session: Session, visitor: Visitor, draft: Draft
    ) -> tuple[Checked | None, dict[str, str]]:
        return check_draft(session, draft, t=k.t(visitor), wilayah=k.settings.wilayah, now=k.now())

    def choices(session: Session) -> dict[str, Any]:
        now = k.now()
        return {
            "kinds": KINDS,
            "kecamatan": k.settings.wilayah.kecamatan,
            "programs": segment_programs(session=session, now=now),
            "forums": segment_forums(session=session, now=now),
            "photos": media() is not None,
            "caption": ANNOUNCEMENT.caption,
            "maximum": ANNOUNCEMENT.text.maximum,
            "max_mb": limit_mb(),
        }

    def listing(session: Session, visitor: Visitor) -> dict[str, Any]:
        t, now = k.t(visitor), k.now()
        rows = []
        for stats in recent_announcements(session=session, limit=LISTED):
            a = stats.announcement
            segment = Segment(a.segment_kind, a.segment_value)
            rows.append(
                {
                    "a": a,
                    "state": state_label(t, a, stats, now),
                    "segment": segment_label(t, session, k.settings.wilayah, segment),
                    "figures": {status: stats[status] for status in FIGURES},
                    "cancellable": a.status == "scheduled" and a.send_at > now,
                }
            )
        return {"rows": rows}

    async def compose_page(
        visitor: Visitor,
        draft: Draft,
        problems: dict[str, str] | None = None,
        notice: str = "",
        status: int = 200,
    ) -> Response:
        """The form (filled in with ``draft``) above the recent announcements."""

        def values(session: Session) -> dict[str, Any]:
            segment = draft.as_segment()
            live = str(recipients(session, segment)) if segment.kind in KINDS else "–"
            return {**choices(session), **listing(session, visitor), "live": live}

        found = await k.work(values)
        return k.page(
            "pengumuman.html",
            visitor,
            status=status,
            active="pengumuman",
            draft=draft,
            problems=problems or {},
            notice=notice,
            **found,
        )

    def too_large(visitor: Visitor) -> Response:
        title, text = "konsol.pengumuman.too_large_title", "konsol.pengumuman.too_large"
        return k.message(title, text, 413, visitor, mb=limit_mb())

    async def keep_photo(visitor: Visitor, upload: UploadFile) -> str:
        """The photo stored as chat stores one; Invalid with the reason otherwise."""
        store = media()
        if store is None:
            raise Invalid("konsol.pengumuman.photo_unavailable")
        data = await upload.read(store.max_bytes + 1)
        if len(data) > store.max_bytes:
            raise Invalid("attachment.too_large")
        if uploads.sniffed(data) is None:
            raise Invalid("konsol.pengumuman.photo_not_image")
        try:
            reference = await run_in_threadpool(store.store_bytes, data, k.now())
        except AttachmentRefused as refused:
            raise Invalid(f"attachment.{refused.reason}") from None
        logger.info("announcement photo stored by %s", visitor.identity)
        return reference

    async def pengumuman(request: Request, visitor: Visitor) -> Response:
        shown = request.query_params.get("ok", "")
        notice = ""
        number = request.query_params.get("id", "")
        if shown in ("sent", "scheduled", "cancelled", "repeat") and number.isdigit():
            notice = k.t(visitor)(f"konsol.pengumuman.done_{shown}", id=number[:12])
        return await compose_page(visitor, Draft(), notice=notice)

    async def pratinjau(request: Request, visitor: Visitor) -> Response:
        store = media()
        fields, upload = await uploads.read_with_file(
            k,
            request,
            visitor,
            limit=FIELDS_BYTES + (store.max_bytes if store else 0),
            file="photo",
            too_large=too_large(visitor),
        )
        draft = Draft.of(fields)
        if draft.photo and not photo_ok(visitor, draft):
            draft = replace(draft, photo="", photo_sig="")
        if fields.get("drop_photo"):
            draft = replace(draft, photo="", photo_sig="")
        problems: dict[str, str] = {}
        if upload is not None:
            try:
                reference = await keep_photo(visitor, upload)
                draft = replace(
                    draft, photo=reference, photo_sig=uploads.signature(visitor, reference)
                )
            except Invalid as invalid:
                problems["photo"] = k.t(visitor)(invalid.key, mb=limit_mb())
            finally:
                await upload.close()
        return await preview_or_form(visitor, draft, problems)

    def limit_mb() -> str:
        store = media()
        megabytes = f"{(store.max_bytes if store else 0) / (1024 * 1024):.1f}"
        return megabytes.removesuffix(".0")

    async def preview_or_form(visitor: Visitor, draft: Draft, problems: dict[str, str]) -> Response:
        def look(session: Session) -> dict[str, Any] | None:
            checked, found = check(session, visitor, draft)
            problems.update(found)
            if checked is None or problems:
                return None
            t = k.t(visitor)
            count = recipients(session, checked.segment)
            sample = Announcement(text=checked.text, photo=draft.photo or None, segment_kind="")
            return {
                "message": payload_of(sample, checked.text)["text"],
                "count": count,
                "nobody": count == 0 and checked.send_at is None,
                "segment": segment_label(t, session, k.settings.wilayah, checked.segment),
                "when": t.datetime(checked.send_at) if checked.send_at else "",
            }

        found = await k.work(look)
        if found is None:
            return await compose_page(visitor, draft, problems, status=400)
        return k.page(
            "pengumuman_pratinjau.html",
            visitor,
            active="pengumuman",
            draft=draft,
            hidden=asdict(draft),
            **found,
        )

    async def ubah(request: Request, visitor: Visitor) -> Response:
        draft = Draft.of(await k.form(request, visitor))
        if draft.photo and not photo_ok(visitor, draft):
            draft = replace(draft, photo="", photo_sig="")
        return await compose_page(visitor, draft)

    def photo_gone(draft: Draft) -> bool:
        """A preview's photo that the daily job has since removed, unsent for longer
        than ``[privacy] file_hours``: the facilitator chooses it again."""
        store = media()
        return bool(draft.photo) and (store is None or not store.path_of(draft.photo).is_file())

    async def kirim(request: Request, visitor: Visitor) -> Response:
        draft = Draft.of(await k.form(request, visitor))
        if draft.photo and not photo_ok(visitor, draft):
            return k.not_found(visitor)
        if photo_gone(draft):
            problem = k.t(visitor)("konsol.pengumuman.photo_gone")
            draft = replace(draft, photo="", photo_sig="")
            return await compose_page(visitor, draft, {"photo": problem}, status=400)

        def store(session: Session) -> tuple[Announcement | None, dict[str, str]]:
            checked, problems = check(session, visitor, draft)
            if checked is None:
                return None, problems
            now = k.now()
            earlier = just_composed(
                session=session,
                actor=visitor.identity,
                text=checked.text,
                segment=(checked.segment.kind, checked.segment.value),
                photo=draft.photo or None,
                now=now,
            )
            if earlier is not None:
                return earlier, {"repeat": "1"}
            if recipients(session, checked.segment) == 0 and checked.send_at is None:
                return None, {"segment": k.t(visitor)("konsol.pengumuman.nobody")}
            announcement = create_announcement(
                session=session,
                text=checked.text,
                segment=checked.segment,
                send_at=checked.send_at or now,
                actor=visitor.identity,
                now=now,
                photo=draft.photo or None,
            )
            record(
                session=session,
                actor=visitor.identity,
                action="announcement_create",
                details={
                    "via": "konsol",
                    "id": announcement.id,
                    "segment": checked.segment.kind,
                    "value": checked.segment.value,
                    "send_at": announcement.send_at.isoformat(),
                    "photo": bool(draft.photo),
                },
                now=now,
            )
            return announcement, {}

        announcement, problems = await k.work(store)
        if announcement is None:
            return await compose_page(visitor, draft, problems, status=400)
        done = "sent" if draft.when == "now" else "scheduled"
        if "repeat" in problems:  # sent twice: the first one stands, nothing new
            done = "repeat"
        return k.back_to(f"/konsol/pengumuman?ok={done}&id={announcement.id}")

    async def batal(request: Request, visitor: Visitor) -> Response:
        await k.form(request, visitor)
        number = int(request.path_params["number"])

        def cancel(session: Session) -> str | None:
            if composed(session=session, announcement_id=number) is None:
                return None
            now = k.now()
            try:
                cancel_announcement(session=session, announcement_id=number, now=now)
            except AnnouncementError as problem:
                return problem.reason
            record(
                session=session,
                actor=visitor.identity,
                action="announcement_cancel",
                details={"via": "konsol", "id": number},
                now=now,
            )
            return "done"

        outcome = await k.work(cancel)
        if outcome is None:
            return k.not_found(visitor)
        if outcome == "done":
            return k.back_to(f"/konsol/pengumuman?ok=cancelled&id={number}")
        # cancelled meanwhile by someone else, or its time came while the page sat open
        key = "konsol.pengumuman.too_late" if outcome == "started" else "announce.already_cancelled"
        notice = k.t(visitor)(key, id=str(number))
        return await compose_page(visitor, Draft(), notice=notice, status=409)

    async def jumlah(request: Request, visitor: Visitor) -> Response:
        """The number of recipients today for the segment chosen (htmx, on change)."""
        draft = Draft.of(dict(request.query_params))

        def count(session: Session) -> str:
            segment = draft.as_segment()
            if segment.kind not in KINDS:
                return "–"
            return str(recipients(session, segment))

        return PlainTextResponse(await k.work(count))

    async def foto(request: Request, visitor: Visitor) -> Response:
        """A photo uploaded in this session, for its preview (signed reference only)."""
        draft = Draft(
            photo=request.query_params.get("ref", ""),
            photo_sig=request.query_params.get("sig", ""),
        )
        store = media()
        suffix = "." + draft.photo.rpartition(".")[2]
        if store is None or not photo_ok(visitor, draft) or suffix not in uploads.IMAGE_TYPES:
            return k.not_found(visitor)
        path = store.path_of(draft.photo)
        if not path.is_file():
            return k.not_found(visitor)
        return FileResponse(
            path,
            media_type=uploads.IMAGE_TYPES[suffix],
            filename=f"pengumuman{suffix}",
            content_disposition_type="inline",
        )

    guard = k.guard
    return [
        Route("/pengumuman", guard("pengumuman", pengumuman), methods=["GET"]),
        Route("/pengumuman/jumlah", guard("pengumuman", jumlah), methods=["GET"]),
        Route("/pengumuman/foto", guard("pengumuman", foto), methods=["GET"]),
        Route("/pengumuman/pratinjau", guard("pengumuman", pratinjau), methods=["POST"]),
        Route("/pengumuman/ubah", guard("pengumuman", ubah), methods=["POST"]),
        Route("/pengumuman/kirim", guard("pengumuman", kirim), methods=["POST"]),
        Route("/pengumuman/{number:int}/batal", guard("pengumuman", batal), methods=["POST"]),
    ]

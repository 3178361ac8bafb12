"""Aspirasi, one aspiration: ``/konsol/aspirasi/{CODE}`` shows it in full and
moves it on; its photos come through routes that check the session and the
scope again (never a public path).

- ``GET  /aspirasi/{CODE}``: the page (``?ok=…`` names a notice from the catalog;
  nothing from the URL is shown as is).
- ``POST /aspirasi/{CODE}/status``: one of the allowed next statuses, with a
  note, through ``bot.konsol.moves.apply_move`` only; refused forms come back
  with what was typed and why (a stale form: who changed it and when).
- ``POST /aspirasi/{CODE}/tindak-lanjut``: a unit officer's follow-up the
  resident reads (``storage.workflow.add_follow_up`` + ``tell_follow_up``).
- ``GET  /aspirasi/{CODE}/foto`` and ``/catatan/{ID}/foto``: the photo, inline.
- ``GET  /aspirasi/{CODE}/suara`` and ``/catatan/{ID}/suara`` (a resident's
  spoken answer): the voice note, inline for the page's player, as a download
  with ``?unduh=1``; same checks as the photo.

An aspiration outside the visitor's scope answers exactly as one that does not
exist (``Konsol.not_found``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from bot.konsol.aspiration_view import build
from bot.konsol.moves import Move, Moved, apply_move, in_scope
from bot.konsol.roles import aspiration_units
from bot.voices import CONTENT_TYPES
from handlers.core.notifications import tell_follow_up
from handlers.core.validation import Invalid, check_comment
from storage.aspirations import find_aspiration, normalise_tracking_code
from storage.console_detail import aspiration_record, note_of
from storage.models import Aspiration
from storage.opd import units_of
from storage.workflow import OFFICER_MOVES, add_follow_up, events_of

if TYPE_CHECKING:
    from bot.konsol.app import Konsol, Visitor

logger = logging.getLogger(__name__)

# ``?ok=`` → the notice shown after a form went through
NOTICES = {
    "moved": "konsol.detail.moved_told",
    "moved_untold": "konsol.detail.moved_untold",
    "follow_up": "konsol.detail.follow_up_told",
    "follow_up_untold": "konsol.detail.follow_up_untold",
}
VOICE_TYPES = CONTENT_TYPES  # a voice note as kept (bot.voices)
PHOTO_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
}


@dataclass(frozen=True)
class Typed:
    """What the person typed into the forms, given back when one is refused."""

    note: str = ""
    opd: str = ""
    grade: str = ""
    original: str = ""
    follow_up: str = ""


def scoped(session: Session, visitor: Visitor, code: str) -> tuple[Aspiration, Any] | None:
    """The aspiration ``code`` and the visitor's scope, or None when they may not
    see it (or it does not exist: the same answer)."""
    units = aspiration_units(session=session, identity=visitor.identity, roles=visitor.roles)
    wanted = normalise_tracking_code(code)
    aspiration = find_aspiration(session=session, code=wanted) if wanted else None
    if aspiration is None or not in_scope(aspiration, units):
        return None
    return aspiration, units


def routes(k: Konsol) -> list[BaseRoute]:
    async def show(
        visitor: Visitor,
        code: str,
        *,
        notice: str | None = None,
        problem: str | None = None,
        typed: Typed = Typed(),
        status: int = 200,
    ) -> Response:
        t = k.t(visitor)

        def read(session: Session) -> dict[str, Any] | None:
            found = scoped(session, visitor, code)
            if found is None:
                return None
            aspiration, _ = found
            officer = "petugas_opd" in visitor.roles
            view = build(
                record=aspiration_record(session=session, aspiration=aspiration),
                events=events_of(session=session, aspiration=aspiration),
                settings=k.settings,
                t=t,
                roles=visitor.roles,
                officer_units=units_of(session=session, identity=visitor.identity)
                if officer
                else frozenset(),
                now=k.now(),
            )
            return {"view": view}

        values = await k.work(read)
        if values is None:
            return k.not_found(visitor)
        return k.page(
            "aspirasi_detail.html",
            visitor,
            status=status,
            active="aspirasi",
            notice=t(notice) if notice else None,
            problem=problem,
            typed=typed,
            tiles=k.web.map_tiles,
            attribution=k.web.map_attribution,
            **values,
        )

    async def detail(request: Request, visitor: Visitor) -> Response:
        notice = NOTICES.get(request.query_params.get("ok", ""))
        return await show(visitor, request.path_params["code"], notice=notice)

    async def move(request: Request, visitor: Visitor) -> Response:
        fields = await k.form(request, visitor)
        code = request.path_params["code"]
        t = k.t(visitor)
        typed = Typed(
            note=fields.get("note", ""),
            opd=fields.get("opd", ""),
            grade=fields.get("grade", ""),
            original=fields.get("original", ""),
        )
        note = typed.note
        if note.strip():
            try:
                note = check_comment(note)
            except Invalid as invalid:
                problem = t(invalid.key, **invalid.params)
                return await show(visitor, code, problem=problem, typed=typed, status=422)
        wanted = Move(
            code=code,
            status=fields.get("status", ""),
            note=note,
            seen_status=fields.get("seen_status", ""),
            seen_opd=fields.get("seen_opd", ""),
            opd=typed.opd or None,
            grade=typed.grade or None,
            original=typed.original or None,
        )

        def run(session: Session) -> tuple[Moved, bool]:
            units = aspiration_units(
                session=session, identity=visitor.identity, roles=visitor.roles
            )
            moved = apply_move(
                session,
                k.settings,
                wanted,
                actor=visitor.identity,
                roles=visitor.roles,
                units=units,
                now=k.now(),
            )
            after = find_aspiration(session=session, code=moved.code) if moved.ok else None
            return moved, in_scope(after, units)

        moved, still = await k.work(run)
        if moved.problem == "not_found":
            return k.not_found(visitor)
        if moved.ok:
            ok = "moved" if moved.told else "moved_untold"
            if not still:  # an officer handed it back: it is no longer theirs to open
                return k.back_to(f"/konsol/aspirasi?ok={ok}")
            return k.back_to(f"/konsol/aspirasi/{moved.code}?ok={ok}")
        logger.info("Konsol move of %s refused: %s", moved.code, moved.problem)
        status = 409 if moved.problem == "stale" else 422
        return await show(
            visitor, code, problem=refusal(k, visitor, moved), typed=typed, status=status
        )

    async def follow_up(request: Request, visitor: Visitor) -> Response:
        fields = await k.form(request, visitor)
        code = request.path_params["code"]
        t = k.t(visitor)
        typed = Typed(follow_up=fields.get("text", ""))
        try:
            text = check_comment(typed.follow_up)
        except Invalid as invalid:
            problem = t(invalid.key, **invalid.params)
            return await show(visitor, code, problem=problem, typed=typed, status=422)
        seen = (fields.get("seen_status", ""), fields.get("seen_opd", ""))

        def run(session: Session) -> str:
            found = scoped(session, visitor, code)
            if found is None or "petugas_opd" not in visitor.roles:
                return "not_found"
            aspiration, _ = found
            mine = units_of(session=session, identity=visitor.identity)
            if aspiration.opd_code not in mine:
                return "not_found"
            if (aspiration.status, aspiration.opd_code or "") != seen:
                return "stale"
            if aspiration.status not in OFFICER_MOVES:
                return "stale"
            add_follow_up(
                session=session,
                aspiration=aspiration,
                actor=visitor.identity,
                opd_code=aspiration.opd_code,
                text=text,
                now=k.now(),
                clock=k.settings.clock,
            )
            told = tell_follow_up(session, k.settings, aspiration, text, k.now())
            return "follow_up" if told else "follow_up_untold"

        outcome = await k.work(run)
        if outcome == "not_found":
            return k.not_found(visitor)
        if outcome == "stale":
            problem = t("konsol.detail.follow_up_stale")
            return await show(visitor, code, problem=problem, typed=typed, status=409)
        return k.back_to(f"/konsol/aspirasi/{normalise_tracking_code(code)}?ok={outcome}")

    async def photo(request: Request, visitor: Visitor) -> Response:
        code = request.path_params["code"]
        note_id: int | None = request.path_params.get("note")

        def find(session: Session) -> tuple[str, str] | None:
            found = scoped(session, visitor, code)
            if found is None:
                return None
            aspiration, _ = found
            if note_id is None:
                return (aspiration.photo_path, aspiration.code) if aspiration.photo_path else None
            note = note_of(session=session, aspiration=aspiration, note_id=note_id)
            if note is None or not note.photo_path:
                return None
            return note.photo_path, f"{aspiration.code}-catatan-{note_id}"

        found = await k.work(find)
        path = stored_photo(k, found[0]) if found else None
        if found is None or path is None:
            return k.not_found(visitor)
        return FileResponse(
            path,
            media_type=PHOTO_TYPES[path.suffix.lower()],
            filename=found[1] + path.suffix.lower(),
            content_disposition_type="inline",
        )

    async def voice(request: Request, visitor: Visitor) -> Response:
        """The resident's voice note (the aspiration's, or an answer's), for the
        page's player; ``?unduh=1`` downloads it."""
        code = request.path_params["code"]
        note_id: int | None = request.path_params.get("note")

        def find(session: Session) -> tuple[str, str] | None:
            found = scoped(session, visitor, code)
            if found is None:
                return None
            aspiration, _ = found
            if note_id is None:
                kept = aspiration.voice_path
                return (kept, aspiration.code) if kept else None
            note = note_of(session=session, aspiration=aspiration, note_id=note_id)
            if note is None or not note.voice_path:
                return None
            return note.voice_path, f"{aspiration.code}-catatan-{note_id}"

        found = await k.work(find)
        path = stored_file(k, found[0], VOICE_TYPES) if found else None
        if found is None or path is None:
            return k.not_found(visitor)
        suffix = path.suffix.lower()
        return FileResponse(
            path,
            media_type=VOICE_TYPES[suffix],
            filename=f"{found[1]}-pesan-suara{suffix}",
            content_disposition_type="attachment"
            if request.query_params.get("unduh")
            else "inline",
        )

    return [
        Route("/aspirasi/{code}", k.guard("aspirasi", detail), methods=["GET"]),
        Route("/aspirasi/{code}/status", k.guard("aspirasi", move), methods=["POST"]),
        Route("/aspirasi/{code}/tindak-lanjut", k.guard("aspirasi", follow_up), methods=["POST"]),
        Route("/aspirasi/{code}/foto", k.guard("aspirasi", photo), methods=["GET"]),
        Route("/aspirasi/{code}/suara", k.guard("aspirasi", voice), methods=["GET"]),
        Route(
            "/aspirasi/{code}/catatan/{note:int}/foto",
            k.guard("aspirasi", photo),
            methods=["GET"],
        ),
        Route(
            "/aspirasi/{code}/catatan/{note:int}/suara",
            k.guard("aspirasi", voice),
            methods=["GET"],
        ),
    ]


def stored_photo(k: Konsol, reference: str) -> Path | None:
    """The photo's file in the media store; None when there is no store, the file
    is gone, it is not a photo, or the reference points outside the store."""
    return stored_file(k, reference, PHOTO_TYPES)


def stored_file(k: Konsol, reference: str, types: Mapping[str, str]) -> Path | None:
    """A resident's file in the media store, of one of ``types`` (by suffix)."""
    files = k.settings.files
    if files is None:
        return None
    path = files.path_of(reference).resolve()
    root = files.path_of("").resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    if path.suffix.lower() not in types:
        return None
    return path


def refusal(k: Konsol, visitor: Visitor, moved: Moved) -> str:
    """Why a move was refused, in the visitor's language."""
    t = k.t(visitor)
    if moved.problem == "stale":
        if moved.at is None:
            return t("konsol.detail.stale_unknown")
        who = t("konsol.detail.by_resident") if moved.by in (None, "resident") else moved.by
        return t("konsol.detail.stale", who=who, when=t.datetime(moved.at))
    known = {
        "illegal",
        "reason_required",
        "unit_missing",
        "unit_unknown",
        "unit_inactive",
        "unit_same",
        "original_unknown",
        "original_spam",
    }
    key = moved.problem if moved.problem in known else "other"
    return t(f"konsol.detail.problem.{key}")

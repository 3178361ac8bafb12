"""Ekspor: a data set, a format and filters → the file, downloaded.

The file is written by the same export the chat's /ekspor and ``siantar export``
use (``storage.exports.export``: its privacy rules, e.g. no anonymous resident's
name or identity, its columns and formats), into a temporary file that is sent
and then deleted; the export is audited (action ``export``, ``via: konsol``)
with the identity, the filters and the number of rows, as chat and CLI do.

Who may take which data set: aspirations are staff work; training registrations
and forum RSVPs belong to the facilitators who run them, and city staff may take
them too, as in chat (/ekspor is a staff command offering all three, and
DESIGN.md gives staff all three exports). A data set the visitor may not take
answers 404, like a missing one.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from bot.konsol.roles import may
from storage.audit import record
from storage.clock import WIB
from storage.exports import (
    EXPORT_KINDS,
    FORMATS,
    REGISTRATION_STATUSES,
    AspirationFilter,
    ExportError,
    check_export,
    export,
)
from storage.models import ASPIRATION_STATUSES

if TYPE_CHECKING:
    from bot.konsol.app import Konsol, Visitor

logger = logging.getLogger(__name__)

# who may take each data set (an admin holds every role)
KIND_ROLES: dict[str, tuple[str, ...]] = {
    "aspirations": ("staff",),
    "registrations": ("staff", "facilitator"),
    "rsvps": ("staff", "facilitator"),
}
# the filters each data set understands (storage.exports refuses the others)
APPLIES: dict[str, frozenset[str]] = {
    "aspirations": frozenset({"status", "category", "kecamatan"}),
    "registrations": frozenset({"status", "kecamatan"}),
    "rsvps": frozenset({"kecamatan"}),
}
STATUSES: dict[str, tuple[str, ...]] = {
    "aspirations": ASPIRATION_STATUSES,
    "registrations": REGISTRATION_STATUSES,
}
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
FILTERS = ("status", "category", "kecamatan")


def kinds_for(roles: frozenset[str]) -> tuple[str, ...]:
    """The data sets someone holding ``roles`` may export."""
    return tuple(k for k in EXPORT_KINDS if any(may(roles, r) for r in KIND_ROLES[k]))


@dataclass(frozen=True)
class Choice:
    """The form as typed (kept for a redraw)."""

    kind: str = ""
    format: str = "xlsx"
    since: str = ""
    until: str = ""
    status: str = ""
    category: str = ""
    kecamatan: str = ""

    @classmethod
    def of(cls, fields: dict[str, str]) -> Choice:
        return cls(**{n: fields.get(n, "").strip() for n in cls.__dataclass_fields__})


def routes(k: Konsol) -> list[BaseRoute]:
    def form_page(
        visitor: Visitor, choice: Choice, problems: dict[str, str] | None = None, status: int = 200
    ) -> Response:
        kinds = kinds_for(visitor.roles)
        if not choice.kind and kinds:
            choice = Choice(kind=kinds[0])
        return k.page(
            "ekspor.html",
            visitor,
            status=status,
            active="ekspor",
            choice=choice,
            kinds=kinds,
            formats=FORMATS,
            statuses=STATUSES,
            categories=[c.key for c in k.settings.categories],
            kecamatan=k.settings.wilayah.kecamatan,
            problems=problems or {},
        )

    def filters_of(visitor: Visitor, choice: Choice) -> tuple[AspirationFilter, dict[str, str]]:
        """The export's filter, or problems by field name in the visitor's words."""
        t = k.t(visitor)
        problems: dict[str, str] = {}
        days: dict[str, date | None] = {}
        for name in ("since", "until"):
            raw = getattr(choice, name)
            try:
                days[name] = date.fromisoformat(raw) if raw else None
            except ValueError:
                problems[name] = t("konsol.ekspor.bad_date")
        since, until = days.get("since"), days.get("until")
        if since and until and since > until:
            problems["until"] = t("konsol.ekspor.until_before_since")
        if choice.format not in FORMATS:
            problems["format"] = t("konsol.ekspor.bad_format")
        kind_label = t(f"export.kind_{choice.kind}")
        for name in FILTERS:
            if getattr(choice, name) and name not in APPLIES[choice.kind]:
                problems[name] = t(f"konsol.ekspor.not_for_{name}", kind=kind_label)
        known = STATUSES.get(choice.kind, ())
        if choice.status and "status" not in problems and choice.status not in known:
            problems["status"] = t("konsol.ekspor.not_for_status", kind=kind_label)
        wanted = AspirationFilter(
            since=since,
            until=until,
            status=choice.status or None,
            category=choice.category or None,
            kecamatan=choice.kecamatan or None,
        )
        if not problems:
            try:
                check_export(choice.kind, fmt=choice.format, filters=wanted)
            except ExportError as refused:  # one the checks above did not foresee
                problems["kind"] = t("konsol.ekspor.refused", reason=str(refused))
        return wanted, problems

    async def ekspor(request: Request, visitor: Visitor) -> Response:
        return form_page(visitor, Choice())

    async def unduh(request: Request, visitor: Visitor) -> Response:
        choice = Choice.of(await k.form(request, visitor))
        if choice.kind not in kinds_for(visitor.roles):
            return k.not_found(visitor)  # unknown, or not theirs: the same answer
        wanted, problems = filters_of(visitor, choice)
        if problems:
            return form_page(visitor, choice, problems, status=400)
        fmt = choice.format
        handle, name = tempfile.mkstemp(prefix="konsol-ekspor-", suffix=f".{fmt}")
        path = Path(name)

        def write() -> int:
            with os.fdopen(handle, "wb") as out:
                return export(choice.kind, engine=k.db, fmt=fmt, out=out, filters=wanted)  # type: ignore[arg-type]

        try:
            count = await run_in_threadpool(write)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        now = k.now()
        details: dict[str, Any] = {
            "via": "konsol",
            "kind": choice.kind,
            "format": fmt,
            "filters": {
                n: v for n, v in asdict(choice).items() if v and n not in ("kind", "format")
            },
            "rows": count,
        }

        def audit(session: Session) -> None:
            record(
                session=session, actor=visitor.identity, action="export", details=details, now=now
            )

        try:
            await k.work(audit)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        logger.info(
            "konsol export of %s (%s) by %s: %d rows", choice.kind, fmt, visitor.identity, count
        )
        stamp = now.astimezone(WIB).strftime("%Y-%m-%d")
        filename = f"{k.t(visitor)(f'export.file_{choice.kind}')}-{stamp}.{fmt}"
        return FileResponse(
            path,
            media_type=CONTENT_TYPES[fmt],
            filename=filename,
            background=BackgroundTask(path.unlink, missing_ok=True),
        )

    return [
        Route("/ekspor", k.guard("ekspor", ekspor), methods=["GET"]),
        Route("/ekspor/unduh", k.guard("ekspor", unduh), methods=["POST"]),
    ]

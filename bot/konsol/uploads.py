"""A Konsol form that carries a file (an announcement's photo): read with the
same care as ``Konsol.form`` (Origin, CSRF, a body limit known before parsing),
the file sniffed by its first bytes, and its stored reference signed so that it
can travel through a later form without naming any other stored file.

Starlette parses the multipart body (``python-multipart``, its own parser); the
body is read first under a limit (``bot.webhook_body.read_body``), because
neither Starlette nor uvicorn limits a request's size, and is then handed to the
parser from memory.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any, NoReturn

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from bot.konsol import security
from bot.webhook_body import BodyRefused, read_body

if TYPE_CHECKING:
    from bot.konsol.app import Konsol, Visitor

MAX_FIELDS = 20  # a form's few fields; more is not a form of ours
SIGNATURES = {b"\xff\xd8\xff": ".jpg", b"\x89PNG\r\n\x1a\n": ".png"}
IMAGE_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}


def refuse(response: Response) -> NoReturn:
    from bot.konsol.app import Refused

    raise Refused(response)


async def read_with_file(
    k: Konsol, request: Request, visitor: Visitor, *, limit: int, file: str, too_large: Response
) -> tuple[dict[str, str], UploadFile | None]:
    """The form's text fields and its one file named ``file`` (None when none was
    chosen), or ``Refused``: another site's Origin or a bad CSRF token (403), a
    body over ``limit`` bytes (``too_large``). Takes url-encoded forms too."""
    if not k.same_origin(request):
        refuse(k.message("konsol.web.refused_title", "konsol.web.csrf_bad", 403))
    try:
        body = await read_body(request, limit)
    except BodyRefused as refused:
        refuse(too_large if refused.status == 413 else Response(refused.reason, refused.status))
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(request.scope, replay).form(max_files=1, max_fields=MAX_FIELDS)
    fields: dict[str, str] = {}
    upload: UploadFile | None = None
    for name, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(name, value)
        elif name == file and value.filename:
            upload = value
    if not security.csrf_ok(visitor.session_id, fields.get("csrf", "")):
        if upload is not None:
            await upload.close()
        refuse(k.message("konsol.web.refused_title", "konsol.web.csrf_bad", 403, visitor))
    return fields, upload


def sniffed(data: bytes) -> str | None:
    """``.jpg`` or ``.png`` when the bytes begin as such a file does; else None
    (whatever the browser said the file was)."""
    return next((suffix for magic, suffix in SIGNATURES.items() if data.startswith(magic)), None)


def signature(visitor: Visitor, reference: str) -> str:
    """Ties a stored file's reference to this session: a form can carry back only
    a reference this session was given."""
    key = visitor.session_id.encode()
    return hmac.new(key, b"konsol-file:" + reference.encode(), hashlib.sha256).hexdigest()


def signed(visitor: Visitor, reference: str, given: str) -> bool:
    return bool(reference) and hmac.compare_digest(signature(visitor, reference), given)

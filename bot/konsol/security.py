"""What guards every Konsol response and form: security headers, the session
cookie, the CSRF token and a small body limit.

- Headers on every ``/konsol`` response (pages, static files, errors): a
  Content-Security-Policy allowing scripts and styles from the site only (no
  inline ones), no framing, a referrer only to Konsol itself (a login token in a
  URL must not leak to another site; ``no-referrer`` would make browsers send
  ``Origin: null`` on our own forms, which the Origin check must refuse),
  no MIME sniffing; pages are not cached.
- The cookie holds the session id (only its hash is stored): HttpOnly,
  SameSite=Lax, Secure when ``[web] public_url`` is https, path ``/konsol/``.
- The CSRF token is derived from the session id (an HMAC of it), so it is per
  session, needs no column, and cannot be worked out from the stored hash.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.webhook_body import read_body

COOKIE = "konsol_sesi"
COOKIE_PATH = "/konsol/"
FORM_MAX_BYTES = 64 * 1024  # a console form is a few fields
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def policy(tile_origin: str = "") -> str:
    """The Content-Security-Policy; images may also come from the map's tile
    server (``[web] map_tiles``, e.g. ``https://tile.openstreetmap.org``)."""
    return CSP.format(tiles=f" {tile_origin}" if tile_origin else "")


HEADERS = (
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
)


class SecurityHeaders:
    """ASGI middleware: the headers above on every response of the wrapped app;
    ``Cache-Control: no-store`` on all but static files."""

    def __init__(self, app: ASGIApp, csp: str = policy()) -> None:
        self.app = app
        self.headers = ((b"content-security-policy", csp.encode()), *HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = "/static/" in scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in self.headers} | {b"cache-control"}
                headers = [(k, v) for k, v in message.get("headers", []) if k not in names]
                headers += self.headers
                if not static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def csrf_token(session_id: str) -> str:
    """The session's CSRF token, put in a hidden field of every form."""
    return hmac.new(session_id.encode(), b"konsol-csrf", hashlib.sha256).hexdigest()


def csrf_ok(session_id: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(csrf_token(session_id), given)


async def read_form(request: Request) -> dict[str, str]:
    """A url-encoded form, at most ``FORM_MAX_BYTES`` (BodyRefused beyond): each
    field's first value."""
    body = await read_body(request, FORM_MAX_BYTES)
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items()}


def set_session_cookie(response: Response, session_id: str, *, secure: bool) -> None:
    response.set_cookie(
        COOKIE,
        session_id,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=secure,
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax", secure=secure)

"""A fake WhatsApp Cloud API (Graph API) server on 127.0.0.1, and Meta's side of the webhook.

The real pywa client talks to it over HTTP: set ``whatsapp.api_base_url`` to
``fake.base_url``. It serves the messages endpoint (recording every message, and
refusing what the real API refuses: button titles over 20 characters, more than
3 buttons, list rows over 10 or with titles over 24, bodies over 1024…), media
upload, media lookup and download, and the phone number. Faults are injected with
``fail_next(code)``. ``webhook`` builds signed webhook bodies as Meta sends them.
The server runs uvicorn on its own event loop in a daemon thread; the public
methods are thread-safe.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fake_telegram import ApiError
from fake_telegram import _parse_multipart as parse_multipart
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

ACCESS_TOKEN = "EAAG-fake-access-token"
APP_SECRET = "fake-app-secret"
VERIFY_TOKEN = "fake-verify-token"
PHONE_NUMBER_ID = "109876543210"
WABA_ID = "555000111"
DISPLAY_NUMBER = "+62 622 000 111"


@dataclass(frozen=True)
class Sent:
    """One message the bot sent, as the messages endpoint received it."""

    to: str
    type: str
    body: dict[str, Any]
    id: str

    @property
    def text(self) -> str:
        if self.type == "text":
            return str(self.body["text"]["body"])
        if self.type == "interactive":
            return str(self.body["interactive"]["body"]["text"])
        if self.type in ("image", "document"):
            return str(self.body[self.type].get("caption") or "")
        if self.type == "template":
            parameters = self.body["template"]["components"][0]["parameters"]
            return " ".join(p["text"] for p in parameters)
        return ""

    @property
    def buttons(self) -> list[dict[str, str]]:
        """Reply buttons (id, title) or list rows (id, title, description)."""
        if self.type != "interactive":
            return []
        interactive = self.body["interactive"]
        if interactive["type"] == "button":
            return [b["reply"] for b in interactive["action"]["buttons"]]
        return [row for s in interactive["action"]["sections"] for row in s["rows"]]

    @property
    def kind(self) -> str:
        """ "text", "button", "list", "image", "document", "audio" or "template"."""
        return self.body["interactive"]["type"] if self.type == "interactive" else self.type


@dataclass
class _Fault:
    code: int
    message: str
    status: int
    types: tuple[str, ...] | None
    to: str | None


@dataclass
class _Media:
    data: bytes
    mime_type: str
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        self.sha256 = hashlib.sha256(self.data).hexdigest()


class GraphError(Exception):
    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status

    def response(self) -> JSONResponse:
        error = {"message": self.message, "type": "OAuthException", "code": self.code}
        error["error_data"] = {"messaging_product": "whatsapp", "details": self.message}
        return JSONResponse({"error": error}, status_code=self.status)


class FakeWhatsApp:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self._port = 0
        self._app = Starlette(
            routes=[
                Route("/v{version}/{phone}/messages", self._messages, methods=["POST"]),
                Route("/v{version}/{phone}/media", self._upload, methods=["POST"]),
                Route("/v{version}/{object_id}", self._object, methods=["GET"]),
                Route("/download/{media_id}", self._download, methods=["GET"]),
            ]
        )
        self.reset()

    # ------------------------------------------------------------------ lifecycle
    def reset(self) -> None:
        with self._lock:
            self._sent: list[Sent] = []
            self._faults: deque[_Fault] = deque()
            self._media: dict[str, _Media] = {}
            self.requests: list[tuple[str, str]] = []  # (method, path) of every call

    def start(self) -> FakeWhatsApp:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app, log_level="warning", access_log=False, lifespan="off", http="h11"
        )
        self._server = server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])),
            daemon=True,
            name=f"fake-whatsapp-{self._port}",
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("fake WhatsApp server failed to start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        self._server = self._thread = None

    def __enter__(self) -> FakeWhatsApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    # ------------------------------------------------------------------ test controls
    def fail_next(
        self,
        code: int,
        *,
        times: int = 1,
        message: str = "injected failure",
        status: int = 400,
        types: tuple[str, ...] | None = None,
        to: str | None = None,
    ) -> None:
        """The next ``times`` sends (of these message ``types``, to ``to``) fail with ``code``."""
        with self._lock:
            for _ in range(times):
                self._faults.append(_Fault(code, message, status, types, to))

    def add_media(self, data: bytes, mime_type: str = "image/jpeg") -> str:
        """Media a resident sent: its id, as an inbound image message carries it."""
        media_id = f"media{next(self._ids)}"
        with self._lock:
            self._media[media_id] = _Media(data, mime_type)
        return media_id

    def sent(self, to: str | None = None) -> list[Sent]:
        with self._lock:
            return [s for s in self._sent if to is None or s.to == to]

    def uploaded(self) -> list[bytes]:
        with self._lock:
            return [m.data for k, m in self._media.items() if k.startswith("up")]

    # ------------------------------------------------------------------ endpoints
    def _authorised(self, request: Request) -> None:
        if request.headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            raise GraphError(190, "Invalid OAuth access token", status=401)

    async def _messages(self, request: Request) -> Response:
        self.requests.append(("POST", request.url.path))
        try:
            self._authorised(request)
            if request.path_params["phone"] != PHONE_NUMBER_ID:
                raise GraphError(100, "Unsupported post request: unknown phone number id")
            body = await request.json()
            to, kind = str(body.get("to", "")), str(body.get("type", ""))
            if not to.isdigit():
                raise GraphError(100, "Invalid parameter: to")
            self._check_fault(to, kind)
            _check_limits(kind, body)
        except GraphError as error:
            return error.response()
        wamid = f"wamid.FAKE{next(self._ids):08d}"
        with self._lock:
            self._sent.append(Sent(to, kind, body, wamid))
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": wamid}],
            }
        )

    def _check_fault(self, to: str, kind: str) -> None:
        with self._lock:
            for fault in self._faults:
                if (fault.types is None or kind in fault.types) and fault.to in (None, to):
                    self._faults.remove(fault)
                    raise GraphError(fault.code, fault.message, fault.status)

    async def _upload(self, request: Request) -> Response:
        self.requests.append(("POST", request.url.path))
        try:
            self._authorised(request)
        except GraphError as error:
            return error.response()
        # parsed here, as python-multipart (Starlette's form parser) is not a dependency
        try:
            form = parse_multipart(await request.body(), request.headers.get("content-type", ""))
        except ApiError:
            form = {}
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            return GraphError(100, "file is required").response()
        media_id = f"up{next(self._ids)}"
        with self._lock:
            self._media[media_id] = _Media(upload.data, upload.content_type)
        return JSONResponse({"id": media_id})

    async def _object(self, request: Request) -> Response:
        self.requests.append(("GET", request.url.path))
        object_id = request.path_params["object_id"]
        try:
            self._authorised(request)
        except GraphError as error:
            return error.response()
        if object_id == PHONE_NUMBER_ID:
            return JSONResponse(
                {
                    "id": PHONE_NUMBER_ID,
                    "display_phone_number": DISPLAY_NUMBER,
                    "verified_name": "Siantar Bot",
                    "quality_rating": "GREEN",
                }
            )
        with self._lock:
            media = self._media.get(object_id)
        if media is None:
            return GraphError(100, "Unsupported get request: unknown object").response()
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "url": f"{self.base_url}/download/{object_id}",
                "mime_type": media.mime_type,
                "sha256": media.sha256,
                "file_size": len(media.data),
                "id": object_id,
            }
        )

    async def _download(self, request: Request) -> Response:
        self.requests.append(("GET", request.url.path))
        try:
            self._authorised(request)
        except GraphError as error:
            return error.response()
        with self._lock:
            media = self._media.get(request.path_params["media_id"])
        if media is None:
            return Response(status_code=404)
        return Response(media.data, media_type=media.mime_type)


def _check_limits(kind: str, body: dict[str, Any]) -> None:
    """Refuse what the Cloud API refuses, with its error 131009."""

    def refuse(why: str) -> None:
        raise GraphError(131009, f"Parameter value is not valid: {why}")

    if kind == "text":
        if len(body["text"]["body"]) > 4096:
            refuse("text body over 4096 characters")
    elif kind == "interactive":
        interactive = body["interactive"]
        if len(interactive["body"]["text"]) > 1024:
            refuse("interactive body over 1024 characters")
        action = interactive["action"]
        if interactive["type"] == "button":
            buttons = [b["reply"] for b in action["buttons"]]
            if not 1 <= len(buttons) <= 3:
                refuse("1 to 3 buttons")
            titles = [b["title"] for b in buttons]
            if any(len(t) > 20 for t in titles) or len(set(titles)) != len(titles):
                refuse("button titles must be unique and at most 20 characters")
            if any(len(b["id"]) > 256 for b in buttons):
                refuse("button id over 256 characters")
        elif interactive["type"] == "list":
            rows = [row for s in action["sections"] for row in s["rows"]]
            if not 1 <= len(rows) <= 10 or len(action["button"]) > 20:
                refuse("1 to 10 rows, a button of at most 20 characters")
            for row in rows:
                if len(row["title"]) > 24 or len(row.get("description") or "") > 72:
                    refuse("row title over 24 or description over 72 characters")
                if len(row["id"]) > 200:
                    refuse("row id over 200 characters")
            if len(action["sections"]) > 1 and not all(s.get("title") for s in action["sections"]):
                refuse("sections need titles")
    elif kind == "template":
        template = body["template"]
        for component in template.get("components") or []:
            for parameter in component.get("parameters") or []:
                text = parameter.get("text", "")
                if "\n" in text or "\t" in text or "     " in text:
                    refuse("template parameters cannot have new-line/tab characters")


# ---------------------------------------------------------------------- Meta's webhooks


def sign(body: bytes, app_secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


_WAMIDS = itertools.count(1)


def new_wamid() -> str:
    return f"wamid.IN{next(_WAMIDS):010d}"


def webhook(*items: dict[str, Any], wa_id: str = "", name: str = "Budi") -> bytes:
    """A webhook body as Meta posts it, with the messages or statuses given."""
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "62622000111", "phone_number_id": PHONE_NUMBER_ID},
    }
    messages = [i for i in items if "from" in i]
    statuses = [i for i in items if "status" in i]
    if messages:
        senders = dict.fromkeys(m["from"] for m in messages)
        value["contacts"] = [
            {"profile": {"name": name}, "wa_id": w, "user_id": f"ID.{w[::-1]}"} for w in senders
        ]
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }
    return json.dumps(body).encode()


def _message(wa_id: str, kind: str, content: Any, wamid: str | None = None) -> dict[str, Any]:
    return {
        "from": wa_id,
        "id": wamid or new_wamid(),
        "timestamp": str(int(time.time())),
        "type": kind,
        kind: content,
    }


def text(wa_id: str, body: str, wamid: str | None = None) -> dict[str, Any]:
    return _message(wa_id, "text", {"body": body}, wamid)


def button_reply(wa_id: str, id_: str, title: str, context_id: str = "") -> dict[str, Any]:
    """A pressed reply button; ``context_id`` is the wamid of the message it was on."""
    content = {"type": "button_reply", "button_reply": {"id": id_, "title": title}}
    return _replying(_message(wa_id, "interactive", content), context_id)


def list_reply(wa_id: str, id_: str, title: str, context_id: str = "") -> dict[str, Any]:
    content = {"type": "list_reply", "list_reply": {"id": id_, "title": title}}
    return _replying(_message(wa_id, "interactive", content), context_id)


def _replying(message: dict[str, Any], context_id: str) -> dict[str, Any]:
    message["context"] = {"from": "62622000111", "id": context_id or "wamid.UNKNOWN"}
    return message


def image(wa_id: str, media_id: str, mime_type: str = "image/jpeg") -> dict[str, Any]:
    content = {"id": media_id, "mime_type": mime_type, "sha256": "x"}
    return _message(wa_id, "image", content)


def audio(
    wa_id: str, media_id: str, mime_type: str = "audio/ogg; codecs=opus", voice: bool = True
) -> dict[str, Any]:
    """A voice note (``voice``: recorded in WhatsApp) or an audio file; WhatsApp does
    not say how long it is."""
    content = {"id": media_id, "mime_type": mime_type, "sha256": "x", "voice": voice}
    return _message(wa_id, "audio", content)


def location(wa_id: str, latitude: float, longitude: float) -> dict[str, Any]:
    return _message(wa_id, "location", {"latitude": latitude, "longitude": longitude})


def contacts(wa_id: str, phone: str) -> dict[str, Any]:
    content = [
        {"name": {"formatted_name": "Siti", "first_name": "Siti"}, "phones": [{"phone": phone}]}
    ]
    return _message(wa_id, "contacts", content)


def status(wamid: str, state: str, recipient: str, error_code: int | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": wamid,
        "status": state,
        "timestamp": str(int(time.time())),
        "recipient_id": recipient,
    }
    if error_code is not None:
        item["errors"] = [{"code": error_code, "title": "injected", "message": "injected"}]
    return item

"""A fake Telegram Bot API server on 127.0.0.1 for integration tests and benchmarks.

The real python-telegram-bot client talks to it over HTTP: point ``telegram.Bot`` at
``base_url=f"{fake.base_url}/bot"`` and ``base_file_url=f"{fake.base_url}/file/bot"`` (or the
bot's ``api_base_url`` setting at ``fake.base_url``). Tests act as residents through
``send_text``/``press``/``send_photo``/..., and assert on what the bot did through ``calls``,
``messages``, ``wait_for`` and friends. Faults are injected with ``fail_next``, ``block`` and
``delay``. Like Telegram, a getUpdates that comes while another is waiting ends the
waiting one with 409 Conflict (two processes polling one bot). The server runs uvicorn
on its own event loop in a daemon thread; every public method is thread-safe and
usable from sync tests, async tests and plain scripts.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnopqrstu"
BOT_USERNAME = "siantar_test_bot"
LONG_POLL_CAP = 30.0  # seconds; getUpdates never waits longer than this
MAX_DOWNLOAD = 20 * 1024 * 1024  # Bot API download limit for getFile
BLOCKABLE = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendVoice",
        "sendAudio",
        "sendChatAction",
        "editMessageText",
        "editMessageReplyMarkup",
    }
)
# Free-text parameters that are never coerced to int/bool/JSON when decoding form values.
_TEXT_PARAMS = frozenset(
    {
        "text",
        "caption",
        "callback_query_id",
        "secret_token",
        "url",
        "description",
        "photo",
        "document",
        "voice",
        "audio",
        "file_id",
        "language_code",
        "parse_mode",
        "action",
        "phone_number",
        "title",
    }
)
# Methods that send a message: what ``rate_limit`` counts.
SENDING = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendVoice", "sendAudio"})
SECOND_POLLER = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}")


@dataclass(frozen=True)
class Call:
    """One Bot API request as the server saw it (``at`` is ``time.monotonic()`` on arrival)."""

    method: str
    params: dict[str, Any]
    at: float
    status: int = 200
    fault: bool = False  # True when the error came from fail_next() or block()


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded with multipart/form-data (appears in ``Call.params``)."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class _Fault:
    status: int
    remaining: int
    description: str
    retry_after: int | None


@dataclass(frozen=True)
class _File:
    file_id: str
    unique_id: str
    path: str
    data: bytes
    size: int

    def api(self) -> dict[str, Any]:
        return {"file_id": self.file_id, "file_unique_id": self.unique_id, "file_size": self.size}


@dataclass
class _Msg:
    api: dict[str, Any]  # the Message object exactly as the Bot API would return it
    from_bot: bool
    markup: dict[str, Any] | None = None  # reply_markup as sent (any keyboard type)
    parse_mode: str | None = None
    edited: bool = False


class ApiError(Exception):
    """An error answer of the Bot API; raised inside method handlers."""

    def __init__(
        self, status: int, description: str, *, retry_after: int | None = None, fault: bool = False
    ) -> None:
        super().__init__(description)
        self.status, self.description = status, description
        self.retry_after, self.fault = retry_after, fault

    def response(self) -> JSONResponse:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return JSONResponse(body, status_code=self.status)


def _decode(key: str, value: str) -> Any:
    """Turn a form value back into what PTB JSON-encoded: ints, floats, bools, objects."""
    if key in _TEXT_PARAMS:
        return value
    if value in ("true", "false"):
        return value == "true"
    if _NUMBER.fullmatch(value):
        return float(value) if "." in value else int(value)
    if value.startswith(("[", "{")):
        try:
            return json.loads(value)
        except ValueError:
            pass
    return value


def _parse_multipart(body: bytes, content_type: str) -> dict[str, str | UploadedFile]:
    """Minimal multipart/form-data parser (python-multipart is not a dependency)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ApiError(400, "Bad Request: invalid multipart boundary")
    fields: dict[str, str | UploadedFile] = {}
    for part in body.split(b"--" + match.group(1).encode())[1:-1]:
        head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content, headers = content.removesuffix(b"\r\n"), head.decode("utf-8", "replace")
        name = re.search(r'(?:^|[;\s])name="([^"]*)"', headers)
        filename = re.search(r'filename="([^"]*)"', headers)
        ctype = re.search(r"content-type:\s*([^\r\n]+)", headers, re.IGNORECASE)
        if name and filename:
            fields[name.group(1)] = UploadedFile(
                filename.group(1), ctype.group(1) if ctype else "application/octet-stream", content
            )
        elif name:
            fields[name.group(1)] = content.decode()
    return fields


async def _read_params(request: Request) -> dict[str, Any]:
    """Query string plus body (form-urlencoded, multipart or JSON), decoded."""
    params: dict[str, Any] = {k: _decode(k, v) for k, v in request.query_params.items()}
    ctype, body = request.headers.get("content-type", ""), await request.body()
    if not body:
        return params
    if ctype.startswith("application/json"):
        params.update(json.loads(body))
    elif ctype.startswith("multipart/form-data"):
        for key, value in _parse_multipart(body, ctype).items():
            params[key] = value if isinstance(value, UploadedFile) else _decode(key, value)
    else:
        pairs = parse_qsl(body.decode(), keep_blank_values=True)
        params.update({k: _decode(k, v) for k, v in pairs})
    return params


def _inline(markup: Any) -> dict[str, Any] | None:
    """The markup if it is an InlineKeyboardMarkup (the only kind a Message echoes)."""
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


def _check_markup(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in (_inline(markup) or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


class FakeTelegram:
    """Fake Bot API server. Use as ``with FakeTelegram() as fake:`` or ``start()``/``stop()``."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self._lock = threading.RLock()
        self._update_ids = itertools.count(1)
        self._ids = itertools.count(1)  # file ids, callback query ids
        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": lambda p: self._bot_user(),
            "getUpdates": lambda p: [],
            "sendMessage": self._send_message,
            "editMessageText": self._edit_text,
            "editMessageReplyMarkup": lambda p: self._edit(p, None),
            "answerCallbackQuery": self._answer_callback,
            "getFile": self._get_file,
            "sendPhoto": lambda p: self._send_media(p, "photo"),
            "sendDocument": lambda p: self._send_media(p, "document"),
            "sendVoice": lambda p: self._send_media(p, "voice"),
            "sendAudio": lambda p: self._send_media(p, "audio"),
            "sendChatAction": lambda p: True,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._webhook_info,
            "setMyCommands": self._set_commands,
            "getMyCommands": self._get_commands,
            "deleteMyCommands": self._delete_commands,
        }
        self._canonical = {name.lower(): name for name in self._handlers}
        self._app = Starlette(
            routes=[
                Route("/bot{token}/{method}", self._api, methods=["GET", "POST"]),
                Route("/file/bot{token}/{path:path}", self._download, methods=["GET"]),
            ]
        )
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cond: asyncio.Condition | None = None
        self._port = 0
        self._closing = False
        self._polls = 0  # getUpdates calls so far: the latest one is the one that waits
        self.reset()

    # ------------------------------------------------------------------ lifecycle
    def reset(self) -> None:
        """Forget all state (calls, chats, updates, files, faults); ids keep increasing."""
        with self._lock:
            self._calls: list[Call] = []
            self._updates: list[dict[str, Any]] = []
            self._chats: dict[int, dict[int, _Msg]] = defaultdict(dict)
            self._next_message_id: dict[int, int] = defaultdict(lambda: 1)
            self._users: dict[int, dict[str, Any]] = {}
            self._files: dict[str, _File] = {}
            self._callback_ids: set[str] = set()
            self._callback_answers: list[dict[str, Any]] = []
            self._faults: dict[str, deque[_Fault]] = defaultdict(deque)
            self._blocked: set[int] = set()
            self._delays: dict[str, float] = {}
            self._webhook: dict[str, Any] | None = None
            self._commands: dict[str, list[dict[str, Any]]] = {}
            self._rate: tuple[float, int] | None = None  # rate_limit(): per second, retry_after
            self._sends: deque[float] = deque()  # when the sends of the last second came

    def start(self) -> FakeTelegram:
        """Serve on an OS-chosen port in a background thread; returns self."""
        if self._thread is not None:
            return self
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose
        # proto is TCP; with proto 0 every response stalls ~40 ms (Nagle + delayed ACK).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            loop="asyncio",
            http="h11",
            timeout_graceful_shutdown=2,
        )
        self._server = server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._run, args=(sock,), daemon=True, name=f"fake-telegram-{self._port}"
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("fake Telegram server failed to start")
            time.sleep(0.005)
        return self

    def _run(self, sock: socket.socket) -> None:
        async def serve() -> None:
            self._loop, self._cond = asyncio.get_running_loop(), asyncio.Condition()
            assert self._server is not None
            await self._server.serve(sockets=[sock])

        asyncio.run(serve())

    def stop(self) -> None:
        """Wake pending long polls, shut the server down and join its thread."""
        if self._thread is None or self._server is None:
            return
        self._closing = True
        self._wake()
        self._server.should_exit = True
        self._thread.join(10)
        self._thread = self._server = self._loop = self._cond = None
        self._closing = False

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """Bot API root, e.g. ``http://127.0.0.1:PORT`` (methods at ``/bot{token}/{method}``)."""
        if not self._port:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://127.0.0.1:{self._port}"

    # ------------------------------------------------------------------ HTTP layer
    async def _api(self, request: Request) -> Response:
        at = time.monotonic()
        name = request.path_params["method"]
        method = self._canonical.get(name.lower(), name)
        params: dict[str, Any] = {}
        try:
            params = await _read_params(request)
            if request.path_params["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if method not in self._handlers:
                raise ApiError(404, "Not Found")
            if delay := self._delays.get(method):
                await asyncio.sleep(delay)
                if await request.is_disconnected():  # the client died meanwhile
                    return Response(status_code=499)
            self._check_faults(method, params)
            self._check_rate(method)
            if method == "getUpdates":
                result = await self._get_updates(params)
            else:
                with self._lock:
                    result = self._handlers[method](params)
        except ApiError as err:
            self._record(Call(method, params, at, err.status, err.fault))
            return err.response()
        self._record(Call(method, params, at))
        return JSONResponse({"ok": True, "result": result})

    async def _download(self, request: Request) -> Response:
        if request.path_params["token"] != self.token:
            return ApiError(401, "Unauthorized").response()
        with self._lock:
            found = [f for f in self._files.values() if f.path == request.path_params["path"]]
        if not found:
            return ApiError(404, "Not Found").response()
        return Response(found[0].data, media_type="application/octet-stream")

    def _record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def _check_faults(self, method: str, params: dict[str, Any]) -> None:
        with self._lock:
            queue = self._faults.get(method)
            if queue:
                fault = queue[0]
                fault.remaining -= 1
                if fault.remaining <= 0:
                    queue.popleft()
                raise ApiError(
                    fault.status, fault.description, retry_after=fault.retry_after, fault=True
                )
            if method in BLOCKABLE and params.get("chat_id") in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user", fault=True)

    def _check_rate(self, method: str) -> None:
        """429 for a send beyond ``rate_limit`` in the last second (not counted)."""
        with self._lock:
            if self._rate is None or method not in SENDING:
                return
            per_second, retry_after = self._rate
            now = time.monotonic()
            while self._sends and self._sends[0] <= now - 1.0:
                self._sends.popleft()
            if len(self._sends) >= per_second:
                raise ApiError(
                    429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
                )
            self._sends.append(now)

    def _wake(self) -> None:
        """Notify long-polling getUpdates calls; callable from any thread."""
        loop, cond = self._loop, self._cond
        if loop is None or cond is None or loop.is_closed():
            return

        async def notify() -> None:
            async with cond:
                cond.notify_all()

        with contextlib.suppress(RuntimeError):  # the loop is shutting down
            asyncio.run_coroutine_threadsafe(notify(), loop)

    # ------------------------------------------------------------------ Bot API methods
    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        assert self._cond is not None
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), LONG_POLL_CAP)
        async with self._cond:
            self._polls += 1
            mine = self._polls
            self._cond.notify_all()  # a getUpdates still waiting is ended by this one
            while True:
                if self._polls != mine:
                    raise ApiError(409, SECOND_POLLER)
                batch = self._take_updates(params)
                remaining = deadline - time.monotonic()
                if batch or self._closing or remaining <= 0:
                    return batch
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._cond.wait(), remaining)

    def _take_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            if self._webhook is not None:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is "
                    "active; use deleteWebhook to delete the webhook first",
                )
            offset = int(params.get("offset") or 0)
            if offset < 0:
                self._updates = self._updates[offset:]
            elif offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            allowed = set(params.get("allowed_updates") or [])
            limit = max(1, min(int(params.get("limit") or 100), 100))
            batch = [u for u in self._updates if not allowed or set(u) & allowed]
            return batch[:limit]

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Siantar Test",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _user(self, user_id: int) -> dict[str, Any]:
        info = self._users.get(user_id, {"first_name": "Budi", "language_code": "id"})
        return {"id": user_id, "is_bot": False, **info}

    def _chat(self, chat_id: int) -> dict[str, Any]:
        info = self._users.get(chat_id, {"first_name": "Budi"})
        names = {k: v for k, v in info.items() if k in ("first_name", "last_name")}
        return {"id": chat_id, "type": "private", **names}

    def _new_message(self, chat_id: int, from_bot: bool, **content: Any) -> _Msg:
        message_id = self._next_message_id[chat_id]
        self._next_message_id[chat_id] += 1
        sender = self._bot_user() if from_bot else self._user(chat_id)
        api = {
            "message_id": message_id,
            "from": sender,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        msg = self._chats[chat_id][message_id] = _Msg(api, from_bot)
        return msg

    def _bot_message(self, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        markup = params.get("reply_markup")
        _check_markup(markup)
        if _inline(markup):
            content["reply_markup"] = markup
        chat_id = params.get("chat_id")
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        msg = self._new_message(chat_id, True, **content)
        msg.markup, msg.parse_mode = markup, params.get("parse_mode")
        return msg.api

    def _send_message(self, p: dict[str, Any]) -> dict[str, Any]:
        text = p.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return self._bot_message(p, text=text)

    def _edit_text(self, p: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(p.get("text"), str) or not p["text"].strip():
            raise ApiError(400, "Bad Request: message text is empty")
        return self._edit(p, p["text"])

    def _edit(self, p: dict[str, Any], text: str | None) -> dict[str, Any]:
        msg = self._chats.get(p.get("chat_id", 0), {}).get(p.get("message_id", 0))
        if msg is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not msg.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        if text is not None and "text" not in msg.api:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        markup = p.get("reply_markup")
        _check_markup(markup)
        same_text = text is None or text == msg.api.get("text")
        if same_text and _inline(markup) == _inline(msg.markup):
            raise ApiError(
                400,
                "Bad Request: message is not modified: specified new message "
                "content and reply markup are exactly the same as a current "
                "content and reply markup of the message",
            )
        api = {k: v for k, v in msg.api.items() if k != "reply_markup"}
        api["edit_date"] = int(time.time())
        if text is not None:
            api["text"], msg.parse_mode = text, p.get("parse_mode")
        if _inline(markup):
            api["reply_markup"] = markup
        msg.api, msg.markup, msg.edited = api, markup, True
        return api

    def _answer_callback(self, p: dict[str, Any]) -> bool:
        if str(p.get("callback_query_id")) not in self._callback_ids:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._callback_answers.append(dict(p))
        return True

    def _register_file(self, data: bytes, size: int, folder: str, ext: str) -> _File:
        n = next(self._ids)
        file = _File(
            f"Fake{folder.title()}{n:06d}",
            f"FakeUniq{n:06d}",
            f"{folder}/file_{n}{ext}",
            data,
            size,
        )
        self._files[file.file_id] = file
        return file

    def _get_file(self, p: dict[str, Any]) -> dict[str, Any]:
        file = self._files.get(str(p.get("file_id")))
        if file is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if file.size > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {**file.api(), "file_path": file.path}

    def _send_media(self, p: dict[str, Any], kind: str) -> dict[str, Any]:
        value, name, mime = p.get(kind), None, None
        if isinstance(value, UploadedFile):
            ext = "." + value.filename.rsplit(".", 1)[-1] if "." in value.filename else ""
            file = self._register_file(value.data, len(value.data), kind + "s", ext)
            name, mime = value.filename, value.content_type
        elif isinstance(value, str) and value in self._files:
            file = self._files[value]
        elif isinstance(value, str) and value.startswith(("http://", "https://")):
            file = self._register_file(b"", 0, kind + "s", "")
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        content: dict[str, Any] = {"photo": [{**file.api(), "width": 1280, "height": 960}]}
        if kind == "document":
            content = {
                "document": {
                    **file.api(),
                    "file_name": name or "file",
                    "mime_type": mime or "application/octet-stream",
                }
            }
        elif kind in ("voice", "audio"):
            content = {kind: {**file.api(), "duration": 1, "mime_type": mime or "audio/ogg"}}
        if p.get("caption"):
            content["caption"] = p["caption"]
        return self._bot_message(p, **content)

    def _set_webhook(self, p: dict[str, Any]) -> bool:
        url, secret = str(p.get("url") or ""), p.get("secret_token")
        if url and not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = dict(p) if url else None
        return True

    def _delete_webhook(self, p: dict[str, Any]) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook = None
        return True

    def _webhook_info(self, p: dict[str, Any]) -> dict[str, Any]:
        hook = self._webhook or {}
        info = {
            "url": hook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
            "max_connections": hook.get("max_connections", 40) if hook else None,
            "allowed_updates": hook.get("allowed_updates"),
        }
        return {k: v for k, v in info.items() if v is not None}

    @staticmethod
    def _commands_key(p: dict[str, Any]) -> str:
        lang, scope = str(p.get("language_code") or ""), p.get("scope") or {"type": "default"}
        if scope.get("type") == "default":
            return lang
        if scope.get("type") == "chat":
            return f"chat:{scope.get('chat_id')}:{lang}"
        return f"{scope['type']}:{lang}"

    def _set_commands(self, p: dict[str, Any]) -> bool:
        commands = p.get("commands")
        if (
            not isinstance(commands, list)
            or len(commands) > 100
            or not all(
                _COMMAND.fullmatch(str(c.get("command", "")))
                and 1 <= len(str(c.get("description", ""))) <= 256
                for c in commands
            )
        ):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self._commands[self._commands_key(p)] = commands
        return True

    def _delete_commands(self, p: dict[str, Any]) -> bool:
        self._commands.pop(self._commands_key(p), None)
        return True

    def _get_commands(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return self._commands.get(self._commands_key(p), [])

    # ------------------------------------------------------------------ resident side
    def _queue(self, body: dict[str, Any], update_id: int | None = None) -> int:
        with self._lock:
            update_id = next(self._update_ids) if update_id is None else update_id
            self._updates.append({"update_id": update_id, **body})
        self._wake()
        return update_id

    def _user_message(self, user_id: int, **content: Any) -> int:
        with self._lock:
            return self._queue({"message": self._new_message(user_id, False, **content).api})

    def send_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Budi",
        last_name: str | None = None,
        language_code: str = "id",
    ) -> int:
        """A resident sends a text message; ``/command`` gets a bot_command entity."""
        info: dict[str, Any] = {"first_name": first_name, "language_code": language_code}
        if last_name:
            info["last_name"] = last_name
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split()[0].encode("utf-16-le")) // 2
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        with self._lock:
            self._users[user_id] = info
            return self._user_message(user_id, **content)

    def press(self, user_id: int, message_id: int, callback_data: str) -> int:
        """A resident presses an inline button of the bot's message ``message_id``."""
        with self._lock:
            msg = self._chats.get(user_id, {}).get(message_id)
            if msg is None or not msg.from_bot:
                raise ValueError(f"chat {user_id} has no bot message {message_id}")
            query_id = str(4_000_000_000 + next(self._ids))
            self._callback_ids.add(query_id)
            return self._queue(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": self._user(user_id),
                        "message": msg.api,
                        "chat_instance": f"-{user_id}77",
                        "data": callback_data,
                    }
                }
            )

    def send_photo(
        self, user_id: int, data: bytes, *, caption: str | None = None, file_size: int | None = None
    ) -> int:
        """A resident sends a photo; the largest PhotoSize resolves to ``data`` via getFile."""
        size = len(data) if file_size is None else file_size
        with self._lock:
            photo = []
            for width, height, part in ((90, 68, 16), (320, 240, 4), (1280, 960, 1)):
                n = max(1, size // part)
                file = self._register_file(data if part == 1 else data[:n], n, "photos", ".jpg")
                photo.append({**file.api(), "width": width, "height": height})
            content: dict[str, Any] = {"photo": photo}
            if caption:
                content["caption"] = caption
            return self._user_message(user_id, **content)

    def send_location(self, user_id: int, latitude: float, longitude: float) -> int:
        """A resident shares a location."""
        return self._user_message(user_id, location={"latitude": latitude, "longitude": longitude})

    def send_contact(self, user_id: int, phone_number: str, first_name: str = "Budi") -> int:
        """A resident shares their own contact."""
        return self._user_message(
            user_id,
            contact={"phone_number": phone_number, "first_name": first_name, "user_id": user_id},
        )

    def send_sticker(self, user_id: int) -> int:
        """A resident sends a sticker."""
        with self._lock:
            file = self._register_file(b"RIFF\0\0\0\0WEBP", 12, "stickers", ".webp")
            return self._user_message(
                user_id,
                sticker={
                    **file.api(),
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": "\N{THUMBS UP SIGN}",
                },
            )

    def send_voice(
        self,
        user_id: int,
        data: bytes | None = None,
        *,
        duration: int = 3,
        file_size: int | None = None,
        audio: bool = False,
    ) -> int:
        """A resident sends a voice note (``audio``: a music/audio file instead) that
        resolves to ``data`` via getFile; the default is not a real recording.
        ``duration`` and ``file_size`` are what Telegram says about it."""
        data = b"OggS" + bytes(1020) if data is None else data
        size = len(data) if file_size is None else file_size
        with self._lock:
            file = self._register_file(data, size, "voice", ".oga")
            kind = "audio" if audio else "voice"
            mime = "audio/mpeg" if audio else "audio/ogg"
            return self._user_message(
                user_id, **{kind: {**file.api(), "duration": duration, "mime_type": mime}}
            )

    def edit_text(self, user_id: int, message_id: int, text: str) -> int:
        """A resident edits their earlier message (an ``edited_message`` update)."""
        with self._lock:
            msg = self._chats.get(user_id, {}).get(message_id)
            if msg is None or msg.from_bot:
                raise ValueError(f"chat {user_id} has no resident message {message_id}")
            msg.api = {**msg.api, "text": text, "edit_date": int(time.time())}
            msg.edited = True
            return self._queue({"edited_message": msg.api})

    def push_raw(self, update: dict[str, Any]) -> int:
        """Queue exactly ``update`` (keeps its update_id; later ids continue above it).

        Like Telegram, a copy whose update_id is below the bot's confirmed offset is dropped
        at the next getUpdates; push both copies before the bot polls to see a duplicate.
        """
        update_id = int(update["update_id"])
        body = {k: v for k, v in update.items() if k != "update_id"}
        with self._lock:
            if "callback_query" in body:
                self._callback_ids.add(str(body["callback_query"]["id"]))
            nxt = next(self._update_ids)
            self._update_ids = itertools.count(max(nxt, update_id + 1))
            return self._queue(body, update_id)

    # ------------------------------------------------------------------ assertions
    @property
    def calls(self) -> list[Call]:
        """Snapshot of every request so far (including faults and errors)."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The calls of one Bot API method, e.g. ``calls_to("sendMessage")``."""
        return [c for c in self.calls if c.method == method]

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's messages in a chat: message_id, text, caption, reply_markup, parse_mode,
        edited, kind ("text", "photo", "document", "voice", "audio")."""
        with self._lock:
            msgs = [m for _, m in sorted(self._chats.get(chat_id, {}).items()) if m.from_bot]
            return [
                {
                    "message_id": m.api["message_id"],
                    "text": m.api.get("text"),
                    "caption": m.api.get("caption"),
                    "reply_markup": m.markup,
                    "parse_mode": m.parse_mode,
                    "edited": m.edited,
                    "kind": next(
                        (k for k in ("photo", "document", "voice", "audio") if k in m.api), "text"
                    ),
                }
                for m in msgs
            ]

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        """The bot's most recent message in a chat, or None."""
        msgs = self.messages(chat_id)
        return msgs[-1] if msgs else None

    @property
    def callback_answers(self) -> list[dict[str, Any]]:
        """Parameters of every successful answerCallbackQuery."""
        with self._lock:
            return list(self._callback_answers)

    @property
    def webhook(self) -> dict[str, Any] | None:
        """Parameters of the active setWebhook, or None."""
        with self._lock:
            return dict(self._webhook) if self._webhook is not None else None

    @property
    def commands(self) -> dict[str, list[dict[str, Any]]]:
        """setMyCommands by language_code ("" = default; a chat's as "chat:ID:lang",
        other scopes as "type:lang")."""
        with self._lock:
            return dict(self._commands)

    def pending_updates(self) -> int:
        """Number of queued updates not yet confirmed by a getUpdates offset."""
        with self._lock:
            return len(self._updates)

    def summary(self) -> str:
        """Human-readable state, used in wait_for() failures."""
        with self._lock:
            lines = [f"pending updates: {len(self._updates)}", "last calls:"]
            lines += [
                f"  {c.method} -> {c.status}{' (fault)' if c.fault else ''} {str(c.params)[:120]}"
                for c in self._calls[-15:]
            ]
            for chat_id in self._chats:
                msgs = self.messages(chat_id)
                last = msgs[-1]["text"] if msgs else None
                lines.append(f"chat {chat_id}: {len(msgs)} bot messages, last {last!r:.120}")
            return "\n".join(lines)

    def wait_for(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Poll ``predicate`` until true; AssertionError with a state summary on timeout.
        Blocks the calling thread: in async tests with an in-loop bot use ``wait_for_async``."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}\n{self.summary()}"
                )
            time.sleep(0.01)

    async def wait_for_async(
        self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "condition"
    ) -> None:
        """Like ``wait_for`` but yields to the event loop while polling."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {what}\n{self.summary()}"
                )
            await asyncio.sleep(0.01)

    def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """The bot's messages in ``chat_id`` once there are at least ``count``."""
        self.wait_for(
            lambda: len(self.messages(chat_id)) >= count,
            timeout,
            f"{count} bot message(s) in chat {chat_id}",
        )
        return self.messages(chat_id)

    async def wait_for_messages_async(
        self, chat_id: int, count: int, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Async variant of ``wait_for_messages``."""
        await self.wait_for_async(
            lambda: len(self.messages(chat_id)) >= count,
            timeout,
            f"{count} bot message(s) in chat {chat_id}",
        )
        return self.messages(chat_id)

    # ------------------------------------------------------------------ fault injection
    def fail_next(
        self,
        method: str,
        *,
        status: int = 502,
        count: int = 1,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """The next ``count`` calls of ``method`` fail with ``status`` (429 defaults to
        retry_after=1, as Telegram always sends it)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = (
                f"Too Many Requests: retry after {retry_after}"
                if status == 429
                else HTTPStatus(status).phrase
            )
        with self._lock:
            self._faults[method].append(_Fault(status, count, description, retry_after))

    def block(self, user_id: int) -> None:
        """The resident blocks the bot: sends/edits to their chat answer 403."""
        with self._lock:
            self._blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        """The resident unblocks the bot."""
        with self._lock:
            self._blocked.discard(user_id)

    def rate_limit(self, per_second: float | None, *, retry_after: int = 1) -> None:
        """Like Telegram's limit for a bot: a message send (``SENDING``) beyond
        ``per_second`` in any one second, all chats together, is answered 429 with
        ``retry_after`` (and does not count); None lifts the limit."""
        with self._lock:
            self._rate = None if per_second is None else (per_second, retry_after)
            self._sends.clear()

    def delay(self, method: str, seconds: float) -> None:
        """Add latency to every call of ``method`` (0 removes it)."""
        with self._lock:
            self._delays[method] = seconds

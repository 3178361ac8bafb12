"""What the webhook server does with bodies it should not take: too large (refused
with 413 before they are read, by the real uvicorn server on 127.0.0.1) and odd
(400, never a 500 with a traceback), on both webhooks."""

from __future__ import annotations

import asyncio
import json
import logging
import select
import socket
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_telegram import TOKEN, FakeTelegram
from fake_whatsapp import (
    ACCESS_TOKEN,
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    FakeWhatsApp,
    sign,
    text,
    webhook,
)

from bot.config import TelegramSettings, WhatsAppSettings
from bot.media import MediaStore
from bot.telegram.channel import TelegramChannel
from bot.web import create_web_app, listening_socket, web_server
from bot.webhook_body import (
    MAX_JSON_DEPTH,
    TELEGRAM_MAX_BYTES,
    WHATSAPP_MAX_BYTES,
    nesting_depth,
)
from bot.whatsapp.channel import WhatsAppChannel
from handlers.core.engine import Engine as SiantarEngine

SECRET = "s3cret"
RIGHT = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
DEEP = 100_000
CHUNK = 64 * 1024
STREAMED = 64 * 1024 * 1024  # what the client would send if nobody stopped it
WA_ID = "6281200009001"


@pytest.fixture(scope="module")
def fake_whatsapp() -> Iterator[FakeWhatsApp]:
    with FakeWhatsApp() as server:
        yield server


@pytest.fixture(scope="module")
def fake_telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def app(
    engine: SiantarEngine, fake_whatsapp: FakeWhatsApp, fake_telegram: FakeTelegram, tmp_path: Path
) -> AsyncIterator[Any]:
    """The web app with both webhooks, the channels talking to the fakes."""
    fake_whatsapp.reset()
    fake_telegram.reset()
    media = MediaStore(tmp_path / "media", max_bytes=1024 * 1024)
    whatsapp_settings = WhatsAppSettings(
        enabled=True,
        phone_number_id=PHONE_NUMBER_ID,
        access_token=ACCESS_TOKEN,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        api_base_url=fake_whatsapp.base_url,
    )
    telegram_settings = TelegramSettings(
        enabled=True, token=TOKEN, api_base_url=fake_telegram.base_url
    )
    clock = lambda: datetime.now(UTC)  # noqa: E731
    whatsapp = WhatsAppChannel(whatsapp_settings, engine, media, clock)
    telegram = TelegramChannel(telegram_settings, engine, media, clock)
    await telegram.start()
    yield create_web_app(
        db=engine.db,
        channels=["telegram", "whatsapp"],
        telegram=telegram,
        telegram_secret=SECRET,
        whatsapp=whatsapp,
    )
    await telegram.stop()
    await whatsapp.stop()


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        yield client


@pytest.fixture
async def port(app: Any) -> AsyncIterator[int]:
    """The app served as ``siantar run`` serves it: our uvicorn server on 127.0.0.1."""
    sock = listening_socket("127.0.0.1", 0)
    server = web_server(app, "127.0.0.1", sock.getsockname()[1])
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    yield sock.getsockname()[1]
    server.should_exit = True
    await serving


@dataclass
class Answer:
    status: int | None  # None: no answer within the timeout
    sent: int  # body bytes sent when the answer came


def post_raw(
    port: int, path: str, headers: dict[str, str], body_size: int, *, chunked: bool
) -> Answer:
    """POST a body of ``body_size`` bytes a chunk at a time, as a client that keeps
    sending until the server answers (or hangs up)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, CHUNK)  # little in flight
        head = f"POST {path} HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        sock.sendall(f"{head}\r\n".encode())
        sent = 0
        chunk = b" " * CHUNK
        while sent < body_size and not select.select([sock], [], [], 0)[0]:
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (CHUNK, chunk) if chunked else chunk)
            except OSError:  # the server answered and closed the connection
                break
            sent += CHUNK
        else:
            if chunked and sent >= body_size:
                sock.sendall(b"0\r\n\r\n")
        try:
            answer = sock.recv(4096)
        except TimeoutError:
            return Answer(None, sent)
        return Answer(int(answer.split()[1]), sent)


# ---------------------------------------------------------------------- too large


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/whatsapp/webhook", {"X-Hub-Signature-256": "sha256=" + "0" * 64}),
        ("/telegram/webhook", RIGHT),
    ],
)
async def test_a_declared_oversize_body_is_refused_before_it_is_sent(
    port: int, path: str, headers: dict[str, str]
) -> None:
    declared = {**headers, "Content-Length": str(250 * 1024 * 1024)}
    answer = await asyncio.to_thread(post_raw, port, path, declared, 0, chunked=False)
    assert answer.status == 413  # at once, from the header: no byte of the body was sent


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/whatsapp/webhook", {"X-Hub-Signature-256": "sha256=" + "0" * 64}),
        ("/telegram/webhook", RIGHT),
    ],
)
async def test_a_streamed_oversize_body_is_refused_while_it_comes_in(
    port: int, path: str, headers: dict[str, str]
) -> None:
    streaming = {**headers, "Transfer-Encoding": "chunked"}
    answer = await asyncio.to_thread(post_raw, port, path, streaming, STREAMED, chunked=True)
    assert answer.status == 413
    # answered soon after the limit, not after the server had taken the whole body
    # (what is sent beyond the limit sits in the sockets' buffers)
    assert answer.sent < STREAMED // 4


async def test_the_telegram_secret_is_checked_before_the_size(port: int) -> None:
    declared = {"X-Telegram-Bot-Api-Secret-Token": "nope", "Content-Length": str(10**9)}
    answer = await asyncio.to_thread(
        post_raw, port, "/telegram/webhook", declared, 0, chunked=False
    )
    assert answer.status == 403


async def test_a_whatsapp_body_up_to_meta_s_3_mb_is_taken_and_one_byte_more_is_not(
    client: httpx.AsyncClient, fake_whatsapp: FakeWhatsApp
) -> None:
    message = webhook(text(WA_ID, "/start"))
    padded = message + b" " * (WHATSAPP_MAX_BYTES - len(message))  # JSON allows the spaces
    headers = {"X-Hub-Signature-256": sign(padded), "Content-Type": "application/json"}
    assert (
        await client.post("/whatsapp/webhook", content=padded, headers=headers)
    ).status_code == 200
    assert len(fake_whatsapp.sent(WA_ID)) == 1

    other = "6281200009002"
    message = webhook(text(other, "/start"))
    too_long = message + b" " * (WHATSAPP_MAX_BYTES + 1 - len(message))
    headers = {"X-Hub-Signature-256": sign(too_long), "Content-Type": "application/json"}
    response = await client.post("/whatsapp/webhook", content=too_long, headers=headers)
    assert response.status_code == 413 and fake_whatsapp.sent(other) == []


def telegram_start(chat_id: int, update_id: int) -> bytes:
    message = {
        "message_id": 1,
        "date": 1764295200,
        "chat": {"id": chat_id, "type": "private"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "Rina"},
        "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    return json.dumps({"update_id": update_id, "message": message}).encode()


async def test_a_telegram_body_up_to_1_mib_is_taken_and_one_byte_more_is_not(
    client: httpx.AsyncClient, fake_telegram: FakeTelegram
) -> None:
    start = telegram_start(9101, 880101)
    padded = start + b" " * (TELEGRAM_MAX_BYTES - len(start))
    assert (
        await client.post("/telegram/webhook", content=padded, headers=RIGHT)
    ).status_code == 200
    assert len(fake_telegram.messages(9101)) == 1
    start = telegram_start(9102, 880102)
    too_long = start + b" " * (TELEGRAM_MAX_BYTES + 1 - len(start))
    response = await client.post("/telegram/webhook", content=too_long, headers=RIGHT)
    assert response.status_code == 413 and fake_telegram.messages(9102) == []


@pytest.mark.parametrize("length", ["12abc", "-1", "1e3", "", "0x10"])
@pytest.mark.parametrize(
    ("path", "headers"), [("/whatsapp/webhook", {}), ("/telegram/webhook", RIGHT)]
)
async def test_a_malformed_content_length_is_400(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], length: str
) -> None:
    response = await client.post(path, content=b"{}", headers={**headers, "Content-Length": length})
    assert response.status_code == 400


# ---------------------------------------------------------------------- odd bodies


def nested(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


NOT_AN_OBJECT = [
    b"[]",
    b"null",
    b'"update"',
    b"5",
    b"",
    b"{",
    b"\xff\xfe{}",
    b'{"entry": NaN}',
    b"[" * DEEP + b"]" * DEEP,
    nested(DEEP),
]


def wa_body(value: Any = None, **top: Any) -> bytes:
    """A WhatsApp webhook body with ``value`` in its one change (or ``top`` as is)."""
    if not top:
        top = {"entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}
    return json.dumps({"object": "whatsapp_business_account", **top}).encode()


MESSAGE = text(WA_ID, "/start")
WRONG_SHAPES = [
    wa_body(entry=5),
    wa_body(entry="entries"),
    wa_body(entry=[5]),
    wa_body(entry=[{"id": "1", "changes": {"value": {}}}]),
    wa_body(entry=[{"id": "1", "changes": [[]]}]),
    wa_body(5),
    wa_body({"messages": 5}),
    wa_body({"messages": [5]}),
    wa_body({"statuses": ["sent"]}),
    wa_body({"messages": [MESSAGE], "contacts": 5}),
    wa_body({"messages": [MESSAGE], "contacts": ["Budi"]}),
]
# objects whose fields are odd deeper down than we look: pywa reads them, or skips them
ODD_FIELDS = [
    wa_body(entry=[{"changes": [{"value": {}}]}]),  # no field, no id
    wa_body({"messages": [{"from": 5, "type": [], "id": None}]}),
    wa_body({"messages": [{**MESSAGE, "timestamp": "yesterday"}]}),
    wa_body({"statuses": [{"id": 5, "status": {}, "recipient_id": []}]}),
]


def errors_of_ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name.startswith(("bot", "handlers", "storage")) and r.levelno >= logging.ERROR
    ]


@pytest.mark.parametrize("body", NOT_AN_OBJECT + WRONG_SHAPES, ids=lambda b: repr(b[:30]))
async def test_a_signed_whatsapp_body_that_is_no_webhook_is_400(
    client: httpx.AsyncClient,
    fake_whatsapp: FakeWhatsApp,
    body: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    headers = {"X-Hub-Signature-256": sign(body)}
    response = await client.post("/whatsapp/webhook", content=body, headers=headers)
    assert response.status_code == 400
    assert fake_whatsapp.sent() == [] and errors_of_ours(caplog) == []


@pytest.mark.parametrize("body", ODD_FIELDS, ids=lambda b: repr(b[60:100]))
async def test_signed_whatsapp_fields_of_the_wrong_type_are_skipped(
    client: httpx.AsyncClient,
    fake_whatsapp: FakeWhatsApp,
    body: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    headers = {"X-Hub-Signature-256": sign(body)}
    response = await client.post("/whatsapp/webhook", content=body, headers=headers)
    assert response.status_code == 200  # confirmed: a redelivery would not read better
    assert errors_of_ours(caplog) == []


def telegram_update(**fields: Any) -> bytes:
    return json.dumps({"update_id": 880001, **fields}).encode()


PRIVATE = {"id": 5, "type": "private"}
TELEGRAM_WRONG_TYPES = [
    telegram_update(message=5),
    telegram_update(message=[]),
    telegram_update(callback_query="pressed"),
    telegram_update(message={"message_id": 1, "date": "today", "chat": PRIVATE}),
    telegram_update(message={"message_id": 1, "date": 10**30, "chat": PRIVATE}),
    telegram_update(message={"message_id": 1, "date": 1, "chat": PRIVATE, "entities": 5}),
    b"{}",  # no update_id
]


@pytest.mark.parametrize("body", NOT_AN_OBJECT + TELEGRAM_WRONG_TYPES, ids=lambda b: repr(b[:30]))
async def test_an_authenticated_telegram_body_that_is_no_update_is_400(
    client: httpx.AsyncClient,
    fake_telegram: FakeTelegram,
    body: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = await client.post("/telegram/webhook", content=body, headers=RIGHT)
    assert response.status_code == 400
    assert fake_telegram.calls_to("sendMessage") == [] and errors_of_ours(caplog) == []


def test_counting_the_depth_takes_linear_time_even_for_unterminated_strings() -> None:
    """Each quote of an unterminated string is not a new start (that would be
    quadratic: minutes for a body of this size)."""
    body = b'"' + b'\\"' * 200_000
    started = time.perf_counter()
    assert nesting_depth(body) == 0
    assert time.perf_counter() - started < 2


def test_nesting_depth_skips_brackets_in_strings() -> None:
    assert nesting_depth(b'{"a": [1, {"b": "[[[{{{"}], "c": "\\"]]]"}') == 3
    assert nesting_depth(b"[]") == 1 and nesting_depth(b'"x"') == 0
    assert nesting_depth(nested(MAX_JSON_DEPTH)) == MAX_JSON_DEPTH

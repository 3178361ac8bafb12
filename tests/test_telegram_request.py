"""The adapter's HTTP client (``bot.telegram.request.PooledRequest``) against a small
HTTP/1.1 server on 127.0.0.1: what reaches the server, how connections are kept and
replaced, how many calls are on their way, and which errors PTB gets; and, through the
small proxy of ``tiny_proxy``, which calls go through a proxy and which go direct."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from telegram import InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter
from tiny_proxy import TinyProxy
from tiny_proxy import serving as proxying

from bot.telegram.request import PooledRequest

OK = b'{"ok": true, "result": true}'


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class TinyServer:
    """Answers every request with ``OK`` after ``delay`` seconds, keeping the
    connection open unless ``hang_up`` is set; records what it got."""

    delay: float = 0.0
    hang_up: bool = False
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    on_their_way: int = 0
    most_on_their_way: int = 0
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    url: str = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.writers.append(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while head := await reader.readuntil(b"\r\n\r\n"):
                request_line, *lines = head.decode("latin-1").split("\r\n")
                method, path, _ = request_line.split(" ")
                headers = {
                    k.strip().lower(): v.strip() for k, v in (x.split(":", 1) for x in lines if x)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.received.append(Received(method, path, headers, body))
                self.on_their_way += 1
                self.most_on_their_way = max(self.most_on_their_way, self.on_their_way)
                await asyncio.sleep(self.delay)
                self.on_their_way -= 1
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: %d\r\n\r\n%b" % (len(OK), OK)
                )
                await writer.drain()
                if self.hang_up:
                    break
        writer.close()


@contextlib.asynccontextmanager
async def serving(
    server: TinyServer, tls: ssl.SSLContext | None = None
) -> AsyncIterator[TinyServer]:
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0, ssl=tls)
    port = listener.sockets[0].getsockname()[1]
    server.url = f"{'https' if tls else 'http'}://127.0.0.1:{port}/botTOKEN"
    try:
        yield server
    finally:
        for writer in server.writers:
            writer.close()
        listener.close()
        await listener.wait_closed()


def form(**values: object) -> RequestData:
    return RequestData([RequestParameter.from_input(name, value) for name, value in values.items()])


async def test_a_call_is_a_form_post_with_the_bot_api_headers() -> None:
    async with serving(TinyServer()) as server:
        request = PooledRequest(connections=4)
        markup = {"inline_keyboard": [[{"text": "Jalan & jembatan", "callback_data": "c|1"}]]}
        status, body = await request.do_request(
            f"{server.url}/sendMessage",
            "POST",
            form(chat_id=42, text="Halo, Bapak/Ibu! 100% benar?", reply_markup=markup),
        )
        await request.shutdown()
    assert (status, body) == (200, OK)
    [got] = server.received
    assert (got.method, got.path) == ("POST", "/botTOKEN/sendMessage")
    assert got.headers["host"] == server.url.split("/")[2]
    assert got.headers["content-type"] == "application/x-www-form-urlencoded"
    assert got.headers["user-agent"] == PooledRequest.USER_AGENT
    fields = {k: v for k, [v] in parse_qs(got.body.decode(), strict_parsing=True).items()}
    assert fields["chat_id"] == "42"
    assert fields["text"] == "Halo, Bapak/Ibu! 100% benar?"
    assert json.loads(fields["reply_markup"]) == markup


async def test_one_connection_is_kept_for_calls_one_after_another() -> None:
    async with serving(TinyServer()) as server:
        request = PooledRequest(connections=4)
        for _ in range(5):
            assert await request.do_request(f"{server.url}/getMe", "POST") == (200, OK)
        await request.shutdown()
    assert len(server.received) == 5
    assert server.connections == 1


async def test_a_connection_the_server_hung_up_on_is_replaced() -> None:
    async with serving(TinyServer(hang_up=True)) as server:
        request = PooledRequest(connections=4)
        for _ in range(3):
            assert await request.do_request(f"{server.url}/getMe", "POST") == (200, OK)
            await asyncio.sleep(0.05)  # the server's FIN arrives
        await request.shutdown()
    assert server.connections == 3


async def test_calls_beyond_the_connections_wait_their_turn() -> None:
    async with serving(TinyServer(delay=0.02)) as server:
        request = PooledRequest(connections=2)
        outcomes = await asyncio.gather(
            *(request.do_request(f"{server.url}/getMe", "POST") for _ in range(7))
        )
        await request.shutdown()
    assert outcomes == [(200, OK)] * 7
    assert server.most_on_their_way == 2
    assert server.connections == 2


async def test_a_file_upload_goes_as_multipart_through_httpx() -> None:
    async with serving(TinyServer()) as server:
        request = PooledRequest(connections=2)
        photo = InputFile(b"\x89PNG fake", filename="foto.png", attach=True)
        data = form(chat_id=42, photo=photo)
        assert await request.do_request(f"{server.url}/sendPhoto", "POST", data) == (200, OK)
        await request.shutdown()
    [got] = server.received
    assert got.headers["content-type"].startswith("multipart/form-data")
    assert b"\x89PNG fake" in got.body


async def test_a_server_that_is_not_there_is_a_network_error() -> None:
    listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    request = PooledRequest(connections=2)
    with pytest.raises(NetworkError, match="ConnectError"):
        await request.do_request(f"http://127.0.0.1:{port}/botTOKEN/getMe", "POST")
    await request.shutdown()


async def test_a_slow_answer_is_timed_out_and_its_connection_not_reused() -> None:
    async with serving(TinyServer(delay=0.5)) as server:
        request = PooledRequest(connections=2)
        with pytest.raises(TimedOut):
            await request.do_request(f"{server.url}/getMe", "POST", read_timeout=0.05)
        server.delay = 0.0
        assert await request.do_request(f"{server.url}/getMe", "POST") == (200, OK)
        await request.shutdown()
    assert server.connections == 2


async def test_after_shutdown_no_call_is_sent_until_initialized_again() -> None:
    async with serving(TinyServer()) as server:
        request = PooledRequest(connections=2)
        await request.do_request(f"{server.url}/getMe", "POST")
        await request.shutdown()
        with pytest.raises(RuntimeError, match="not initialized"):
            await request.do_request(f"{server.url}/getMe", "POST")
        await request.initialize()
        assert await request.do_request(f"{server.url}/getMe", "POST") == (200, OK)
        await request.shutdown()
    assert len(server.received) == 2


async def test_a_file_download_is_a_plain_get() -> None:
    async with serving(TinyServer()) as server:
        request = PooledRequest(connections=2)
        url = server.url.replace("/botTOKEN", "/file/botTOKEN") + "/photos/file_1.jpg"
        assert await request.do_request(url, "GET") == (200, OK)
        await request.shutdown()
    [got] = server.received
    assert (got.method, got.path) == ("GET", "/file/botTOKEN/photos/file_1.jpg")
    assert "content-length" not in got.headers and got.body == b""


# --------------------------------------------------------------------------- proxies

PASSWORD = "Rahasia-Kantor-42"
PHOTO = InputFile(b"\x89PNG fake", filename="foto.png", attach=True)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
        + ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        + ["-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def tls(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """The https server's TLS context. httpx trusts its certificate (SSL_CERT_FILE);
    the direct path verifies against certifi's roots, so a call that went direct fails."""
    cert, key = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


async def form_upload_and_download(request: PooledRequest, url: str) -> None:
    """A form call, a file upload and a file download, each answered OK."""
    download = url.replace("/botTOKEN", "/file/botTOKEN") + "/photos/file_1.jpg"
    assert await request.do_request(f"{url}/sendMessage", "POST", form(chat_id=1, text="Hai"))
    upload = form(chat_id=1, photo=PHOTO)
    assert await request.do_request(f"{url}/sendPhoto", "POST", upload) == (200, OK)
    assert await request.do_request(download, "GET") == (200, OK)
    await request.shutdown()


THREE_PATHS = ["/botTOKEN/sendMessage", "/botTOKEN/sendPhoto", "/file/botTOKEN/photos/file_1.jpg"]


async def test_with_a_proxy_every_call_to_an_http_server_is_forwarded_through_it() -> None:
    async with serving(TinyServer()) as server, proxying(TinyProxy()) as proxy:
        await form_upload_and_download(PooledRequest(connections=2, proxy=proxy.url), server.url)
    assert proxy.paths() == THREE_PATHS
    assert [got.path for got in server.received] == THREE_PATHS
    form_call, upload, _ = server.received
    assert form_call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert upload.headers["content-type"].startswith("multipart/form-data")
    assert b"\x89PNG fake" in upload.body


async def test_with_a_proxy_calls_to_an_https_server_go_through_a_connect_tunnel(
    tls: ssl.SSLContext,
) -> None:
    async with serving(TinyServer(), tls) as server, proxying(TinyProxy()) as proxy:
        await form_upload_and_download(PooledRequest(connections=2, proxy=proxy.url), server.url)
    assert [got.path for got in server.received] == THREE_PATHS
    host = server.url.split("/")[2]
    assert proxy.passed and {(p.kind, p.target) for p in proxy.passed} == {("connect", host)}
    assert server.connections == len(proxy.passed)  # every connection came through it


@pytest.mark.parametrize("variable", ["HTTPS_PROXY", "https_proxy", "ALL_PROXY"])
async def test_the_environments_proxy_carries_https_calls(
    variable: str, tls: ssl.SSLContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(TinyServer(), tls) as server, proxying(TinyProxy()) as proxy:
        monkeypatch.setenv(variable, proxy.url)
        await form_upload_and_download(PooledRequest(connections=2), server.url)
    assert len(server.received) == 3
    assert proxy.kinds() and set(proxy.kinds()) == {"connect"}
    assert server.connections == len(proxy.passed)


async def test_the_environments_http_proxy_carries_calls_to_an_http_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with serving(TinyServer()) as server, proxying(TinyProxy()) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url.removeprefix("http://"))  # no scheme: http
        await form_upload_and_download(PooledRequest(connections=2), server.url)
    assert proxy.paths() == THREE_PATHS


@pytest.mark.parametrize(
    ("variable", "no_proxy"),
    [
        ("HTTP_PROXY", "127.0.0.1"),
        ("HTTP_PROXY", "localhost, 127.0.0.1"),
        ("http_proxy", "*"),
        ("ALL_PROXY", "example.go.id,127.0.0.1"),
        ("HTTPS_PROXY", ""),  # names no proxy for http:// servers
    ],
)
async def test_calls_go_direct_when_no_proxy_applies_to_the_server(
    variable: str, no_proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with serving(TinyServer()) as server, proxying(TinyProxy()) as proxy:
        monkeypatch.setenv(variable, proxy.url)
        monkeypatch.setenv("NO_PROXY", no_proxy)
        await form_upload_and_download(PooledRequest(connections=2), server.url)
    assert [got.path for got in server.received] == THREE_PATHS
    assert proxy.passed == []


async def test_the_proxy_url_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    async with (
        serving(TinyServer()) as server,
        proxying(TinyProxy()) as configured,
        proxying(TinyProxy()) as environment,
    ):
        monkeypatch.setenv("HTTP_PROXY", environment.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        request = PooledRequest(connections=2, proxy=configured.url)
        await form_upload_and_download(request, server.url)
    assert configured.paths() == THREE_PATHS
    assert environment.passed == []


@pytest.mark.parametrize("scheme", ["socks5", "socks5h"])
async def test_a_socks5_proxy_carries_every_call(scheme: str) -> None:
    async with (
        serving(TinyServer()) as server,
        proxying(TinyProxy(credentials=("kantor", PASSWORD))) as proxy,
    ):
        url = proxy.url_with(scheme, "kantor", PASSWORD)
        await form_upload_and_download(PooledRequest(connections=2, proxy=url), server.url)
    assert [got.path for got in server.received] == THREE_PATHS
    assert proxy.kinds() and set(proxy.kinds()) == {"socks5"}
    assert server.connections == len(proxy.passed)


async def test_a_proxy_asking_for_a_password_gets_the_one_in_the_url() -> None:
    async with (
        serving(TinyServer()) as server,
        proxying(TinyProxy(credentials=("kantor", PASSWORD))) as proxy,
    ):
        url = proxy.url_with("http", "kantor", PASSWORD)
        await form_upload_and_download(PooledRequest(connections=2, proxy=url), server.url)
    assert proxy.paths() == THREE_PATHS and proxy.refused == 0


async def test_a_refused_password_is_a_network_error_that_does_not_show_it(
    tls: ssl.SSLContext, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with (
        serving(TinyServer(), tls) as server,
        proxying(TinyProxy(credentials=("kantor", "the-right-one"))) as proxy,
    ):
        request = PooledRequest(connections=2, proxy=proxy.url_with("http", "kantor", PASSWORD))
        with pytest.raises(NetworkError) as raised:
            await request.do_request(f"{server.url}/getMe", "POST")
        await request.shutdown()
    assert "407" in str(raised.value)
    assert proxy.refused == 1 and server.received == []
    for text in (str(raised.value), repr(raised.value), caplog.text):
        assert PASSWORD not in text


async def test_through_a_proxy_errors_and_the_connection_limit_are_as_without_one() -> None:
    async with proxying(TinyProxy()) as proxy:
        request = PooledRequest(connections=2, proxy=proxy.url)
        async with serving(TinyServer(delay=0.5)) as slow:
            with pytest.raises(TimedOut):
                await request.do_request(f"{slow.url}/getMe", "POST", read_timeout=0.05)
        async with serving(TinyServer(delay=0.02)) as server:
            outcomes = await asyncio.gather(
                *(request.do_request(f"{server.url}/getMe", "POST") for _ in range(7))
            )
        await request.shutdown()
    assert outcomes == [(200, OK)] * 7
    assert server.most_on_their_way == 2
    assert len(proxy.paths()) == 8
    gone = PooledRequest(connections=2, proxy="http://127.0.0.1:9")  # nobody listens on 9
    with pytest.raises(NetworkError, match="ConnectError"):
        await gone.do_request(f"{server.url}/getMe", "POST")
    await gone.shutdown()

"""A small proxy on 127.0.0.1 for the tests, counting what goes through it.

One port speaks the three ways a client may use a proxy, told apart by the first byte:

* a forward request (``POST http://host:port/path HTTP/1.1``, what httpx sends for an
  http:// URL), passed on to that server and its answer passed back;
* ``CONNECT host:port`` (for an https:// URL): a tunnel, bytes passed both ways;
* SOCKS5 (first byte 5): a tunnel as well.

With ``credentials`` set it asks for them (``Proxy-Authorization: Basic``, or SOCKS5's
user name and password) and answers ``407`` (or refuses) without them. Only what the
tests need is spoken: answers must carry a Content-Length, no chunked bodies.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Passed:
    """One request the proxy passed on (``kind`` forward), or one tunnel it opened
    (``connect``, ``socks5``); ``target`` is host:port, ``path`` a forward's path."""

    kind: str
    target: str
    path: str = ""


@dataclass
class TinyProxy:
    credentials: tuple[str, str] | None = None
    passed: list[Passed] = field(default_factory=list)
    refused: int = 0
    url: str = ""  # http://127.0.0.1:<port>, set when serving
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)

    def url_with(self, scheme: str = "http", user: str = "", password: str = "") -> str:
        userinfo = f"{user}:{password}@" if user else ""
        return self.url.replace("http://", f"{scheme}://{userinfo}")

    def kinds(self) -> list[str]:
        return [p.kind for p in self.passed]

    def paths(self) -> list[str]:
        return [p.path for p in self.passed if p.kind == "forward"]

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        try:
            first = await reader.readexactly(1)
            if first == b"\x05":
                await self._socks5(reader, writer)
            else:
                await self._http(first, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    # ----------------------------------------------------------------- HTTP proxy

    async def _http(
        self, first: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        head = first + await reader.readuntil(b"\r\n\r\n")
        try:
            while True:
                method, target, headers = _parse_head(head)
                if not self._authorized(headers.get("proxy-authorization", "")):
                    self.refused += 1
                    writer.write(
                        b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                        b'Proxy-Authenticate: Basic realm="tiny"\r\nContent-Length: 0\r\n\r\n'
                    )
                    await writer.drain()
                    return
                if method == "CONNECT":
                    await self._tunnel(
                        "connect", target, reader, writer, b"HTTP/1.1 200 OK\r\n\r\n"
                    )
                    return
                host, port = _host_port(target)
                path = "/" + _without_scheme(target).partition("/")[2]
                self.passed.append(Passed("forward", f"{host}:{port}", path))
                upstream = upstream or await asyncio.open_connection(host, port)
                await self._forward(method, path, headers, reader, writer, upstream)
                head = await reader.readuntil(b"\r\n\r\n")
        finally:
            if upstream is not None:
                upstream[1].close()

    async def _forward(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    ) -> None:
        """Pass one absolute-URI request on in origin form, and its answer back."""
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        kept = "".join(
            f"{name}: {value}\r\n"
            for name, value in headers.items()
            if not name.startswith("proxy-")
        )
        up_reader, up_writer = upstream
        up_writer.write(f"{method} {path} HTTP/1.1\r\n{kept}\r\n".encode("latin-1") + body)
        await up_writer.drain()
        answer = await up_reader.readuntil(b"\r\n\r\n")
        _, _, answer_headers = _parse_head(answer, status=True)
        answer += await up_reader.readexactly(int(answer_headers.get("content-length", "0")))
        writer.write(answer)
        await writer.drain()

    def _authorized(self, header: str) -> bool:
        if self.credentials is None:
            return True
        expected = base64.b64encode(":".join(self.credentials).encode()).decode()
        return header == f"Basic {expected}"

    # ----------------------------------------------------------------- SOCKS5

    async def _socks5(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        methods = await reader.readexactly((await reader.readexactly(1))[0])
        wanted = 0 if self.credentials is None else 2  # no authentication / user+password
        if wanted not in methods:
            self.refused += 1
            writer.write(b"\x05\xff")
            return
        writer.write(bytes([5, wanted]))
        if wanted == 2:
            await reader.readexactly(1)  # sub-negotiation version 1
            user = await reader.readexactly((await reader.readexactly(1))[0])
            password = await reader.readexactly((await reader.readexactly(1))[0])
            if (user.decode(), password.decode()) != self.credentials:
                self.refused += 1
                writer.write(b"\x01\x01")
                return
            writer.write(b"\x01\x00")
        _version, _command, _reserved, kind = await reader.readexactly(4)
        if kind == 1:
            host = ".".join(str(b) for b in await reader.readexactly(4))
        elif kind == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
        else:
            raise ConnectionError("IPv6 is not spoken here")
        port = int.from_bytes(await reader.readexactly(2), "big")
        reply = b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00"
        await self._tunnel("socks5", f"{host}:{port}", reader, writer, reply)

    # ----------------------------------------------------------------- tunnels

    async def _tunnel(
        self,
        kind: str,
        target: str,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        established: bytes,
    ) -> None:
        up_reader, up_writer = await asyncio.open_connection(*_host_port(target))
        self.passed.append(Passed(kind, target))
        writer.write(established)
        await writer.drain()

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError):
                while chunk := await source.read(65536):
                    sink.write(chunk)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def _parse_head(head: bytes, *, status: bool = False) -> tuple[str, str, dict[str, str]]:
    first, *lines = head.decode("latin-1").rstrip("\r\n").split("\r\n")
    method, target = (first.split(" ", 2) + [""])[:2]
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return ("", "", headers) if status else (method, target, headers)


def _without_scheme(target: str) -> str:
    return target.split("://", 1)[-1]


def _host_port(target: str) -> tuple[str, int]:
    host, _, port = _without_scheme(target).partition("/")[0].rpartition(":")
    return host, int(port)


@contextlib.asynccontextmanager
async def serving(proxy: TinyProxy) -> AsyncIterator[TinyProxy]:
    """Serve ``proxy`` on a free port of 127.0.0.1 in the running event loop."""
    listener = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
    proxy.url = f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}"
    try:
        yield proxy
    finally:
        for writer in proxy._writers:
            writer.close()
        listener.close()
        await listener.wait_closed()


@contextlib.contextmanager
def serving_in_thread(proxy: TinyProxy) -> Iterator[TinyProxy]:
    """Serve ``proxy`` from an event loop of its own, for tests that are not async."""
    ready = threading.Event()
    running: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def main() -> None:
        stop = asyncio.Event()
        running.append((asyncio.get_running_loop(), stop))
        async with serving(proxy):
            ready.set()
            await stop.wait()

    # asyncio.run cancels the connections still being served when main returns
    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the proxy did not start")
    try:
        yield proxy
    finally:
        loop, stop = running[0]
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)

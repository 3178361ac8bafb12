"""python-telegram-bot's HTTP client, made cheap per call for a busy bot.

PTB's ``HTTPXRequest`` spends most of a busy bot's event-loop time on work a Bot API
call does not need:

* httpcore's connection pool scans all its connections whenever a call starts or
  ends (checking an idle one costs two system calls, and part of the scan goes over
  every pair of connections). With PTB's default of 256 connections that costs more
  CPU than the call itself, and calls queued inside the pool cost more still.
* httpx's client layer (URL merging, cookies, auth and redirect handling, response
  decoding) costs about as much again, and a Bot API call is one POST of form
  fields to a fixed URL, answered with JSON.

So ``PooledRequest`` sends such calls on httpcore's HTTP/1.1 connections itself: at
most ``connections`` calls are on their way (the rest wait at an asyncio semaphore,
first come first served), and idle keep-alive connections wait in a stack, the most
recently used taken first and only that one checked. Calls that upload files
(multipart bodies) still go through httpx.

That path goes straight to the server. When a proxy applies (``proxy``, else the
environment's ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY`` unless ``NO_PROXY`` covers
the host: see ``bot.telegram.proxy``), every call goes through httpx instead, whose
proxy support tunnels https with CONNECT, forwards http, and speaks SOCKS5; the same
timeouts, TLS verification, connection limit and errors apply. Whether the
environment names a proxy is looked up once per server.

Errors mean what they mean in ``HTTPXRequest``: a timeout raises ``TimedOut``, any
other transport failure ``NetworkError``, so PTB's retries and rate limiting see no
difference.

How many (``telegram.connections``, default 16): each update takes about 3 calls
(answer the button, edit its message, send the reply), and broadcasts share the
connections. Against the real Bot API (100-300 ms a call from Indonesia), 16
connections carry 50-160 calls a second, above Telegram's ~30 messages a second
per bot.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any
from urllib.parse import urlencode

import certifi
import httpcore
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.telegram.proxy import environment_proxy

KEEPALIVE_SECONDS = 5.0  # httpx's default: an idle connection older than this is closed

_Origin = tuple[bytes, bytes, int]  # scheme, host, port: httpcore's Origin is not hashable
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
_FORM = b"application/x-www-form-urlencoded"
_USER_AGENT = HTTPXRequest.USER_AGENT.encode()
_TRANSPORT_ERRORS = (
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.ProxyError,
    httpcore.UnsupportedProtocol,
    httpcore.ConnectionNotAvailable,
)


class PooledRequest(HTTPXRequest):
    """An ``HTTPXRequest`` with at most ``connections`` calls on their way, which
    sends form-encoded calls on its own keep-alive connections unless a proxy applies.

    ``proxy`` (http://, https://, socks5:// or socks5h://, credentials in the URL)
    carries every call; without it the environment's proxy variables are honoured."""

    __slots__ = ("_closed", "_direct", "_idle", "_proxy", "_room", "_ssl_context")

    def __init__(self, connections: int, proxy: str | None = None, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=connections, proxy=proxy, **kwargs)
        self._proxy = proxy
        self._direct: dict[_Origin, bool] = {}  # server: no proxy applies to it
        self._room = asyncio.Semaphore(connections)
        self._idle: dict[_Origin, list[httpcore.AsyncHTTPConnection]] = {}
        self._ssl_context: ssl.SSLContext | None = None
        self._closed = False

    async def initialize(self) -> None:
        await super().initialize()
        self._closed = False

    async def shutdown(self) -> None:
        await super().shutdown()
        self._closed = True
        idle = [connection for stack in self._idle.values() for connection in stack]
        self._idle.clear()
        for connection in idle:
            await connection.aclose()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        async with self._room:
            multipart = request_data is not None and bool(request_data.multipart_data)
            target = None if multipart else self._direct_target(url)
            if target is None:  # a file upload, or a proxy applies: httpx sends it
                return await super().do_request(url, method, request_data, *timeouts)
            if self._closed:
                raise RuntimeError("This PooledRequest is not initialized!")
            return await self._send(
                target, method, request_data, read_timeout, write_timeout, connect_timeout
            )

    def _direct_target(self, url: str) -> httpcore.URL | None:
        """``url`` parsed, when the call goes straight to its server; else None."""
        if self._proxy is not None:
            return None
        target = httpcore.URL(url)
        key = _key(target.origin)
        direct = self._direct.get(key)
        if direct is None:
            direct = self._direct[key] = environment_proxy(url) is None
        return target if direct else None

    async def _send(
        self,
        target: httpcore.URL,
        method: str,
        request_data: RequestData | None,
        read_timeout: Any,
        write_timeout: Any,
        connect_timeout: Any,
    ) -> tuple[int, bytes]:
        defaults = self._client.timeout
        timeout = {
            "connect": defaults.connect if _default(connect_timeout) else connect_timeout,
            "read": defaults.read if _default(read_timeout) else read_timeout,
            "write": defaults.write if _default(write_timeout) else write_timeout,
        }
        origin = target.origin
        headers = [(b"Host", _host_header(origin)), (b"User-Agent", _USER_AGENT)]
        body = b""
        if request_data is not None:
            body = urlencode(request_data.json_parameters).encode()
            headers.append((b"Content-Type", _FORM))
        if method != "GET":  # a GET (a file download) has no body to frame
            headers.append((b"Content-Length", b"%d" % len(body)))
        request = httpcore.Request(
            method, target, headers=headers, content=body, extensions={"timeout": timeout}
        )
        connection = await self._take(origin)
        try:
            response = await connection.handle_async_request(request)
            try:
                content = await response.aread()
            finally:
                await response.aclose()
        except BaseException as err:
            await connection.aclose()
            if isinstance(err, httpcore.TimeoutException):
                raise TimedOut from err
            if isinstance(err, _TRANSPORT_ERRORS):
                raise NetworkError(f"httpcore.{err.__class__.__name__}: {err}") from err
            raise
        if connection.is_idle() and not self._closed:
            self._idle.setdefault(_key(origin), []).append(connection)
        else:
            await connection.aclose()
        return response.status, content

    async def _take(self, origin: httpcore.Origin) -> httpcore.AsyncHTTPConnection:
        """The most recently used idle connection to ``origin`` that is still good
        (expired ones are dropped), or a new one."""
        stack = self._idle.get(_key(origin), [])
        while stack:
            connection = stack.pop()
            if connection.is_idle() and not connection.has_expired():
                return connection
            await connection.aclose()  # kept too long, or the server hung up on it
        if origin.scheme == b"https" and self._ssl_context is None:
            self._ssl_context = ssl.create_default_context(cafile=certifi.where())
        return httpcore.AsyncHTTPConnection(
            origin, ssl_context=self._ssl_context, keepalive_expiry=KEEPALIVE_SECONDS
        )


def _key(origin: httpcore.Origin) -> _Origin:
    return origin.scheme, origin.host, origin.port


def _host_header(origin: httpcore.Origin) -> bytes:
    if origin.port == _DEFAULT_PORTS.get(origin.scheme):
        return origin.host
    return b"%b:%d" % (origin.host, origin.port)


def _default(value: object) -> bool:
    return isinstance(value, type(BaseRequest.DEFAULT_NONE))

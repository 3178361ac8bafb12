"""The adapter's HTTP client: a few connections, the calls beyond them waiting."""

from __future__ import annotations

import asyncio

import pytest
from telegram.request import HTTPXRequest

from bot.telegram.request import PooledRequest


async def test_calls_beyond_the_connections_wait_their_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    on_their_way = most = 0

    async def fake_call(self: HTTPXRequest, *_args: object, **_kwargs: object) -> tuple[int, bytes]:
        nonlocal on_their_way, most
        on_their_way += 1
        most = max(most, on_their_way)
        await asyncio.sleep(0.01)
        on_their_way -= 1
        return 200, b'{"ok": true, "result": true}'

    monkeypatch.setattr(HTTPXRequest, "do_request", fake_call)
    request = PooledRequest(connections=2)
    outcomes = await asyncio.gather(
        *(request.do_request("https://api.example/bot/x", "POST") for _ in range(7))
    )
    assert outcomes == [(200, b'{"ok": true, "result": true}')] * 7
    assert most == 2
    await request.shutdown()

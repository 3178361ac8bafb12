"""Per-process turns: one resident's updates one at a time, in arrival order."""

from __future__ import annotations

import asyncio

from bot.turns import Turns


async def test_one_key_runs_in_arrival_order_and_other_keys_do_not_wait() -> None:
    turns = Turns()
    log: list[str] = []
    first_inside = asyncio.Event()
    release = asyncio.Event()

    async def update(key: str, name: str, hold: bool = False) -> None:
        async with turns.of(key):
            log.append(f"{name} in")
            if hold:
                first_inside.set()
                await release.wait()
            await asyncio.sleep(0)
            log.append(f"{name} out")

    tasks = [asyncio.create_task(update("7", "a", hold=True))]
    await first_inside.wait()
    tasks += [asyncio.create_task(update("7", name)) for name in ("b", "c", "d")]
    tasks.append(asyncio.create_task(update("8", "other")))
    await asyncio.wait_for(tasks[-1], 5)  # another resident is not held up
    assert log == ["a in", "other in", "other out"]
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), 5)
    mine = [entry for entry in log if not entry.startswith("other")]
    assert mine == [f"{name} {way}" for name in "abcd" for way in ("in", "out")]
    assert len(turns) == 0  # nothing kept once all is quiet


async def test_a_failing_update_passes_the_turn_on() -> None:
    turns = Turns()

    async def failing() -> None:
        async with turns.of("7"):
            raise RuntimeError("a bug in a step")

    async def working() -> str:
        async with turns.of("7"):
            return "handled"

    results = await asyncio.gather(failing(), working(), return_exceptions=True)
    assert isinstance(results[0], RuntimeError) and results[1] == "handled"
    assert len(turns) == 0

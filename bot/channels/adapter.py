"""What every chat adapter holds: its settings, the engine, the media store, the
clock and the shared pipeline, so the Telegram and WhatsApp adapters are built the
same way and differ only in ``connect`` (their platform client) and ``deliver``."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from bot.channels.pipeline import Pipeline
from bot.dbthreads import DatabaseThreads
from bot.media import MediaStore
from bot.outbox import OutboxDispatcher
from handlers.core.engine import Engine
from handlers.core.types import Reply

SettingsT = TypeVar("SettingsT")


class ChannelAdapter(ABC, Generic[SettingsT]):
    """``pipeline``: the one every channel of the process shares (``bot.runner``);
    without it, the channel makes its own (tests, tools)."""

    channel: str

    def __init__(
        self,
        settings: SettingsT,
        engine: Engine,
        media: MediaStore,
        clock: Callable[[], datetime],
        threads: DatabaseThreads | None = None,
        *,
        pipeline: Pipeline | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.media = media
        self.clock = clock
        self.pipeline = pipeline or Pipeline.alone(engine, self, clock, threads)
        self.threads = self.pipeline.threads
        self.connect()

    @abstractmethod
    def connect(self) -> None:
        """Build the platform client from ``self.settings`` (called once, last, by
        ``__init__``)."""

    @property
    def outbox(self) -> OutboxDispatcher:
        return self.pipeline.outbox

    @abstractmethod
    async def deliver(self, recipient: str, reply: Reply, *, kind: str = "reply") -> str | None:
        """Send one reply (``bot.delivery.Sender``)."""

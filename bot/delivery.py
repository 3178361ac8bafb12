"""What a channel adapter promises when it sends, and what a failed send does to
the outbox rows.

Each channel adapter is a ``Sender``; a failed send raises ``DeliveryFailed``
saying whether to retry (and when), give up, or mark the resident unreachable.
``record_failure`` writes that verdict to the rows; the dispatcher
(``bot.outbox``) decides when to send, this module what a failure means.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine as Database

from bot.media import MediaStore
from handlers.core.types import Reply
from storage.db import transaction
from storage.outbox import (
    hold_recipient,
    mark_failed,
    mark_rate_limited,
    mark_retry,
    mark_unreachable,
)
from storage.pace import pause_channel


class DeliveryFailed(Exception):
    """A send that did not go through; the flags say what to do next."""

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        unreachable: bool = False,
        permanent: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.unreachable = unreachable
        self.permanent = permanent


def attachment(media: MediaStore, reference: str) -> Path:
    """The file a reply carries. A file sent in chat is deleted once delivered or
    after its grace period: a message whose file is gone fails for good."""
    path = media.path_of(reference)
    if not path.is_file():
        raise DeliveryFailed("its file is no longer kept", permanent=True)
    return path


class Sender(Protocol):
    channel: str

    async def deliver(self, recipient: str, reply: Reply, *, kind: str = "reply") -> str | None:
        """Send one reply; return the platform's message id, or raise DeliveryFailed.
        Once sent, the files sent in chat that the reply carried are deleted
        (``MediaStore.delivered``).

        ``kind`` is the outbox row's kind: WhatsApp needs it to pick the approved
        template outside the 24-hour window."""
        ...


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s … capped at 30 minutes."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 1800))


def record_failure(
    db: Database,
    *,
    channel: str,
    recipient: str,
    message_ids: list[int],
    attempts: int,
    failure: DeliveryFailed,
    now: datetime,
    claim: str | None = None,
) -> datetime:
    """Record the failure; returns when the recipient's next message may go (after
    a 429: when the channel's pause ends, for every process)."""
    due_at = now
    with transaction(db) as session:
        if failure.retry_after is not None:
            due_at = pause_channel(
                session=session,
                channel=channel,
                now=now,
                until=now + timedelta(seconds=failure.retry_after),
            )
        for message_id in message_ids:
            if failure.retry_after is not None:
                mark_rate_limited(
                    session=session,
                    message_id=message_id,
                    due_at=due_at,
                    error=failure.reason,
                    claim=claim,
                )
            elif failure.unreachable:
                mark_unreachable(
                    session=session,
                    message_id=message_id,
                    identity=f"{channel}:{recipient}",
                    now=now,
                    error=failure.reason,
                    claim=claim,
                )
            elif failure.permanent:
                mark_failed(
                    session=session, message_id=message_id, error=failure.reason, claim=claim
                )
            else:
                retry_at = mark_retry(
                    session=session,
                    message_id=message_id,
                    attempts=attempts,
                    now=now,
                    after=backoff(attempts),
                    error=failure.reason,
                    claim=claim,
                )
                due_at = retry_at or now
        if due_at > now:  # the recipient's later messages wait for this one
            hold_recipient(
                session=session, channel=channel, recipient=recipient, until=due_at, now=now
            )
    return due_at

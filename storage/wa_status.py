"""WhatsApp delivery receipts (status callbacks) on the outbox rows they refer to.

A status names the message by its wamid, which the outbox keeps as ``external_id``.
``sent``/``delivered``/``read`` are recorded in the payload's ``delivery`` entry
(the row stays ``sent``: counts and pacing read that status), only ever forward;
``failed`` marks the row failed with the error, or due again when the failure was a
rate limit. Unknown wamids (the bot's own page turns, messages sent by hand in the
WhatsApp Manager) are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from storage.models import OutboxMessage

CHANNEL = "whatsapp"
ERROR_LENGTH = 500
PROGRESS = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


@dataclass(frozen=True)
class DeliveredRow:
    """What the adapter needs to act on a failure: the row and what it said."""

    id: int
    recipient: str
    kind: str
    payload: dict[str, Any]
    last_error: str | None


def find_by_external_id(*, session: Session, external_id: str) -> OutboxMessage | None:
    return session.exec(
        select(OutboxMessage).where(
            col(OutboxMessage.channel) == CHANNEL, col(OutboxMessage.external_id) == external_id
        )
    ).first()


def record_receipt(
    *, session: Session, external_id: str, status: str, at: datetime
) -> DeliveredRow | None:
    """Note ``sent``/``delivered``/``read``/``failed`` on the row sent as ``external_id``."""
    row = find_by_external_id(session=session, external_id=external_id)
    if row is None:
        return None
    delivery = dict(row.payload.get("delivery") or {})
    if PROGRESS.get(status, 0) > PROGRESS.get(delivery.get("status", ""), 0):
        delivery.update(status=status, at=at.isoformat())
        delivery[f"{status}_at"] = at.isoformat()
        row.payload = {**row.payload, "delivery": delivery}  # a new dict: JSON is not tracked
        if row.sent_at is None and status != "failed":
            row.sent_at = at
        session.add(row)
    return _snapshot(row)


def mark_delivery_failed(*, session: Session, message_id: int, error: str) -> None:
    row = session.get(OutboxMessage, message_id)
    if row is not None:
        row.status, row.last_error = "failed", error[:ERROR_LENGTH]
        session.add(row)


def mark_due_again(*, session: Session, message_id: int, due_at: datetime, error: str) -> None:
    """A failure worth retrying (a rate limit): the dispatcher sends it again."""
    row = session.get(OutboxMessage, message_id)
    if row is not None:
        row.status, row.due_at, row.last_error = "pending", due_at, error[:ERROR_LENGTH]
        row.claimed_until, row.claim, row.external_id = None, None, None
        session.add(row)


def mark_resent(*, session: Session, message_id: int, external_id: str, note: str) -> None:
    """Sent again another way (as a template): the new wamid takes the old one's place."""
    row = session.get(OutboxMessage, message_id)
    if row is not None:
        row.status, row.external_id, row.last_error = "sent", external_id, note[:ERROR_LENGTH]
        delivery = {"status": "sent", "resent_as": "template"}
        row.payload = {**row.payload, "delivery": delivery}
        session.add(row)


def _snapshot(row: OutboxMessage) -> DeliveredRow:
    assert row.id is not None
    return DeliveredRow(row.id, row.recipient, row.kind, dict(row.payload), row.last_error)

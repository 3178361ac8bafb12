"""Status callbacks (sent, delivered, read, failed) on the outbox rows they refer to.

A failure Meta reports later is acted on here: 131047 (the 24-hour window had
closed) sends the kind's template instead, a rate limit makes the row due again,
anything else marks it failed with the error.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pywa_async import WhatsApp
from pywa_async.types import MessageStatus

from bot.delivery import DeliveryFailed
from bot.whatsapp.errors import BACK_OFF, RATE_LIMITS, RE_ENGAGEMENT, describe
from handlers.core.types import Reply
from storage.db import transaction
from storage.wa_status import (
    DeliveredRow,
    mark_delivery_failed,
    mark_due_again,
    mark_resent,
    record_receipt,
)

if TYPE_CHECKING:
    from bot.whatsapp.channel import WhatsAppChannel

logger = logging.getLogger(__name__)

RETRY_AFTER = timedelta(seconds=60)


class Receipts:
    def __init__(self, channel: WhatsAppChannel) -> None:
        self.channel = channel

    async def on_status(self, _client: WhatsApp, status: MessageStatus) -> None:
        channel = self.channel
        state = str(status.status).lower()
        at = status.timestamp or channel.clock()
        row = await channel.threads.run(self._record, str(status.id), state, at)
        if row is None or state != "failed":
            return
        error = status.error
        reason = describe(error) if error is not None else "failed"
        code = error.code if error is not None else None
        if code == RE_ENGAGEMENT and self._may_fall_back(row):
            await self._resend_as_template(row, reason)
        elif code in RATE_LIMITS or code in BACK_OFF:
            due_at = channel.clock() + RETRY_AFTER
            await channel.threads.run(self._due_again, row.id, due_at, reason)
        else:
            logger.warning("whatsapp: a %s message failed: %s", row.kind, reason)
            await channel.threads.run(self._failed, row.id, reason)

    def _may_fall_back(self, row: DeliveredRow) -> bool:
        resent = (row.payload.get("delivery") or {}).get("resent_as")
        return row.kind in self.channel.settings.templates and resent is None

    async def _resend_as_template(self, row: DeliveredRow, reason: str) -> None:
        channel = self.channel
        _, name, _ = await channel.threads.run(channel.facts, row.recipient)
        try:
            new_id = await channel.send_template(
                row.recipient, Reply.from_payload(row.payload), row.kind, name
            )
        except DeliveryFailed as failure:
            await channel.threads.run(self._failed, row.id, f"{reason}; template: {failure}")
            return
        note = f"{reason}; sent as the template instead"
        logger.info("whatsapp: a %s message outside the window went as its template", row.kind)
        await channel.threads.run(self._resent, row.id, new_id, note)

    def _record(self, wamid: str, state: str, at: datetime) -> DeliveredRow | None:
        with transaction(self.channel.engine.db) as session:
            return record_receipt(session=session, external_id=wamid, status=state, at=at)

    def _failed(self, message_id: int, reason: str) -> None:
        with transaction(self.channel.engine.db) as session:
            mark_delivery_failed(session=session, message_id=message_id, error=reason)

    def _due_again(self, message_id: int, due_at: datetime, reason: str) -> None:
        with transaction(self.channel.engine.db) as session:
            mark_due_again(session=session, message_id=message_id, due_at=due_at, error=reason)

    def _resent(self, message_id: int, wamid: str, note: str) -> None:
        with transaction(self.channel.engine.db) as session:
            mark_resent(session=session, message_id=message_id, external_id=wamid, note=note)

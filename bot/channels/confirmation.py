"""Whether what a platform delivered in one go may be confirmed to it.

A Telegram update (its polling offset or its webhook's 200) and a WhatsApp
webhook POST (its 200) are confirmed only once their effects are committed; if
not, the platform delivers them again and the dedupe in the database skips what
was committed meanwhile. The adapter opens a ``Confirmation`` around the
platform library's dispatch (``confirming``), the handlers called within record
on it (``current``) what the database did not take, and the adapter reads
``committed`` when the dispatch is over. A context variable carries it because the
platform libraries call our handlers themselves and keep their exceptions.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from handlers.core.engine import ConversationBusy

logger = logging.getLogger(__name__)

# The database is briefly unreachable or locked, or the conversation stayed busy:
# the delivery is not confirmed (no apology), so it comes again and is handled then.
TRANSIENT = (OperationalError, PoolTimeout, ConversationBusy)


@dataclass
class Confirmation:
    """What of one delivery was not committed: how many updates, and the residents
    whose later updates in the same delivery wait for the redelivery (to keep
    their order)."""

    uncommitted: int = 0
    held: set[str] = field(default_factory=set)

    @property
    def committed(self) -> bool:
        return not self.uncommitted

    def holds(self, user_id: str | None) -> bool:
        """True when an earlier update of this resident was not committed."""
        return user_id is not None and user_id in self.held

    def not_committed(self, channel: str, error: BaseException, user_id: str | None) -> None:
        """Record an update whose effects the database did not take."""
        logger.warning(
            "%s: update not committed, it will come again: %s", channel, type(error).__name__
        )
        self.skipped(user_id)

    def skipped(self, user_id: str | None) -> None:
        """Record an update left for the redelivery (its resident's earlier one is)."""
        self.uncommitted += 1
        if user_id is not None:
            self.held.add(user_id)


_current: contextvars.ContextVar[Confirmation] = contextvars.ContextVar("confirmation")


@contextmanager
def confirming() -> Iterator[Confirmation]:
    """Open the confirmation of one delivery for the handlers called within."""
    confirmation = Confirmation()
    token = _current.set(confirmation)
    try:
        yield confirmation
    finally:
        _current.reset(token)


def current() -> Confirmation:
    """The open confirmation, or a throwaway one outside ``confirming``."""
    return _current.get(None) or Confirmation()

"""Scheduled work that reads what is due from our own tables (never pickled jobs),
so any number of processes may run it: each write is one transaction."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine

from bot.i18n import translator
from handlers.training_notices import send_due_reminders
from storage.db import transaction
from storage.trainings import finish_past_programs

logger = logging.getLogger(__name__)

TRAINING_INTERVAL_SECONDS = 60


def training_tick(db: Engine, offsets: Sequence[timedelta], now: datetime) -> int:
    """Finish programs that are over and write the training reminders due now;
    returns how many reminders were written (the outbox sends them)."""
    with transaction(db) as session:
        finished = finish_past_programs(session=session, now=now)
        if finished:
            logger.info("trainings: %d program(s) finished", finished)
        return send_due_reminders(session, translator, offsets, now)

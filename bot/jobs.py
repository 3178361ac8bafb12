"""Scheduled work that reads what is due from our own tables (never pickled jobs),
so any number of processes may run it: each write is one transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Engine

from bot.config import SlaSettings
from bot.i18n import translator
from bot.media import MediaStore
from handlers.aspirations.deadline_plan import Watch
from handlers.aspirations.deadlines import send_sla_alerts
from handlers.forums.notices import plan_forum_reminders, renderer
from handlers.trainings.notices import send_due_reminders
from storage.announcements import FANOUT_BATCH, due_announcements, fan_out_batch
from storage.audit import record
from storage.db import compact_log, transaction
from storage.privacy import remove_photos
from storage.retention import Retention, purge
from storage.sla import ServiceClock
from storage.trainings import finish_past_programs

logger = logging.getLogger(__name__)

TRAINING_INTERVAL_SECONDS = 60
FORUM_INTERVAL_SECONDS = 60
BROADCAST_INTERVAL_SECONDS = 5
SLA_INTERVAL_SECONDS = 60
FANOUT_SECONDS = 4.0  # one tick fans out for at most this long, then lets others run
PRIVACY_INTERVAL_HOURS = 24


def privacy_tick(
    db: Engine,
    retention: Retention,
    media: MediaStore | None,
    now: datetime,
    *,
    dry_run: bool = False,
    actor: str = "scheduler",
) -> dict[str, int]:
    """Apply the retention limits (or, ``dry_run``, only count); returns the count
    per kind, "files" being the files sent in chat past ``file_hours``, and
    "unsent_attachments" the photos and voice notes past it that no aspiration,
    answer, announcement or draft names. A purge that removed anything is audited."""
    grace = timedelta(hours=retention.file_hours)
    files = media.expired_files(now, grace) if media is not None else []
    kept = media.kept_files(now - grace) if media is not None else []
    with transaction(db) as session:
        purged = purge(
            session=session, now=now, retention=retention, dry_run=dry_run, kept_files=kept
        )
        counts = {**purged.counts, "files": len(files)}
        if not dry_run and any(counts.values()):
            record(session=session, actor=actor, action="privacy_purge", details=counts, now=now)
    if not dry_run:
        remove_photos(media, purged.photos)  # after the commit: no row points at them
        if media is not None:
            media.remove_files(files)
        compact_log(db)  # what erasures since the last purge removed leaves the log too
        logger.info("retention: %s", ", ".join(f"{k} {v}" for k, v in counts.items()))
    return counts


def training_tick(db: Engine, offsets: Sequence[timedelta], now: datetime) -> int:
    """Finish programs that are over and write the training reminders due now;
    returns how many reminders were written (the outbox sends them)."""
    with transaction(db) as session:
        finished = finish_past_programs(session=session, now=now)
        if finished:
            logger.info("trainings: %d program(s) finished", finished)
        return send_due_reminders(session, translator, offsets, now)


def forum_tick(db: Engine, offsets: Sequence[timedelta], now: datetime) -> int:
    """Plan the forum reminders due now (each an announcement to the forum's
    followers, fanned out by ``broadcast_tick``); returns how many."""
    with transaction(db) as session:
        return plan_forum_reminders(session, translator, offsets, now)


def broadcast_tick(
    db: Engine,
    now: datetime,
    *,
    batch: int = FANOUT_BATCH,
    budget_seconds: float = FANOUT_SECONDS,
) -> int:
    """Fan due announcements out into the outbox, one batch per transaction, for
    at most ``budget_seconds``; returns the rows written. What is left is taken
    up by the next tick (the cursor is saved with each batch)."""
    render = renderer(translator)
    deadline = time.monotonic() + budget_seconds
    written = 0
    with transaction(db) as session:
        due = due_announcements(session, now)
    for announcement_id in due:
        while time.monotonic() < deadline:
            with transaction(db) as session:
                count = fan_out_batch(
                    session=session,
                    announcement_id=announcement_id,
                    now=now,
                    render=render,
                    batch=batch,
                )
            written += count
            if count < batch:
                break
    if written:
        logger.info("announcements: %d outbox row(s) written", written)
    return written


def sla_watch(sla: SlaSettings) -> Watch:
    """When service-clock alerts go out, from ``[sla]``."""
    return Watch(reminder_days=sla.reminder_days, quiet=sla.quiet_hours, digest_at=sla.digest_time)


def sla_tick(
    db: Engine,
    clock: ServiceClock,
    watch: Watch,
    config_roles: Mapping[str, frozenset[str]],
    now: datetime,
) -> int:
    """Write the service-clock reminders, escalations and digests due now, each
    once (``SlaAlert``, in the same transaction as its outbox rows); returns how
    many."""
    with transaction(db) as session:
        return send_sla_alerts(
            session, translator, clock=clock, watch=watch, config_roles=config_roles, now=now
        )

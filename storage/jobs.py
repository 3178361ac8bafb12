"""Chat jobs: heavy work asked for in chat, done by a worker off the inbound path.

A chat step writes a job (``enqueue_job``) in the resident's inbound transaction
and answers at once; a worker claims queued jobs for a lease (``claim_job``, the
outbox's pattern: a conditional UPDATE with a token, ``FOR UPDATE SKIP LOCKED``
on PostgreSQL), renews the lease while it builds (``renew_job``), and finishes
the job in the transaction that writes its delivery (``finish_job``, which only
succeeds while the worker's token still holds the job). A worker that dies
renews nothing more: its job is due again once the lease lapses, until
``MAX_ATTEMPTS`` claims are spent (``give_up`` then marks it failed).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from storage.models import ChatJob

MAX_ATTEMPTS = 3
ERROR_LENGTH = 500


def enqueue_job(
    *,
    session: Session,
    kind: str,
    requested_by: str,
    language: str,
    params: dict[str, Any],
    now: datetime,
) -> ChatJob:
    """Add a queued job; its id is known once the session is flushed."""
    job = ChatJob(
        kind=kind,
        requested_by=requested_by,
        language=language,
        params=params,
        created_at=now,
    )
    session.add(job)
    session.flush()
    return job


def _due(now: datetime) -> Any:
    claimable = or_(col(ChatJob.claimed_until).is_(None), col(ChatJob.claimed_until) <= now)
    return col(ChatJob.status).in_(("queued", "running")) & claimable


def claim_job(
    *,
    session: Session,
    now: datetime,
    lease: timedelta,
    job_id: int | None = None,
    kinds: Sequence[str] | None = None,
) -> ChatJob | None:
    """Claim the oldest due job (or job ``job_id``) for ``lease``: a queued one, or a
    running one whose worker stopped renewing. Returns it detached, or None."""
    query = (
        select(ChatJob.id)
        .where(_due(now), col(ChatJob.attempts) < MAX_ATTEMPTS)
        .order_by(col(ChatJob.id))
        .limit(1)
    )
    if job_id is not None:
        query = query.where(col(ChatJob.id) == job_id)
    if kinds is not None:
        query = query.where(col(ChatJob.kind).in_(kinds))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    found = session.exec(query).first()
    if found is None:
        return None
    token = uuid.uuid4().hex
    result = session.execute(
        update(ChatJob)
        .where(col(ChatJob.id) == found, _due(now))
        .values(
            status="running",
            claimed_until=now + lease,
            claim=token,
            attempts=ChatJob.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    job = session.get(ChatJob, found, populate_existing=True)
    assert job is not None
    session.expunge(job)
    return job


def renew_job(*, session: Session, job_id: int, claim: str, until: datetime) -> bool:
    """Keep the job claimed until ``until``, while ``claim`` still holds it."""
    result = session.execute(
        update(ChatJob)
        .where(
            col(ChatJob.id) == job_id,
            col(ChatJob.claim) == claim,
            col(ChatJob.status) == "running",
        )
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def finish_job(
    *,
    session: Session,
    job_id: int,
    claim: str,
    now: datetime,
    failed: bool = False,
    error: str | None = None,
) -> bool:
    """Mark the job done (or failed); False when the claim no longer holds it (the
    lease lapsed and another worker took it over): the caller must roll back."""
    result = session.execute(
        update(ChatJob)
        .where(
            col(ChatJob.id) == job_id,
            col(ChatJob.claim) == claim,
            col(ChatJob.status) == "running",
        )
        .values(
            status="failed" if failed else "done",
            claimed_until=None,
            finished_at=now,
            last_error=error[:ERROR_LENGTH] if error else None,
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def any_due(*, session: Session, now: datetime) -> bool:
    """Whether a worker has anything to claim or give up (a cheap check by index)."""
    return session.exec(select(ChatJob.id).where(_due(now)).limit(1)).first() is not None


def spent_jobs(*, session: Session, now: datetime) -> list[ChatJob]:
    """Due jobs that used up their attempts (workers died building them), detached."""
    rows = session.exec(
        select(ChatJob).where(_due(now), col(ChatJob.attempts) >= MAX_ATTEMPTS)
    ).all()
    for row in rows:
        session.expunge(row)
    return list(rows)


def give_up(*, session: Session, job_id: int, now: datetime, error: str) -> bool:
    """Mark a spent job failed (once: False when another worker did already)."""
    result = session.execute(
        update(ChatJob)
        .where(col(ChatJob.id) == job_id, _due(now))
        .values(
            status="failed", claimed_until=None, finished_at=now, last_error=error[:ERROR_LENGTH]
        )
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def erase_jobs(*, session: Session, identity: str) -> int:
    """Delete the jobs ``identity`` asked for (their erasure)."""
    result = session.execute(delete(ChatJob).where(col(ChatJob.requested_by) == identity))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

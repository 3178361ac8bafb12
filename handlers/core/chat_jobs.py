"""Chat jobs: exports and statistics built off the resident's inbound path.

``/ekspor`` and ``/statistik`` used to build their file inside the inbound
transaction; on SQLite, with one database thread, every other resident waited
meanwhile. Their last step now queues a job (``Ctx.later``) and answers at once
("sedang disiapkan"); ``run_due`` (a worker in ``siantar run``) claims the job,
builds it with the flow's own ``build`` and, in one transaction, marks it done,
writes the audit entry and puts the reply (the file) in the outbox. The console
has no worker: ``run_now`` runs a job right after its inbound commits and returns
the replies instead (``Engine.handle``).

The requester's role is checked again when the job runs: a role revoked
meanwhile gets a polite note, no file. A build that fails is logged once and
the requester told; a worker that dies mid-build leaves the job to be claimed
again once its lease lapses (``storage.jobs``), up to ``MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine as Database
from sqlmodel import Session

from handlers.core import access
from handlers.core.flow import Ctx
from handlers.core.settings import Built, EngineSettings
from handlers.core.types import Inbound, Reply
from handlers.staff import exports as export_chat
from handlers.staff import stats as stats_chat
from storage.audit import record
from storage.db import transaction
from storage.jobs import (
    MAX_ATTEMPTS,
    any_due,
    claim_job,
    finish_job,
    give_up,
    renew_job,
    spent_jobs,
)
from storage.models import ChatJob, Conversation
from storage.outbox import enqueue
from storage.residents import get_resident

logger = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # renewed every third of it while a job is built
BUILDERS: dict[str, tuple[str, Callable[[Ctx, dict[str, Any]], Built]]] = {
    export_chat.JOB: (export_chat.FLOW.role or "staff", export_chat.build),
    stats_chat.JOB: (stats_chat.FLOW.role or "staff", stats_chat.build),
}
Clock = Callable[[], datetime]


def run_now(db: Database, settings: EngineSettings, job_id: int, now: datetime) -> list[Reply]:
    """Claim job ``job_id`` and build it here; returns its replies (nothing goes
    to the outbox). Empty when another worker has it."""
    with transaction(db) as session:
        job = claim_job(session=session, now=now, lease=LEASE, job_id=job_id)
    if job is None:
        return []
    return _work(db, settings, job, lambda: now, deliver=False)


def due(db: Database, now: datetime) -> bool:
    """Whether ``run_due`` has anything to do."""
    with Session(db) as session:
        return any_due(session=session, now=now)


def run_due(
    db: Database,
    settings: EngineSettings,
    clock: Clock,
    *,
    lease: timedelta = LEASE,
    limit: int = 10,
) -> int:
    """Build due jobs one after the other (at most ``limit``), each result sent
    through the outbox; returns how many were finished."""
    _give_up_spent(db, settings, clock())
    finished = 0
    for _ in range(limit):
        with transaction(db) as session:
            job = claim_job(session=session, now=clock(), lease=lease)
        if job is None:
            break
        with _Heartbeat(db, job, clock, lease):
            _work(db, settings, job, clock, deliver=True)
        finished += 1
    return finished


def _work(
    db: Database, settings: EngineSettings, job: ChatJob, clock: Clock, *, deliver: bool
) -> list[Reply]:
    """Build ``job`` and deliver what it gives (or a polite note); the replies."""
    assert job.id is not None and job.claim is not None
    role, build = BUILDERS[job.kind]
    built: Built | None = None
    error: str | None = None
    with Session(db) as session:
        ctx = _context(session, settings, job)
        if ctx is None:  # the requester was erased meanwhile: nobody to send it to
            built = Built([])
        elif not access.has_role(ctx, role):
            logger.info(
                "chat job %d (%s): the role %s is gone, nothing built", job.id, job.kind, role
            )
            built = Built([Reply(ctx.t("jobs.role_gone"))])
        else:
            try:
                built = build(ctx, job.params)
            except Exception as problem:  # noqa: BLE001 - logged once, the requester told
                logger.exception("chat job %d (%s) failed", job.id, job.kind)
                error = f"{type(problem).__name__}: {problem}"
                built = Built([Reply(ctx.t("jobs.failed"))])
    now = clock()
    with transaction(db) as session:
        if not finish_job(
            session=session,
            job_id=job.id,
            claim=job.claim,
            now=now,
            failed=bool(error),
            error=error,
        ):
            session.rollback()
            logger.warning(
                "chat job %d was taken over by another worker; its result is dropped", job.id
            )
            for path in built.files:
                path.unlink(missing_ok=True)
            return []
        if built.audit is not None:
            action, details = built.audit
            record(session=session, actor=job.requested_by, action=action, details=details, now=now)
        if deliver:
            _send(session, job.requested_by, built.replies, now)
    return built.replies


def _context(session: Session, settings: EngineSettings, job: ChatJob) -> Ctx | None:
    """What the flow's ``build`` sees: the requester, at the time they asked."""
    resident = get_resident(session=session, identity=job.requested_by)
    if resident is None:
        return None
    channel, _, user_id = job.requested_by.partition(":")
    return Ctx(
        session=session,
        resident=resident,
        conversation=Conversation(channel=channel, user_id=user_id, flow="", step="", data={}),
        inbound=Inbound(channel=channel, user_id=user_id),
        now=job.created_at,
        settings=settings,
        t=settings.translators(job.language),
    )


def _send(session: Session, identity: str, replies: list[Reply], now: datetime) -> None:
    channel, _, user_id = identity.partition(":")
    for reply in replies:
        enqueue(
            session=session,
            channel=channel,
            recipient=user_id,
            kind="reply",
            payload=reply.to_payload(),
            now=now,
        )


def _give_up_spent(db: Database, settings: EngineSettings, now: datetime) -> None:
    """Jobs whose workers died ``MAX_ATTEMPTS`` times: failed, the requester told once."""
    with transaction(db) as session:
        for job in spent_jobs(session=session, now=now):
            assert job.id is not None
            if give_up(session=session, job_id=job.id, now=now, error="worker lost"):
                logger.error(
                    "chat job %d (%s) given up after %d attempts", job.id, job.kind, MAX_ATTEMPTS
                )
                t = settings.translators(job.language)
                _send(session, job.requested_by, [Reply(t("jobs.failed"))], now)


class _Heartbeat:
    """Renews a job's lease every third of it while the job is built (a thread:
    the build blocks the one running it)."""

    def __init__(self, db: Database, job: ChatJob, clock: Clock, lease: timedelta) -> None:
        self.db, self.job, self.clock, self.lease = db, job, clock, lease
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"chat-job-{job.id}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()
        self.thread.join()

    def _beat(self) -> None:
        assert self.job.id is not None and self.job.claim is not None
        while not self.stopped.wait(self.lease.total_seconds() / 3):
            try:
                with transaction(self.db) as session:
                    renew_job(
                        session=session,
                        job_id=self.job.id,
                        claim=self.job.claim,
                        until=self.clock() + self.lease,
                    )
            except Exception:  # noqa: BLE001 - the next beat tries again
                logger.warning(
                    "could not renew the lease of chat job %d", self.job.id, exc_info=True
                )

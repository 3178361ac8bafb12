"""Queries for the service-clock alerts: the open aspirations whose clocks come
due (one indexed range on ``Aspiration.next_due_at``), their events, who is told,
and the "sent once" record (``SlaAlert``) written with the outbox rows."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import insert as sa_insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from storage.models import (
    Aspiration,
    AspirationNote,
    AspirationStatusChange,
    Opd,
    OpdOfficer,
    OutboxMessage,
    Resident,
    RoleGrant,
    SlaAlert,
)
from storage.sla import Event
from storage.workflow import CLOSED_STATUSES

_CHUNK = 5000  # ids per IN list, rows per insert
_ALERTS = SlaAlert.__table__  # type: ignore[attr-defined]
_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]


def clocks_due(*, session: Session, until: datetime) -> Sequence[Aspiration]:
    """Open aspirations with a clock running that is due by ``until`` (overdue
    ones included), earliest first."""
    return session.exec(
        select(Aspiration)
        .where(
            col(Aspiration.next_due_at).is_not(None),
            col(Aspiration.next_due_at) <= until,
            col(Aspiration.status).not_in(CLOSED_STATUSES),
        )
        .order_by(col(Aspiration.next_due_at), col(Aspiration.id))
    ).all()


def overdue_count(*, session: Session, now: datetime) -> int:
    """How many open aspirations have a clock past due."""
    return session.exec(
        select(func.count())
        .select_from(Aspiration)
        .where(
            col(Aspiration.next_due_at).is_not(None),
            col(Aspiration.next_due_at) < now,
            col(Aspiration.status).not_in(CLOSED_STATUSES),
        )
    ).one()


def events_by_aspiration(*, session: Session, ids: Collection[int]) -> dict[int, list[Event]]:
    """Each aspiration's status changes and follow-ups, oldest first (as
    ``storage.workflow.events_of``, for many at once)."""
    found: dict[int, list[Event]] = {aspiration_id: [] for aspiration_id in ids}
    wanted = sorted(ids)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        changes = session.exec(
            select(
                AspirationStatusChange.aspiration_id,
                AspirationStatusChange.at,
                AspirationStatusChange.status,
                AspirationStatusChange.opd_code,
            )
            .where(col(AspirationStatusChange.aspiration_id).in_(chunk))
            .order_by(col(AspirationStatusChange.at), col(AspirationStatusChange.id))
        ).all()
        for aspiration_id, at, status, opd_code in changes:
            found[aspiration_id].append(Event(at, status, opd_code))
        notes = session.exec(
            select(AspirationNote.aspiration_id, AspirationNote.at, AspirationNote.opd_code)
            .where(
                col(AspirationNote.aspiration_id).in_(chunk),
                AspirationNote.kind == "tindak_lanjut",
            )
            .order_by(col(AspirationNote.at), col(AspirationNote.id))
        ).all()
        for aspiration_id, at, opd_code in notes:
            found[aspiration_id].append(Event(at, None, opd_code))
    for events in found.values():
        events.sort(key=lambda event: (event.at, event.status is None))
    return found


def role_holders(
    *, session: Session, role: str, config_roles: Mapping[str, frozenset[str]]
) -> tuple[str, ...]:
    """Identities holding ``role``, granted in the database or in the config file."""
    granted = session.exec(select(RoleGrant.identity).where(RoleGrant.role == role)).all()
    configured = (identity for identity, roles in config_roles.items() if role in roles)
    return tuple(sorted({*granted, *configured}))


def all_officers(*, session: Session) -> dict[str, tuple[str, ...]]:
    """Each unit's officers (``storage.opd.officers_of`` for every unit at once)."""
    held: dict[str, list[str]] = {}
    rows = session.exec(
        select(OpdOfficer.opd_code, OpdOfficer.identity).order_by(
            col(OpdOfficer.opd_code), col(OpdOfficer.identity)
        )
    ).all()
    for opd_code, identity in rows:
        held.setdefault(opd_code, []).append(identity)
    return {code: tuple(identities) for code, identities in held.items()}


def unit_names(*, session: Session) -> dict[str, str]:
    """Each unit's short name, as residents and officers read it."""
    return dict(session.exec(select(Opd.code, Opd.short_name)).all())


def languages_of(*, session: Session, identities: Collection[str]) -> dict[str, str]:
    """The chat language of each identity that has one (as a resident)."""
    if not identities:
        return {}
    rows = session.exec(
        select(Resident.identity, Resident.language).where(
            col(Resident.identity).in_(sorted(identities))
        )
    ).all()
    return dict(rows)


def sent_keys(
    *, session: Session, aspiration_ids: Collection[int], day: date | None = None
) -> set[str]:
    """The alerts already sent about these aspirations, and the day's digests."""
    keys: set[str] = set()
    wanted = sorted(aspiration_ids)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        keys.update(
            session.exec(select(SlaAlert.key).where(col(SlaAlert.aspiration_id).in_(chunk))).all()
        )
    if day is not None:
        keys.update(
            session.exec(
                select(SlaAlert.key).where(col(SlaAlert.key).like(f"digest:%:{day.isoformat()}"))
            ).all()
        )
    return keys


def claim_alerts(
    *, session: Session, alerts: Sequence[tuple[str, int | None]], now: datetime
) -> set[str]:
    """Record the alerts (key, aspiration id) as sent, in the caller's transaction,
    and return the keys that were not yet: only those may be written to the
    outbox. One statement; a key another process holds (committed or not) is
    left out (on PostgreSQL the insert waits for that process's commit)."""
    if not alerts:
        return set()
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    rows = [
        {"key": key, "aspiration_id": aspiration_id, "sent_at": now}
        for key, aspiration_id in alerts
    ]
    statement = (
        insert(_ALERTS).on_conflict_do_nothing(index_elements=["key"]).returning(_ALERTS.c.key)
    )
    # executemany with RETURNING: SQLAlchemy batches it into multi-row INSERTs
    claimed: set[str] = set(session.execute(statement, rows).scalars())
    return claimed


def enqueue_many(
    *,
    session: Session,
    messages: Sequence[tuple[str, str, dict[str, Any]]],
    kind: str,
    now: datetime,
    priority: int = 0,
) -> int:
    """``storage.outbox.enqueue`` for many (channel, recipient, payload) in one
    statement."""
    rows = [
        {
            "channel": channel,
            "recipient": recipient,
            "kind": kind,
            "priority": priority,
            "payload": payload,
            "status": "pending",
            "attempts": 0,
            "due_at": now,
            "claimed_until": None,
            "created_at": now,
        }
        for channel, recipient, payload in messages
    ]
    if rows:
        session.execute(sa_insert(_OUTBOX), rows)
    return len(rows)


def mark_breached(*, aspiration: Aspiration, stage: str, order: Sequence[str]) -> None:
    """Add ``stage`` to the aspiration's past-due stages (kept in ``order``)."""
    late = set(filter(None, aspiration.breached.split(","))) | {stage}
    aspiration.breached = ",".join(name for name in order if name in late)

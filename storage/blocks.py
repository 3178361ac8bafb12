"""Blocked identities: told once, then ignored. Blocks come from the CLI (stored
here) or the config file (a row is written when the notice is sent)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage.audit import record
from storage.models import BlockedIdentity


def block(*, session: Session, identity: str, reason: str, actor: str, now: datetime) -> bool:
    """Block ``identity``; False when it already was."""
    if session.get(BlockedIdentity, identity) is not None:
        return False
    session.add(BlockedIdentity(identity=identity, reason=reason, blocked_by=actor, blocked_at=now))
    session.flush()
    record(
        session=session,
        actor=actor,
        action="block",
        details={"identity": identity, "reason": reason},
        now=now,
    )
    return True


def unblock(*, session: Session, identity: str, actor: str, now: datetime) -> bool:
    row = session.get(BlockedIdentity, identity)
    if row is None:
        return False
    session.delete(row)
    record(session=session, actor=actor, action="unblock", details={"identity": identity}, now=now)
    return True


_BLOCKS = BlockedIdentity.__table__  # type: ignore[attr-defined]
# Built once: every inbound update asks it before anything else.
_IS_BLOCKED = core_select(_BLOCKS.c.identity).where(_BLOCKS.c.identity == bindparam("identity"))


def is_blocked(*, session: Session, identity: str, config: frozenset[str]) -> bool:
    """Whether ``identity`` is blocked, in the config or the table (one cheap query)."""
    if identity in config:
        return True
    return session.execute(_IS_BLOCKED, {"identity": identity}).first() is not None


def blocked_row(
    *, session: Session, identity: str, config: frozenset[str], now: datetime
) -> BlockedIdentity | None:
    """The block on ``identity`` (a config block gets its row now), or None."""
    row = session.get(BlockedIdentity, identity)
    if row is None and identity in config:
        row = BlockedIdentity(
            identity=identity, reason="config", blocked_by="config", blocked_at=now
        )
        session.add(row)
    return row


def all_blocks(*, session: Session) -> Sequence[BlockedIdentity]:
    return session.exec(select(BlockedIdentity).order_by(col(BlockedIdentity.blocked_at))).all()

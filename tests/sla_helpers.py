"""Shared by the service-clock tests: units present on every backend (the
PostgreSQL leg empties every table, the migration's seeded units included)."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.models import Opd


def ensure_units(session: Session, *codes: str) -> None:
    """Add each unit ``code`` unless it is there already."""
    for code in codes:
        if session.exec(select(Opd.id).where(Opd.code == code)).first() is None:
            session.add(
                Opd(code=code, name=f"Unit {code}", short_name=f"Unit {code}", kind="dinas")
            )
    session.flush()

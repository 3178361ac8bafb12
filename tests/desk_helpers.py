"""A unit's desk (issue 17, petugas OPD) for the staff access matrix: the officer
who holds the role, their unit, and an aspiration disposed to it."""

from __future__ import annotations

from conftest import NOW
from staff_helpers import ADMIN, STAFF, seed

from handlers.core.engine import Engine
from storage.aspirations import find_aspiration
from storage.db import transaction
from storage.models import Opd, OpdOfficer
from storage.opd import find_unit, units_of
from storage.workflow import change_status

OFFICER = "console:9004"  # petugas_opd for Dinas PUPR, granted in the database
BANTAN = "12.72.02.1003"


def on_the_units_desk(engine: Engine, *identities: str) -> None:
    """``identities`` act for Dinas PUPR (the unit itself is added where a test
    database started empty, as PostgreSQL's does)."""
    with transaction(engine.db) as session:
        if find_unit(session=session, code="PUPR") is None:
            session.add(Opd(code="PUPR", name="Dinas PUPR", short_name="Dinas PUPR", kind="dinas"))
        for identity in identities:
            if "PUPR" not in units_of(session=session, identity=identity):
                session.add(
                    OpdOfficer(identity=identity, opd_code="PUPR", granted_by=ADMIN, granted_at=NOW)
                )


def disposed_to_pupr(engine: Engine) -> str:
    """An anonymous, unlinked aspiration from Bantan, verified and disposed to PUPR."""
    on_the_units_desk(engine)
    code = seed(engine, status="diverifikasi", kelurahan=BANTAN)
    with transaction(engine.db) as session:
        aspiration = find_aspiration(session=session, code=code)
        assert aspiration is not None
        change_status(
            session=session,
            aspiration=aspiration,
            status="diteruskan",
            actor=STAFF,
            note=None,
            now=NOW,
            opd="PUPR",
        )
    return code

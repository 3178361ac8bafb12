"""The last seats under load: 50 residents register for 10 seats at the same moment."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import NOW, TEST_DATABASE_URL
from sqlalchemy import Engine
from sqlmodel import Session, select
from test_training import DETAILS, add_program, add_resident

from storage.db import make_engine, transaction
from storage.models import TrainingRegistration
from storage.trainings import register

RESIDENTS, SEATS = 50, 10


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_fifty_at_once_for_ten_seats(db: Engine) -> None:
    program_id = add_program(db, quota=SEATS)
    people = [add_resident(db, str(3000 + i)) for i in range(RESIDENTS)]
    # Its own pool, one connection per resident, so all 50 really run at once
    racing = make_engine(TEST_DATABASE_URL, pool_size=RESIDENTS, max_overflow=0)
    start = threading.Barrier(RESIDENTS)

    def take_a_seat(resident_id: int) -> str:
        with transaction(racing) as session:
            start.wait()
            done = register(
                session=session,
                program_id=program_id,
                resident_id=resident_id,
                details=DETAILS,
                now=NOW,
            )
            return done.registration.status

    try:
        with ThreadPoolExecutor(RESIDENTS) as pool:
            outcomes = list(pool.map(take_a_seat, people))
    finally:
        racing.dispose()
    assert outcomes.count("registered") == SEATS
    assert outcomes.count("waitlisted") == RESIDENTS - SEATS
    with Session(db) as session:
        rows = session.exec(select(TrainingRegistration)).all()
    assert sum(r.status == "registered" for r in rows) == SEATS
    positions = [r.waitlist_position for r in rows if r.status == "waitlisted"]
    assert sorted(positions) == list(range(1, RESIDENTS - SEATS + 1))  # distinct, no gaps

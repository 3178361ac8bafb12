"""Service-clock alerts: the planning as pure functions (reminder, breach once,
digest, quiet hours, a unit without officers), and the scheduler job sending each
alert exactly once across a restart."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sla_helpers import ensure_units
from sqlalchemy import Engine
from sqlmodel import col, select

from bot.i18n import translator
from bot.jobs import sla_tick
from handlers.aspirations.deadline_plan import (
    People,
    RunningClock,
    Watch,
    alert_key,
    digest_key,
    is_quiet,
    plan_clock_alerts,
    plan_digests,
    remind_from,
)
from handlers.aspirations.deadlines import due_words
from storage.aspirations import NewAspiration, create_aspiration
from storage.clock import WIB
from storage.db import make_engine, transaction
from storage.models import Aspiration, OpdOfficer, OutboxMessage, RoleGrant, SlaAlert
from storage.sla import DEFAULT_CLOCK, Calendar
from storage.workflow import change_status

CAL = Calendar()
WATCH = Watch()
PEOPLE = People(
    staff=("telegram:100",),
    admins=("telegram:900",),
    officers={"PUPR": ("telegram:200", "telegram:201")},
)


def wib(m: int, d: int, hh: int = 8, mm: int = 0, y: int = 2026) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=WIB)


def due(m: int, d: int) -> datetime:
    return wib(m, d, 23, 59).replace(second=59)


VERIFY = RunningClock(1, None, "verify", due(11, 25))  # Wednesday 25 November 2026
RESPONSE = RunningClock(2, "PUPR", "response", due(11, 25))
ORPHAN = RunningClock(3, "DISHUB", "completion", due(11, 25))  # DISHUB has no officers


def plan(clocks: list[RunningClock], now: datetime, sent: set[str] | None = None, **kw):  # type: ignore[no-untyped-def]
    return plan_clock_alerts(
        clocks, sent=sent or set(), people=kw.get("people", PEOPLE), now=now, calendar=CAL,
        watch=kw.get("watch", WATCH),
    )  # fmt: skip


def test_a_reminder_one_working_day_before() -> None:
    assert plan([VERIFY, RESPONSE], wib(11, 23, 12)) == []  # Monday: too early
    alerts = plan([VERIFY, RESPONSE, ORPHAN], wib(11, 24))  # Tuesday 08:00
    assert [(a.kind, a.stage, a.recipients) for a in alerts] == [
        ("reminder", "verify", ("telegram:100",)),
        ("reminder", "response", ("telegram:200", "telegram:201")),
        ("reminder", "completion", ("telegram:900",)),  # no officers: the admins
    ]
    assert alerts[0].key == alert_key("reminder", VERIFY) == "reminder:1:verify:202611252359"


def test_a_reminder_before_the_weekend_and_a_holiday() -> None:
    # due Monday 30 November: reminded from Friday 27 November
    assert remind_from(due(11, 30), 1, CAL) == wib(11, 27, 0)
    # due Tuesday 18 August: Monday 17 is Independence Day, so Friday 14
    assert remind_from(due(8, 18), 1, CAL) == wib(8, 14, 0)
    assert remind_from(due(11, 30), 2, CAL) == wib(11, 26, 0)


def test_a_breach_is_escalated_once() -> None:
    now = wib(11, 26)
    alerts = plan([VERIFY, RESPONSE, ORPHAN], now)
    assert [(a.kind, a.stage, a.recipients) for a in alerts] == [
        ("breach", "verify", ("telegram:100", "telegram:900")),
        ("breach", "response", ("telegram:200", "telegram:201", "telegram:900")),
        ("breach", "completion", ("telegram:900",)),
    ]
    assert plan([VERIFY, RESPONSE, ORPHAN], wib(11, 27), sent={a.key for a in alerts}) == []
    # a reminder already sent does not stand in for the escalation
    reminded = {alert_key("reminder", RESPONSE)}
    assert [a.kind for a in plan([RESPONSE], now, sent=reminded)] == ["breach"]
    # a new due time (re-disposition) is a new clock: reminded and escalated again
    moved = RunningClock(2, "PUPR", "response", due(12, 2))
    assert [a.kind for a in plan([moved], wib(12, 1), sent={a.key for a in alerts})] == ["reminder"]


def test_nobody_to_tell_without_staff_or_admins() -> None:
    assert plan([VERIFY], wib(11, 26), people=People()) == []
    staff_only = People(staff=("telegram:100",))
    assert plan([ORPHAN], wib(11, 24), people=staff_only) == []


@pytest.mark.parametrize(
    ("now", "quiet"),
    [
        (wib(11, 24, 20, 59), False),
        (wib(11, 24, 21, 0), True),
        (wib(11, 24, 23, 30), True),
        (wib(11, 25, 5, 59), True),
        (wib(11, 25, 6, 0), False),
    ],
)
def test_quiet_hours(now: datetime, quiet: bool) -> None:
    assert is_quiet(now, WATCH) is quiet
    assert bool(plan([VERIFY], now)) is not quiet
    assert plan([VERIFY], now, watch=Watch(quiet=None))  # no quiet hours configured
    daytime = Watch(quiet=(time(12), time(13)))
    assert is_quiet(wib(11, 24, 12, 30), daytime) and not is_quiet(wib(11, 24, 22), daytime)


def test_a_breach_at_midnight_waits_for_the_morning() -> None:
    assert plan([VERIFY], wib(11, 26, 0, 1)) == []  # just past due, in quiet hours
    assert [a.kind for a in plan([VERIFY], wib(11, 26, 6, 0))] == ["breach"]


def digests(clocks: list[RunningClock], now: datetime, sent: set[str] | None = None, **kw):  # type: ignore[no-untyped-def]
    return plan_digests(
        clocks, sent=sent or set(), people=kw.get("people", PEOPLE), now=now, calendar=CAL,
        watch=kw.get("watch", WATCH),
    )  # fmt: skip


def test_the_daily_digest_per_unit() -> None:
    late = RunningClock(4, "PUPR", "completion", due(11, 23))
    later = RunningClock(5, "PUPR", "completion", due(12, 10))  # not within a working day
    also = RunningClock(2, "PUPR", "completion", due(11, 30))  # RESPONSE's other stage
    clocks = [VERIFY, RESPONSE, ORPHAN, late, later, also]
    assert digests(clocks, wib(11, 24, 6, 59)) == []  # before digest_at
    assert digests(clocks, wib(11, 28, 9)) == []  # Saturday: no digest
    found = digests(clocks, wib(11, 24, 7))
    assert [(a.opd_code, a.recipients) for a in found] == [
        (None, ("telegram:100",)),  # the city staff's verifications
        ("DISHUB", ("telegram:900",)),
        ("PUPR", ("telegram:200", "telegram:201")),
    ]
    pupr = found[2]
    assert pupr.key == digest_key("PUPR", date(2026, 11, 24)) == "digest:PUPR:2026-11-24"
    assert [c.aspiration_id for c in pupr.overdue] == [4]
    assert [c.aspiration_id for c in pupr.due_soon] == [2]  # once, at its earliest due
    assert digests(clocks, wib(11, 24, 15), sent={a.key for a in found}) == []
    assert digests(clocks, wib(11, 24, 7), watch=Watch(digest_at=None)) == []


def test_due_words() -> None:
    t = translator("id")
    assert due_words(t, due(12, 9), wib(11, 24)) == "Rabu, 9 Desember"
    assert due_words(t, wib(1, 5, y=2027), wib(12, 30)) == "Selasa, 5 Januari 2027"
    assert due_words(translator("en"), due(12, 9), wib(11, 24)) == "Wednesday, 9 December"


# --------------------------------------------------------------------------- the job

ADMIN = "telegram:900"
STAFF = "telegram:100"
OFFICER = "telegram:200"
ROLES = {ADMIN: frozenset({"admin"})}


def submit(session, at: datetime, text: str) -> Aspiration:  # type: ignore[no-untyped-def]
    new = NewAspiration(
        category="sosial",
        kecamatan_code="12.72.01",
        kelurahan_code="12.72.01.1001",
        text=text,
        language="id",
        anonymous=True,
        channel="telegram",
        resident_id=None,
    )
    aspiration = create_aspiration(session=session, new=new, now=at)
    session.flush()
    return aspiration


def seed(db: Engine) -> tuple[str, str]:
    with transaction(db) as session:
        ensure_units(session, "PUPR")
        granted = wib(11, 1)
        session.add(RoleGrant(identity=STAFF, role="staff", granted_by="cli", granted_at=granted))
        session.add(
            OpdOfficer(identity=OFFICER, opd_code="PUPR", granted_by="cli", granted_at=granted)
        )
        fresh = submit(session, wib(11, 23, 10), "Lampu jalan padam sejak minggu lalu")
        disposed = submit(session, wib(11, 16, 10), "Bantuan sosial belum diterima warga lansia")
        for status, at in (("diverifikasi", wib(11, 16, 11)), ("diteruskan", wib(11, 17, 9))):
            change_status(
                session=session,
                aspiration=disposed,
                status=status,
                actor=STAFF,
                note=None,
                now=at,
                opd="PUPR",
                clock=DEFAULT_CLOCK,
            )
        return fresh.code, disposed.code


def outbox(db: Engine) -> list[tuple[str, str]]:
    with transaction(db) as session:
        rows = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
        return [(row.recipient, row.payload["text"]) for row in rows]


def restarted(db: Engine) -> Engine:
    """A new database engine on the same database: what a restart (or a second
    process) sees."""
    return make_engine(db.url.render_as_string(hide_password=False))


def test_the_job_sends_each_alert_once_across_a_restart(db: Engine) -> None:
    fresh, disposed = seed(db)
    tuesday = wib(11, 24, 8)  # the disposed one's response and completion are due today
    assert sla_tick(db, DEFAULT_CLOCK, WATCH, ROLES, tuesday) == 3  # 2 reminders, 1 digest
    texts = outbox(db)
    assert [who for who, _ in texts] == ["200", "200", "200"]
    assert f"aspirasi {disposed} perlu ditanggapi paling lambat Selasa, 24 November" in texts[0][1]
    assert (
        "Sosial, " in texts[0][1] and "“Bantuan sosial belum diterima warga lansia”" in texts[0][1]
    )
    assert texts[2][1].startswith("📋 Ringkasan harian ")
    assert "PUPR, Selasa, 24 November 2026" in texts[2][1].splitlines()[0]

    again = restarted(db)
    try:
        assert sla_tick(again, DEFAULT_CLOCK, WATCH, ROLES, tuesday) == 0
        assert sla_tick(again, DEFAULT_CLOCK, WATCH, ROLES, wib(11, 24, 16)) == 0
        wednesday = wib(11, 25, 8)
        # 2 escalations (officer + admin), the fresh one's reminder, 2 digests
        assert sla_tick(again, DEFAULT_CLOCK, WATCH, ROLES, wednesday) == 5
    finally:
        again.dispose()
    assert sla_tick(db, DEFAULT_CLOCK, WATCH, ROLES, wib(11, 25, 9)) == 0
    texts = outbox(db)[3:]
    assert sorted(who for who, _ in texts) == ["100", "100", "200", "200", "200", "900", "900"]
    assert any(f"aspirasi {fresh} perlu diverifikasi" in text for _, text in texts)
    with transaction(db) as session:
        stored = session.exec(select(Aspiration).where(Aspiration.code == disposed)).one()
        assert stored.breached == "response,completion"
        keys = session.exec(select(SlaAlert.key)).all()
        assert len(keys) == len(set(keys)) == 8

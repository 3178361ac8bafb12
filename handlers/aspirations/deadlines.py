"""Service-clock alerts to staff and officers: reminders before a due time, an
escalation at breach, a daily digest per unit (planning: ``deadline_plan``).

Each alert is written to the outbox together with its ``SlaAlert`` record, in
one transaction, so a restart or a second process never sends it twice. Texts
name the aspiration (code, category, kelurahan, first words), the stage and the
due date in words ("paling lambat Rabu, 10 Desember").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence, Set
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from babel.dates import format_date
from sqlmodel import Session

from handlers.aspirations.deadline_plan import (
    Alert,
    People,
    RunningClock,
    Watch,
    alert_key,
    horizon_of,
    is_quiet,
    plan_clock_alerts,
    plan_digests,
    remind_from,
)
from handlers.core.notifications import PERSONAL_PRIORITY
from handlers.core.types import Reply, Translator
from storage.clock import WIB
from storage.models import Aspiration
from storage.sla import STAGES, Calendar, Event, ServiceClock, dues
from storage.sla_alerts import (
    all_officers,
    claim_alerts,
    clocks_due,
    enqueue_many,
    events_by_aspiration,
    languages_of,
    mark_breached,
    role_holders,
    sent_keys,
    unit_names,
)
from storage.wilayah import Wilayah, load_wilayah

logger = logging.getLogger(__name__)

Translators = Callable[[str], Translator]
SENDABLE = ("telegram", "whatsapp")  # console identities have nobody to send to
OUTBOX_KIND = "status"  # WhatsApp: the status template carries it outside the window
DIGEST_LINES = 15  # per list; the rest is counted
FIRST_WORDS = 8


def due_words(t: Translator, due_at: datetime, now: datetime) -> str:
    """ "Rabu, 10 Desember" (with the year when it is not this year's)."""
    day = due_at.astimezone(WIB).date()
    return _day_words(day, day.year != now.astimezone(WIB).year, t.language)


@lru_cache(maxsize=4096)
def _day_words(day: date, with_year: bool, language: str) -> str:
    return format_date(day, "EEEE, d MMMM y" if with_year else "EEEE, d MMMM", locale=language)


def first_words(text: str, count: int = FIRST_WORDS) -> str:
    words = text.split()
    shown = " ".join(words[:count])
    return shown + "…" if len(words) > count else shown


def about(t: Translator, aspiration: Aspiration, wilayah: Wilayah) -> str:
    """ "Infrastruktur (…), Bah Kapul: “Jalan berlubang di depan …”" """
    kelurahan = wilayah.find_kelurahan(aspiration.kelurahan_code)
    return t(
        "sla.about",
        category=t(f"category.{aspiration.category}"),
        kelurahan=kelurahan.name if kelurahan else aspiration.kelurahan_code,
        words=first_words(aspiration.text),
    )


def _unit(t: Translator, code: str | None, names: Mapping[str, str]) -> str:
    return names.get(code or "", code or "") if code else t("sla.staff_desk")


def clock_text(
    t: Translator,
    alert: Alert,
    aspiration: Aspiration,
    *,
    names: Mapping[str, str],
    wilayah: Wilayah,
    now: datetime,
) -> str:
    """A reminder's or an escalation's text."""
    assert alert.due_at is not None and alert.stage is not None
    return t(
        f"sla.{alert.kind}.{alert.stage}",
        code=aspiration.code,
        unit=_unit(t, alert.opd_code, names),
        due=due_words(t, alert.due_at, now),
        about=about(t, aspiration, wilayah),
    )


def digest_text(
    t: Translator,
    alert: Alert,
    aspirations: Mapping[int, Aspiration],
    *,
    names: Mapping[str, str],
    wilayah: Wilayah,
    now: datetime,
) -> str:
    """The daily digest: what is due within a working day, what is overdue."""
    lines = [
        t(
            "sla.digest.title",
            unit=_unit(t, alert.opd_code, names),
            date=_day_words(now.astimezone(WIB).date(), True, t.language),
        )
    ]
    for heading, listed in (
        ("sla.digest.overdue", alert.overdue),
        ("sla.digest.due", alert.due_soon),
    ):
        if not listed:
            continue
        lines += ["", t(heading, count=len(listed))]
        for clock in listed[:DIGEST_LINES]:
            aspiration = aspirations[clock.aspiration_id]
            lines.append(
                t(
                    "sla.digest.line",
                    code=aspiration.code,
                    stage=t(f"sla.stage.{clock.stage}"),
                    due=due_words(t, clock.due_at, now),
                    about=about(t, aspiration, wilayah),
                )
            )
        if len(listed) > DIGEST_LINES:
            lines.append(t("sla.digest.more", count=len(listed) - DIGEST_LINES))
    return "\n".join(lines)


def _text(
    t: Translator,
    alert: Alert,
    by_id: Mapping[int, Aspiration],
    names: Mapping[str, str],
    wilayah: Wilayah,
    now: datetime,
) -> str:
    if alert.kind == "digest":
        return digest_text(t, alert, by_id, names=names, wilayah=wilayah, now=now)
    assert alert.aspiration_id is not None
    return clock_text(t, alert, by_id[alert.aspiration_id], names=names, wilayah=wilayah, now=now)


def _settled(
    aspiration: Aspiration, sent: Set[str], now: datetime, calendar: Calendar, watch: Watch
) -> RunningClock | None:
    """Its earliest clock (from the stored due times) when every alert its status
    allows is sent already; None when its clocks must be worked out afresh."""
    stages: tuple[str, ...] = ()
    if aspiration.status in ("diterima", "diverifikasi"):
        stages = ("verify",)
    elif aspiration.status in ("diteruskan", "diproses"):
        stages = ("response", "completion")
    if not stages or aspiration.id is None or aspiration.next_due_at is None:
        return None
    for stage in stages:
        due_at = getattr(aspiration, f"{stage}_due_at")
        # next_due_at is the earliest running stage's: one due before it was met
        # (a follow-up met the response) and needs no alert
        if due_at is None or due_at < aspiration.next_due_at:
            continue
        possible = RunningClock(aspiration.id, aspiration.opd_code, stage, due_at)
        if now > due_at:
            kind = "breach"
        elif watch.reminder_days and now >= remind_from(due_at, watch.reminder_days, calendar):
            kind = "reminder"
        else:
            continue
        if alert_key(kind, possible) not in sent:
            return None
    stage = next(
        (s for s in stages if getattr(aspiration, f"{s}_due_at") == aspiration.next_due_at),
        stages[0],
    )
    unit = aspiration.opd_code if stage != "verify" else None
    return RunningClock(aspiration.id, unit, stage, aspiration.next_due_at)


def running_clocks(
    aspirations: Sequence[Aspiration],
    events: Mapping[int, Sequence[Event]],
    clock: ServiceClock,
) -> list[RunningClock]:
    """Each stage still running (not met, not on hold) of these aspirations."""
    running: list[RunningClock] = []
    for aspiration in aspirations:
        assert aspiration.id is not None
        found = dues(
            events.get(aspiration.id) or [],
            category=aspiration.category,
            grade=aspiration.grade,
            clock=clock,
        )
        for stage in found.stages:
            if stage.done_at is None and stage.due_at is not None and not stage.paused:
                unit = aspiration.opd_code if stage.name != "verify" else None
                running.append(RunningClock(aspiration.id, unit, stage.name, stage.due_at))
    return running


def send_sla_alerts(
    session: Session,
    translators: Translators,
    *,
    clock: ServiceClock,
    watch: Watch,
    config_roles: Mapping[str, frozenset[str]],
    now: datetime,
    wilayah: Wilayah | None = None,
) -> int:
    """Plan the reminders, escalations and digests due at ``now`` and write each,
    once, to the outbox; returns how many alerts were written."""
    if is_quiet(now, watch):
        return 0
    calendar = clock.calendar
    rows = clocks_due(session=session, until=horizon_of(now, calendar, watch))
    by_id = {a.id: a for a in rows if a.id is not None}
    today = now.astimezone(WIB).date()
    sent = sent_keys(session=session, aspiration_ids=list(by_id), day=today)
    # an overdue backlog already escalated is not worked out again every minute
    settled = {a.id: s for a in rows if (s := _settled(a, sent, now, calendar, watch))}
    fresh = [a for a in rows if a.id not in settled]
    events = events_by_aspiration(session=session, ids=[a.id for a in fresh if a.id])
    running = [*running_clocks(fresh, events, clock), *settled.values()]
    people = People(
        staff=role_holders(session=session, role="staff", config_roles=config_roles),
        admins=role_holders(session=session, role="admin", config_roles=config_roles),
        officers=all_officers(session=session),
    )
    alerts = [
        *plan_clock_alerts(
            running, sent=sent, people=people, now=now, calendar=calendar, watch=watch
        ),
        *plan_digests(running, sent=sent, people=people, now=now, calendar=calendar, watch=watch),
    ]
    if not alerts:
        return 0
    names = unit_names(session=session)
    places = wilayah or load_wilayah()
    languages = languages_of(
        session=session, identities={who for alert in alerts for who in alert.recipients}
    )
    claimed = claim_alerts(
        session=session, alerts=[(alert.key, alert.aspiration_id) for alert in alerts], now=now
    )  # another process may have written some of them first
    messages: list[tuple[str, str, dict[str, Any]]] = []
    written = 0
    for alert in alerts:
        if alert.key not in claimed:
            continue
        texts: dict[str, str] = {}
        for identity in alert.recipients:
            channel, _, user_id = identity.partition(":")
            if channel not in SENDABLE:
                continue
            language = languages.get(identity, "id")
            if language not in texts:
                texts[language] = _text(translators(language), alert, by_id, names, places, now)
            messages.append((channel, user_id, Reply(text=texts[language]).to_payload()))
        if alert.kind == "breach" and alert.aspiration_id is not None and alert.stage:
            aspiration = by_id[alert.aspiration_id]
            mark_breached(aspiration=aspiration, stage=alert.stage, order=STAGES)
            session.add(aspiration)
        written += 1
    enqueue_many(
        session=session, messages=messages, kind=OUTBOX_KIND, now=now, priority=PERSONAL_PRIORITY
    )
    session.flush()
    logger.info("service clocks: %d alert(s) written to the outbox", written)
    return written

"""A small hand-built history of five aspirations in November 2026 (no holidays
that month), for the service-clock numbers, the /status lines and the export.

Working days are counted by hand in the comments; ``NOW_SERVICE`` is Monday
23 November 2026, 10.00 WIB.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from storage.aspirations import NewAspiration, create_aspiration
from storage.db import transaction
from storage.models import Aspiration
from storage.workflow import add_follow_up, attach_answer, change_status

WIB_OFFSET = "+07:00"
STAFF_ID = "console:9999"
OFFICER = "console:7001"
QUESTION = "Di nomor berapa rumah yang lampunya mati?"
ANSWER = "Di depan rumah nomor 12."
FOLLOW_UP = "Tim PUPR sudah mengukur lubang dan menjadwalkan penambalan."


def wib(day: int, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"2026-11-{day:02d}T{hour:02d}:00:00{WIB_OFFSET}")


NOW_SERVICE = wib(23)


def _new(category: str, resident_id: int | None) -> NewAspiration:
    return NewAspiration(
        category=category,
        kecamatan_code="12.72.01",
        kelurahan_code="12.72.01.1002",
        text="Jalan berlubang di depan sekolah.",
        language="id",
        anonymous=False,
        channel="console",
        resident_id=resident_id,
    )


def _move(session: object, aspiration: Aspiration, status: str, day: int, **extra: object) -> None:
    change_status(
        session=session,  # type: ignore[arg-type]
        aspiration=aspiration,
        status=status,
        actor=STAFF_ID,
        now=wib(day),
        note=extra.pop("note", None),  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


def build_history(db: Engine, resident_id: int | None = None) -> dict[str, str]:
    """The five aspirations; returns their codes by letter.

    A  infrastruktur, received Fri 6; to PUPR Tue 10 (verify: 2 working days, due
       Wed 11: on time); diproses Thu 12 (response due Tue 17: on time); selesai
       Mon 16 (completion: 4 working days, due 14 working days on: on time).
    B  perhubungan, received Fri 6 15.00; diverifikasi Mon 9; to DISHUB Thu 12
       (verify: 4 working days, due Wed 11: late); nothing since: response and
       completion (normatif, 5 days) were due Thu 19: late, open, overdue.
    C  infrastruktur, received Mon 9; tunda Tue 10 (the question), answered Mon 16
       (the pause skips Wed 11–Mon 16: verify due Wed 18); to PUPR Tue 17 (6 working
       days as lived: on time); PUPR follow-up Wed 18 (response due Tue 24: on
       time); completion not due yet: not counted. Open at PUPR.
    D  lingkungan, received Mon 16, untouched: verify due Thu 19: late, open,
       overdue, with the city staff.
    E  lingkungan, received Fri 20: verify due Wed 25, not counted; open.
    """
    with transaction(db) as session:
        a = create_aspiration(session=session, new=_new("infrastruktur", resident_id), now=wib(6))
        _move(session, a, "diverifikasi", 9)
        _move(session, a, "diteruskan", 10, opd="PUPR")
        _move(session, a, "diproses", 12)
        _move(session, a, "selesai", 16)

        b = create_aspiration(session=session, new=_new("perhubungan", resident_id), now=wib(6, 15))
        _move(session, b, "diverifikasi", 9)
        _move(session, b, "diteruskan", 12, opd="DISHUB")

        c = create_aspiration(session=session, new=_new("infrastruktur", resident_id), now=wib(9))
        _move(session, c, "diverifikasi", 9)
        _move(session, c, "tunda", 10, note=QUESTION)
        attach_answer(session=session, aspiration=c, now=wib(16), text=ANSWER)
        _move(session, c, "diteruskan", 17, opd="PUPR")
        add_follow_up(
            session=session,
            aspiration=c,
            actor=OFFICER,
            opd_code="PUPR",
            text=FOLLOW_UP,
            now=wib(18),
        )

        d = create_aspiration(session=session, new=_new("lingkungan", resident_id), now=wib(16))
        e = create_aspiration(session=session, new=_new("lingkungan", resident_id), now=wib(20))
        return {"A": a.code, "B": b.code, "C": c.code, "D": d.code, "E": e.code}

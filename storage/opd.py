"""The directory of units (OPD) and who acts for which: lookups the workflow, the
chat and the CLI share."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from datetime import datetime
from importlib import resources

from sqlmodel import Session, col, select

from storage.audit import record
from storage.limits import Length
from storage.models import OPD_KINDS, Opd, OpdOfficer
from storage.roles import grant_role, revoke_role

# Which unit a category's aspirations go to unless staff choose another: a default
# for the city to confirm (``[opd] categories`` in the config overrides it).
CATEGORY_UNITS: dict[str, str] = {
    "infrastruktur": "PUPR",
    "perhubungan": "DISHUB",
    "lingkungan": "DLH",
    "kesehatan": "DINKES",
    "pendidikan": "DISDIK",
    "sosial": "DINSOS",
    "kependudukan": "DISDUKCAPIL",
    "keamanan": "SATPOLPP",
    "bencana": "BPBD",
    "ekonomi": "DISKOPUKM",
    "pelayanan": "DISKOMINFO",
    "air": "TIRTAULI",
}


def find_unit(*, session: Session, code: str) -> Opd | None:
    """The unit with ``code`` (any case), active or not."""
    wanted = code.strip().upper()
    return session.exec(select(Opd).where(col(Opd.code) == wanted)).first() if wanted else None


def units(*, session: Session, active_only: bool = True) -> Sequence[Opd]:
    """The units by kind (in ``OPD_KINDS`` order: agencies first, then the area
    offices), then short name in any case: the same order on every database."""
    query = select(Opd)
    if active_only:
        query = query.where(col(Opd.active))
    return sorted(session.exec(query).all(), key=_listed)


def _listed(unit: Opd) -> tuple[int, str, str]:
    kind = OPD_KINDS.index(unit.kind) if unit.kind in OPD_KINDS else len(OPD_KINDS)
    return kind, unit.short_name.casefold(), unit.code


def units_of(*, session: Session, identity: str) -> frozenset[str]:
    """The codes of the units ``identity`` acts for (as ``petugas_opd``)."""
    return frozenset(
        session.exec(select(OpdOfficer.opd_code).where(OpdOfficer.identity == identity)).all()
    )


def officer_rows(*, session: Session, identity: str) -> Sequence[OpdOfficer]:
    """The units ``identity`` acts for, as rows (by unit code)."""
    return session.exec(
        select(OpdOfficer).where(OpdOfficer.identity == identity).order_by(col(OpdOfficer.opd_code))
    ).all()


def officers_of(*, session: Session, opd_code: str) -> Sequence[str]:
    """The identities acting for the unit ``opd_code``."""
    return session.exec(
        select(OpdOfficer.identity)
        .where(OpdOfficer.opd_code == opd_code)
        .order_by(col(OpdOfficer.identity))
    ).all()


# --- keeping the directory (admins, in chat and the CLI) -----------------------------

CODE = re.compile(r"^[A-Z0-9-]{1,24}$")
NAME = Length(160, minimum=3, letters=2)
SHORT_NAME = Length(60, minimum=2, letters=2)


class UnitError(ValueError):
    """A unit that cannot be added, changed or granted as asked. ``reason`` is one of
    ``bad_code``, ``bad_kind``, ``bad_name``, ``bad_short_name``, ``exists``,
    ``not_found``, ``inactive``, ``no_unit``; ``code`` the unit's code as given;
    ``params`` what else a caller needs to word it (the CLI: ``cli.unit.<reason>``).
    ``str()`` is one English line."""

    def __init__(self, reason: str, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.reason = reason
        self.code = code
        self.params = params


def check_code(code: str) -> str:
    """``code`` upper-cased; UnitError unless letters, digits and '-', ≤24."""
    wanted = code.strip().upper()
    if not CODE.match(wanted):
        raise UnitError(
            "bad_code",
            wanted,
            f"code {code!r}: use letters, digits and '-', at most 24",
            given=code,
        )
    return wanted


def check_kind(kind: str) -> str:
    wanted = kind.strip().lower()
    if wanted not in OPD_KINDS:
        kinds = ", ".join(OPD_KINDS)
        raise UnitError(
            "bad_kind", "", f"kind must be one of {kinds}, not {kind!r}", given=kind, kinds=kinds
        )
    return wanted


def check_name(text: str, *, short: bool = False) -> str:
    """A unit's (short) name on one line, within its length; else UnitError."""
    value, length = " ".join(text.split()), SHORT_NAME if short else NAME
    letters = sum(ch.isalpha() for ch in value)
    if not length.minimum <= len(value) <= length.maximum or letters < length.letters:
        what = "short name" if short else "name"
        reason = "bad_short_name" if short else "bad_name"
        raise UnitError(
            reason,
            "",
            f"{what} must be {length.minimum}–{length.maximum} characters with letters",
            minimum=length.minimum,
            maximum=length.maximum,
        )
    return value


def add_unit(
    *, session: Session, code: str, name: str, short_name: str, kind: str, actor: str, now: datetime
) -> Opd:
    """A new, active unit; UnitError when the code is taken or a value is wrong."""
    code = check_code(code)
    unit = Opd(
        code=code,
        name=check_name(name),
        short_name=check_name(short_name, short=True),
        kind=check_kind(kind),
        active=True,
    )
    if find_unit(session=session, code=code) is not None:
        raise UnitError("exists", code, f"unit {code} already exists")
    session.add(unit)
    session.flush()
    _audit(session, actor, "opd_add", now, code=code, name=unit.name, kind=unit.kind)
    return unit


def edit_unit(
    *,
    session: Session,
    code: str,
    actor: str,
    now: datetime,
    name: str | None = None,
    short_name: str | None = None,
    kind: str | None = None,
) -> Opd:
    """The unit with the values given changed (its code never changes)."""
    unit = _existing(session, code)
    changed: dict[str, str] = {}
    for field, value in (
        ("name", None if name is None else check_name(name)),
        ("short_name", None if short_name is None else check_name(short_name, short=True)),
        ("kind", None if kind is None else check_kind(kind)),
    ):
        if value is not None and getattr(unit, field) != value:
            setattr(unit, field, value)
            changed[field] = value
    if changed:
        session.add(unit)
        _audit(session, actor, "opd_edit", now, code=unit.code, **changed)
    return unit


def set_active(*, session: Session, code: str, active: bool, actor: str, now: datetime) -> bool:
    """(De)activate the unit; False when it already was. An inactive unit keeps its
    officers and history but is offered for no new disposition."""
    unit = _existing(session, code)
    if unit.active == active:
        return False
    unit.active = active
    session.add(unit)
    _audit(session, actor, "opd_activate" if active else "opd_deactivate", now, code=unit.code)
    return True


def grant_unit(*, session: Session, identity: str, code: str, actor: str, now: datetime) -> bool:
    """``identity`` acts for the active unit ``code``; False when it already did."""
    unit = _existing(session, code)
    if not unit.active:
        raise UnitError("inactive", unit.code, f"unit {unit.code} is inactive")
    if unit.code in units_of(session=session, identity=identity):
        return False
    session.add(OpdOfficer(identity=identity, opd_code=unit.code, granted_by=actor, granted_at=now))
    session.flush()
    _audit(session, actor, "opd_grant", now, identity=identity, code=unit.code)
    return True


def revoke_unit(*, session: Session, identity: str, code: str, actor: str, now: datetime) -> bool:
    """``identity`` no longer acts for ``code``; False when it did not."""
    wanted = code.strip().upper()
    row = session.exec(
        select(OpdOfficer).where(OpdOfficer.identity == identity, OpdOfficer.opd_code == wanted)
    ).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    _audit(session, actor, "opd_revoke", now, identity=identity, code=wanted)
    return True


def default_units() -> list[dict[str, str]]:
    """The units shipped in ``storage/data/opd_default.csv`` (code, name,
    short_name, kind): a default for the city to confirm."""
    text = resources.files("storage").joinpath("data", "opd_default.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _existing(session: Session, code: str) -> Opd:
    unit = find_unit(session=session, code=code)
    if unit is None:
        wanted = code.strip().upper()
        raise UnitError("not_found", wanted, f"no unit {wanted!r}")
    return unit


def _audit(session: Session, actor: str, action: str, now: datetime, **details: str) -> None:
    """Units and the officers' identities (staff, not residents) may be named."""
    record(session=session, actor=actor, action=action, details=details, now=now)


# --- the role ``petugas_opd``, always with its units ----------------------------------

OFFICER = "petugas_opd"


def grant_officer(
    *, session: Session, identity: str, codes: Sequence[str], actor: str, now: datetime
) -> tuple[bool, list[str]]:
    """``petugas_opd`` for ``identity``, acting for each unit of ``codes``: whether
    the role was new and which units were added. Every unit is checked first
    (UnitError for one unknown or inactive), so a refusal grants nothing."""
    if not codes:
        raise UnitError("no_unit", "", f"{OFFICER} needs at least one unit", role=OFFICER)
    for code in codes:
        unit = _existing(session, code)
        if not unit.active:
            raise UnitError("inactive", unit.code, f"unit {unit.code} is inactive")
    new = grant_role(session=session, identity=identity, role=OFFICER, granted_by=actor, now=now)
    added = [
        code.strip().upper()
        for code in dict.fromkeys(c.strip().upper() for c in codes)
        if grant_unit(session=session, identity=identity, code=code, actor=actor, now=now)
    ]
    return new, added


def revoke_officer(
    *,
    session: Session,
    identity: str,
    actor: str,
    now: datetime,
    codes: Sequence[str] | None = None,
) -> tuple[list[str], bool]:
    """Take the units ``codes`` (all when None) from ``identity``; the role goes with
    the last unit (or at once when ``codes`` is None). Returns the units taken and
    whether the role was revoked."""
    wanted = sorted(units_of(session=session, identity=identity)) if codes is None else codes
    taken = [
        code.strip().upper()
        for code in dict.fromkeys(c.strip().upper() for c in wanted)
        if revoke_unit(session=session, identity=identity, code=code, actor=actor, now=now)
    ]
    role_gone = False
    if codes is None or not units_of(session=session, identity=identity):
        role_gone = revoke_role(
            session=session, identity=identity, role=OFFICER, actor=actor, now=now
        )
    return taken, role_gone

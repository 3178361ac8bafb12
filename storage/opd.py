"""The directory of units (OPD) and who acts for which: lookups the workflow, the
chat and the CLI share."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from storage.models import Opd, OpdOfficer

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
    """The units by kind, then name: agencies first, then the area offices."""
    query = select(Opd).order_by(col(Opd.kind), col(Opd.short_name))
    if active_only:
        query = query.where(col(Opd.active))
    return session.exec(query).all()


def units_of(*, session: Session, identity: str) -> frozenset[str]:
    """The codes of the units ``identity`` acts for (as ``petugas_opd``)."""
    return frozenset(
        session.exec(select(OpdOfficer.opd_code).where(OpdOfficer.identity == identity)).all()
    )


def officers_of(*, session: Session, opd_code: str) -> Sequence[str]:
    """The identities acting for the unit ``opd_code``."""
    return session.exec(
        select(OpdOfficer.identity)
        .where(OpdOfficer.opd_code == opd_code)
        .order_by(col(OpdOfficer.identity))
    ).all()

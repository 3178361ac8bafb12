"""The city's units (perangkat daerah, OPD) that aspirations are disposed to, the
officers who act for each, and the service-clock alerts already sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.models.common import when

# dinas/badan: agencies; kecamatan/kelurahan: the area offices; bumd: a city-owned
# company (the water utility); eksternal: outside the city government (police, PLN).
OPD_KINDS = ("dinas", "badan", "kecamatan", "kelurahan", "bumd", "eksternal")


class Opd(SQLModel, table=True):
    """A unit of the city government (or outside it) that can act on aspirations."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(24), unique=True, nullable=False))  # "PUPR"
    name: str = Field(max_length=160)  # "Dinas Pekerjaan Umum dan Penataan Ruang"
    short_name: str = Field(max_length=60)  # "Dinas PUPR": what residents read
    kind: str = Field(max_length=16)
    active: bool = True


class OpdOfficer(SQLModel, table=True):
    """An identity holding ``petugas_opd`` acts for this unit (one row per unit)."""

    __tablename__ = "opd_officer"
    __table_args__ = (UniqueConstraint("identity", "opd_code"),)

    id: int | None = Field(default=None, primary_key=True)
    identity: str = Field(max_length=80, index=True)
    opd_code: str = Field(max_length=24, index=True)
    granted_by: str = Field(max_length=80)
    granted_at: datetime = when()


class SlaAlert(SQLModel, table=True):
    """A reminder, escalation or digest already written to the outbox, so that each
    is sent once, across restarts and processes: ``key`` names it (the aspiration,
    stage and due time, or the unit and day of a digest)."""

    __tablename__ = "sla_alert"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(sa_column=Column(String(120), unique=True, nullable=False))
    aspiration_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("aspiration.id", ondelete="CASCADE"), index=True),
    )
    sent_at: datetime = when()

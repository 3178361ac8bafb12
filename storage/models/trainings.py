"""Training programs, their registrations and the reminders already planned."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.limits import REGISTRATION, TRAINING
from storage.models.common import when

PROGRAM_STATUSES = ("draft", "open", "closed", "cancelled", "finished")
PROGRAM_CATEGORIES = ("usaha", "produksi", "pemasaran", "pembukuan", "lainnya")


class TrainingProgram(SQLModel, table=True):
    """An economic-empowerment training that residents register for."""

    __tablename__ = "training_program"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=TRAINING.title.maximum)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    organiser: str = Field(default="", max_length=TRAINING.organiser.maximum)
    category: str = Field(default="usaha", max_length=16)
    starts_at: datetime = when()
    ends_at: datetime = when()
    place: str = Field(default="", max_length=TRAINING.place.maximum)
    map_url: str | None = Field(default=None, max_length=TRAINING.map_url)
    quota: int
    registration_opens_at: datetime | None = when(nullable=True)  # None: from publication
    registration_closes_at: datetime | None = when(nullable=True)  # None: until the start
    area_level: str = Field(default="kota", max_length=16)
    area_code: str | None = Field(default=None, max_length=16)  # kecamatan/kelurahan code
    requirements: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="draft", max_length=16, index=True)
    created_by: str = Field(default="", max_length=80)
    created_at: datetime = when()
    updated_at: datetime = when()


REGISTRATION_STATES = ("registered", "waitlisted", "cancelled")


class TrainingRegistration(SQLModel, table=True):
    """One resident's place (or place in the queue) in one program."""

    __tablename__ = "training_registration"
    __table_args__ = (UniqueConstraint("program_id", "resident_id"),)

    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("training_program.id", ondelete="CASCADE"), nullable=False
        )
    )
    resident_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="SET NULL"), index=True),
    )
    full_name: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=20)
    kelurahan_code: str | None = Field(default=None, max_length=16)
    business_type: str | None = Field(default=None, max_length=REGISTRATION.business_type.maximum)
    motivation: str | None = Field(default=None, sa_column=Column(Text))
    status: str = Field(default="registered", max_length=16)
    waitlist_position: int | None = None  # order in the queue; lower is promoted first
    registered_at: datetime = when()
    seated_at: datetime | None = when(nullable=True)  # got a seat (at once or promoted)
    cancelled_at: datetime | None = when(nullable=True)
    attended: bool = False
    attendance_marked_at: datetime | None = when(nullable=True)
    attendance_marked_by: str | None = Field(default=None, max_length=80)


class TrainingReminder(SQLModel, table=True):
    """A reminder already written to the outbox for one registration: one per
    offset and program start, so a moved program is reminded afresh."""

    __tablename__ = "training_reminder"
    __table_args__ = (UniqueConstraint("registration_id", "offset_minutes", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("training_registration.id", ondelete="CASCADE"), nullable=False
        )
    )
    offset_minutes: int
    starts_at: datetime = when()
    outbox_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("outbox_message.id", ondelete="SET NULL")),
    )
    created_at: datetime = when()

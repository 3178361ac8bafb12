"""SQLModel tables: residents, their conversations, aspirations and their history.

Every timestamp is stored in UTC and comes back timezone-aware (``UTCDateTime``),
on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from storage.limits import FORUM, REGISTRATION, RESIDENT, TRAINING

ASPIRATION_STATUSES = (
    "diterima", "diverifikasi", "diteruskan", "diproses", "selesai", "ditolak", "spam", "duplik",
)  # fmt: skip
# The aspiration categories residents choose from (labels: ``category.<key>`` in the
# catalogs). The Literal types the ``[[aspiration.categories]]`` setting (bot/config.py).
CategoryKey = Literal[
    "infrastruktur",
    "pendidikan",
    "ekonomi",
    "kesehatan",
    "lingkungan",
    "sosial",
    "keamanan",
    "pelayanan",
    "lainnya",
]
CATEGORY_KEYS: tuple[str, ...] = get_args(CategoryKey)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime kept in UTC whatever the backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _when(*, nullable: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable))


class Resident(SQLModel, table=True):
    """One person on one channel. Personal fields stay empty without consent."""

    id: int | None = Field(default=None, primary_key=True)
    identity: str = Field(sa_column=Column(String(80), unique=True, nullable=False))
    channel: str = Field(max_length=16)
    display_name: str | None = Field(default=None, max_length=RESIDENT.profile_name.maximum)
    language: str = Field(default="id", max_length=8)
    language_chosen: bool = False
    english_offered: bool = False
    home_kecamatan_code: str | None = Field(default=None, max_length=16)
    home_kelurahan_code: str | None = Field(default=None, max_length=16)
    onboarded_at: datetime | None = _when(nullable=True)
    consent_at: datetime | None = _when(nullable=True)
    consent_version: str | None = Field(default=None, max_length=16)
    created_at: datetime = _when()
    last_seen_at: datetime = _when()
    unreachable_at: datetime | None = _when(nullable=True)  # blocked the bot
    phone: str | None = Field(default=None, max_length=20)  # E.164, given at a registration
    announcements_off_at: datetime | None = _when(nullable=True)  # said BERHENTI / STOP
    # Flood control, kept here so every process sees it: messages counted since
    # ``flood_window_at``, and none taken until ``flood_until`` after too many.
    flood_window_at: datetime | None = _when(nullable=True)
    flood_count: int = 0
    flood_until: datetime | None = _when(nullable=True)
    # The daily cap on new aspirations: how many were sent on ``aspirations_day``
    # (a WIB date, YYYY-MM-DD); counted here, as unlinked ones have no resident_id.
    aspirations_day: str | None = Field(default=None, max_length=10)
    aspirations_count: int = 0

    @property
    def has_consent(self) -> bool:
        return self.consent_at is not None


class Conversation(SQLModel, table=True):
    """Where one resident stands in one flow; ``version`` guards concurrent writers."""

    channel: str = Field(primary_key=True, max_length=16)
    user_id: str = Field(primary_key=True, max_length=64)
    flow: str = Field(max_length=32)
    step: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    prompt_id: int = 0
    version: int = 0
    expires_at: datetime = _when()
    updated_at: datetime = _when()


class ProcessedUpdate(SQLModel, table=True):
    """An inbound update already handled: redelivery does nothing twice.

    ``update_key`` is a keyed fingerprint (``storage.conversations.update_fingerprint``),
    never the platform's id, which embeds chat ids and phone numbers."""

    __tablename__ = "processed_update"

    channel: str = Field(primary_key=True, max_length=16)
    update_key: str = Field(primary_key=True, max_length=64)
    processed_at: datetime = _when()


class InstallationSecret(SQLModel, table=True):
    """A random secret made once per installation (database), never shown or
    exported: the key of the fingerprints kept instead of personal ids."""

    __tablename__ = "installation_secret"

    name: str = Field(primary_key=True, max_length=32)
    value: bytes = Field(sa_column=Column(LargeBinary(), nullable=False))


class Aspiration(SQLModel, table=True):
    """A complaint or proposal from a resident, followed through its status workflow."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(16), unique=True, nullable=False))
    resident_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="SET NULL"), index=True),
    )
    channel: str = Field(max_length=16)
    category: str = Field(max_length=32)
    kecamatan_code: str = Field(max_length=16, index=True)
    kelurahan_code: str = Field(max_length=16)
    text: str = Field(sa_column=Column(Text, nullable=False))
    language: str = Field(max_length=8)
    anonymous: bool = True
    photo_path: str | None = Field(default=None, max_length=255)
    latitude: float | None = None
    longitude: float | None = None
    status: str = Field(default="diterima", max_length=16, index=True)
    created_at: datetime = _when()
    updated_at: datetime = _when()
    rating: int | None = None  # 1–5, the resident's evaluation once it is selesai
    rating_comment: str | None = Field(default=None, sa_column=Column(Text))
    rated_at: datetime | None = _when(nullable=True)
    duplicate_of: str | None = Field(default=None, max_length=16, index=True)  # code, when duplik


class AspirationStatusChange(SQLModel, table=True):
    """One step of an aspiration's history: the status, when, who and the note."""

    __tablename__ = "aspiration_status_change"

    id: int | None = Field(default=None, primary_key=True)
    aspiration_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("aspiration.id", ondelete="CASCADE"), index=True, nullable=False
        )
    )
    status: str = Field(max_length=16)
    at: datetime = _when()
    actor: str | None = Field(default=None, max_length=80)
    note: str | None = Field(default=None, sa_column=Column(Text))


ROLES = ("admin", "staff", "facilitator")


class RoleGrant(SQLModel, table=True):
    """A role given in chat or the CLI (roles in the config file are not stored)."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("identity", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    identity: str = Field(max_length=80, index=True)
    role: str = Field(max_length=16)
    granted_by: str = Field(max_length=80)
    granted_at: datetime = _when()


# "opted_out": an announcement not sent because the resident said BERHENTI meanwhile;
# "cancelled": its announcement was cancelled (or its forum moved) before it went out.
OUTBOX_STATUSES = ("pending", "sent", "failed", "unreachable", "opted_out", "cancelled")


class OutboxMessage(SQLModel, table=True):
    """One message to one recipient, written in the same transaction as its cause.

    Direct replies are claimed by the process that handled the update
    (``claimed_until``) and sent at once; anything left unsent (a crash, a failed
    send) is picked up again by the dispatcher once the claim has lapsed.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_message_due", "status", "due_at"),
        # WhatsApp delivery receipts find their row by the platform's message id
        Index("ix_outbox_message_external", "channel", "external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    recipient: str = Field(max_length=64, index=True)  # the platform's user id
    kind: str = Field(max_length=24)  # "reply", later status notifications, reminders…
    priority: int = 0  # lower goes first
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    due_at: datetime = _when()
    claimed_until: datetime | None = _when(nullable=True)
    claim: str | None = Field(default=None, max_length=32)  # who holds the lease
    created_at: datetime = _when()
    sent_at: datetime | None = _when(nullable=True)
    external_id: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=500)
    announcement_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("announcement.id", ondelete="SET NULL"), index=True, nullable=True
        ),
    )


PROGRAM_STATUSES = ("draft", "open", "closed", "cancelled", "finished")
PROGRAM_CATEGORIES = ("usaha", "produksi", "pemasaran", "pembukuan", "lainnya")
AREA_LEVELS = ("kota", "kecamatan", "kelurahan")


class TrainingProgram(SQLModel, table=True):
    """An economic-empowerment training that residents register for."""

    __tablename__ = "training_program"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=TRAINING.title.maximum)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    organiser: str = Field(default="", max_length=TRAINING.organiser.maximum)
    category: str = Field(default="usaha", max_length=16)
    starts_at: datetime = _when()
    ends_at: datetime = _when()
    place: str = Field(default="", max_length=TRAINING.place.maximum)
    map_url: str | None = Field(default=None, max_length=TRAINING.map_url)
    quota: int
    registration_opens_at: datetime | None = _when(nullable=True)  # None: from publication
    registration_closes_at: datetime | None = _when(nullable=True)  # None: until the start
    area_level: str = Field(default="kota", max_length=16)
    area_code: str | None = Field(default=None, max_length=16)  # kecamatan/kelurahan code
    requirements: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: str = Field(default="draft", max_length=16, index=True)
    created_by: str = Field(default="", max_length=80)
    created_at: datetime = _when()
    updated_at: datetime = _when()


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
    registered_at: datetime = _when()
    seated_at: datetime | None = _when(nullable=True)  # got a seat (at once or promoted)
    cancelled_at: datetime | None = _when(nullable=True)
    attended: bool = False
    attendance_marked_at: datetime | None = _when(nullable=True)
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
    starts_at: datetime = _when()
    outbox_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("outbox_message.id", ondelete="SET NULL")),
    )
    created_at: datetime = _when()


FORUM_TYPES = (
    "musrenbang_kelurahan",
    "musrenbang_kecamatan",
    "musrenbang_kota",
    "forum_warga",
    "sosialisasi",
    "lainnya",
)
FORUM_STATUSES = ("scheduled", "moved", "cancelled", "held")
RSVP_ANSWERS = ("hadir", "tidak", "mungkin")


class ForumEvent(SQLModel, table=True):
    """A musrenbang, forum warga or sosialisasi: when, where, for which area."""

    __tablename__ = "forum_event"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=FORUM.title.maximum)
    forum_type: str = Field(default="forum_warga", max_length=24)
    starts_at: datetime = _when()
    place: str = Field(default="", max_length=FORUM.place.maximum)
    agenda: str = Field(default="", sa_column=Column(Text, nullable=False))
    area_level: str = Field(default="kota", max_length=16)
    area_code: str | None = Field(default=None, max_length=16)
    status: str = Field(default="scheduled", max_length=16, index=True)
    summary: str | None = Field(default=None, sa_column=Column(Text))  # "hasil forum"
    summary_at: datetime | None = _when(nullable=True)
    created_by: str = Field(default="", max_length=80)
    created_at: datetime = _when()
    updated_at: datetime = _when()


class ForumSubscription(SQLModel, table=True):
    """A resident wants reminders of forums for their kelurahan, kecamatan or the city.

    The area is the resident's home at send time, so moving house moves it too."""

    __tablename__ = "forum_subscription"
    __table_args__ = (UniqueConstraint("resident_id", "scope"),)

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="CASCADE"), nullable=False)
    )
    scope: str = Field(max_length=16)  # one of AREA_LEVELS
    created_at: datetime = _when()


class ForumRsvp(SQLModel, table=True):
    """Hadir / tidak / mungkin: one answer per resident and forum, changeable."""

    __tablename__ = "forum_rsvp"
    __table_args__ = (UniqueConstraint("forum_id", "resident_id"),)

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("forum_event.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    resident_id: int = Field(
        sa_column=Column(Integer, ForeignKey("resident.id", ondelete="CASCADE"), nullable=False)
    )
    answer: str = Field(max_length=8)
    answered_at: datetime = _when()


SEGMENT_KINDS = (
    "everyone",
    "kecamatan",
    "kelurahan",
    "training",
    "forum_subscribers",
    "forum_rsvp",
)
ANNOUNCEMENT_STATUSES = ("scheduled", "fanning_out", "sent", "cancelled")


class Announcement(SQLModel, table=True):
    """One message to a segment of residents, now or at ``send_at``.

    The fan-out writes one outbox row per recipient in batches (``cursor`` is the
    last resident id written), so a six-figure segment never sits in memory or
    in one transaction. Forum reminders and notices are announcements too."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(default="announcement", max_length=24)  # or forum_reminder, forum_notice…
    text: str = Field(sa_column=Column(Text, nullable=False))  # as written by the facilitator
    # Messages the bot writes itself (forum reminders, notices) are a catalog key and
    # its parameters, put in each recipient's language at fan-out; ``text`` is then the
    # Indonesian version, for the sender's preview and status.
    template: str | None = Field(default=None, max_length=64)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    photo: str | None = Field(default=None, max_length=255)
    document: str | None = Field(default=None, max_length=255)
    segment_kind: str = Field(max_length=24)
    segment_value: str | None = Field(default=None, max_length=32)  # area code or id
    send_at: datetime = _when()
    status: str = Field(default="scheduled", max_length=16, index=True)
    cursor: int = 0
    recipients: int = 0  # outbox rows written so far
    forum_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("forum_event.id", ondelete="SET NULL"), index=True),
    )
    created_by: str = Field(default="", max_length=80)
    created_at: datetime = _when()
    fanned_out_at: datetime | None = _when(nullable=True)
    cancelled_at: datetime | None = _when(nullable=True)


class ForumReminder(SQLModel, table=True):
    """A forum reminder already planned: one per forum, offset and start."""

    __tablename__ = "forum_reminder"
    __table_args__ = (UniqueConstraint("forum_id", "offset_minutes", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    forum_id: int = Field(
        sa_column=Column(Integer, ForeignKey("forum_event.id", ondelete="CASCADE"), nullable=False)
    )
    offset_minutes: int
    starts_at: datetime = _when()
    announcement_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("announcement.id", ondelete="SET NULL")),
    )
    created_at: datetime = _when()


class ChannelPace(SQLModel, table=True):
    """The send rate of one channel, shared by every dispatcher process: the next
    free send slot, and a pause after the platform said 429."""

    __tablename__ = "channel_pace"

    channel: str = Field(primary_key=True, max_length=16)
    next_slot_at: datetime = _when()
    paused_until: datetime | None = _when(nullable=True)


class AuditEntry(SQLModel, table=True):
    """A staff or admin action, or a resident's data request: who, when, what.

    ``details`` never holds personal data (no names, phones or residents' identities)."""

    __tablename__ = "audit_entry"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor: str = Field(max_length=80)  # a staff identity, "cli", "scheduler" or "resident"
    action: str = Field(max_length=32)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class BlockedIdentity(SQLModel, table=True):
    """An identity the bot ignores (floods, abuse); told once, then silence."""

    __tablename__ = "blocked_identity"

    identity: str = Field(primary_key=True, max_length=80)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    blocked_by: str = Field(max_length=80)
    blocked_at: datetime = _when()
    notified_at: datetime | None = _when(nullable=True)


JOB_STATUSES = ("queued", "running", "done", "failed")


class ChatJob(SQLModel, table=True):
    """Heavy work asked for in chat (an export, statistics with a chart), done by a
    worker off the inbound path; the result goes to ``requested_by`` through the
    outbox. Claimed for a lease like outbox rows (``claimed_until``, ``claim``)."""

    __tablename__ = "chat_job"
    __table_args__ = (Index("ix_chat_job_due", "status", "claimed_until"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=24)  # "export", "stats"
    requested_by: str = Field(max_length=80, index=True)  # the staff member's identity
    language: str = Field(default="id", max_length=8)  # of the replies
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="queued", max_length=16)
    attempts: int = 0
    claimed_until: datetime | None = _when(nullable=True)
    claim: str | None = Field(default=None, max_length=32)  # who holds the lease
    created_at: datetime = _when()
    finished_at: datetime | None = _when(nullable=True)
    last_error: str | None = Field(default=None, max_length=500)

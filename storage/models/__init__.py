"""SQLModel tables, one module per feature: residents and their conversations,
aspirations and their history, the city's units (OPD), staff, the outbox,
trainings, forums, announcements, the staff console's logins.

Importing this package registers every table on ``SQLModel.metadata`` (Alembic's
``env.py`` relies on it), and every table and vocabulary is importable from here.

Every timestamp is stored in UTC and comes back timezone-aware (``UTCDateTime``),
on SQLite as on PostgreSQL.
"""

from storage.models.announcements import ANNOUNCEMENT_STATUSES, SEGMENT_KINDS, Announcement
from storage.models.aspirations import (
    ASPIRATION_STATUSES,
    CATEGORY_KEYS,
    Aspiration,
    AspirationNote,
    AspirationStatusChange,
    CategoryKey,
)
from storage.models.common import AREA_LEVELS, UTCDateTime
from storage.models.forums import (
    FORUM_STATUSES,
    FORUM_TYPES,
    RSVP_ANSWERS,
    ForumEvent,
    ForumReminder,
    ForumRsvp,
    ForumSubscription,
)
from storage.models.opd import OPD_KINDS, Opd, OpdOfficer, SlaAlert
from storage.models.outbox import JOB_STATUSES, OUTBOX_STATUSES, ChannelPace, ChatJob, OutboxMessage
from storage.models.residents import Conversation, InstallationSecret, ProcessedUpdate, Resident
from storage.models.staff import ROLES, AuditEntry, BlockedIdentity, RoleGrant
from storage.models.trainings import (
    PROGRAM_CATEGORIES,
    PROGRAM_STATUSES,
    REGISTRATION_STATES,
    TrainingProgram,
    TrainingRegistration,
    TrainingReminder,
)
from storage.models.web import WebLoginToken, WebSession

__all__ = [
    "ANNOUNCEMENT_STATUSES",
    "AREA_LEVELS",
    "ASPIRATION_STATUSES",
    "Announcement",
    "Aspiration",
    "AspirationNote",
    "AspirationStatusChange",
    "AuditEntry",
    "BlockedIdentity",
    "CATEGORY_KEYS",
    "CategoryKey",
    "ChannelPace",
    "ChatJob",
    "Conversation",
    "FORUM_STATUSES",
    "FORUM_TYPES",
    "ForumEvent",
    "ForumReminder",
    "ForumRsvp",
    "ForumSubscription",
    "InstallationSecret",
    "JOB_STATUSES",
    "OPD_KINDS",
    "OUTBOX_STATUSES",
    "Opd",
    "OpdOfficer",
    "OutboxMessage",
    "PROGRAM_CATEGORIES",
    "PROGRAM_STATUSES",
    "ProcessedUpdate",
    "REGISTRATION_STATES",
    "ROLES",
    "RSVP_ANSWERS",
    "Resident",
    "RoleGrant",
    "SEGMENT_KINDS",
    "SlaAlert",
    "TrainingProgram",
    "TrainingRegistration",
    "TrainingReminder",
    "UTCDateTime",
    "WebLoginToken",
    "WebSession",
]

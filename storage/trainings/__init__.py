"""Training programs and registrations: seats, the waitlist, attendance.

Every change to who holds a seat locks the program's row first (``FOR UPDATE``
on PostgreSQL; SQLite has a single writer), so two residents taking the last
seat at the same moment never both get it. Waitlist positions only grow: the
queue's order is the order of ``waitlist_position``, and the position shown to a
resident is their rank among those still waiting.

The programs as written (``programs``), the registrations and the queue
(``registrations``) and changes to a program after it is written (``changes``);
every name is importable from here.
"""

from storage.trainings.changes import (
    ProgramChange,
    finish_past_programs,
    set_program_status,
    update_program,
)
from storage.trainings.programs import (
    ACTIVE,
    EDITABLE,
    NewProgram,
    TrainingError,
    check_program,
    create_program,
    get_program,
    list_programs,
    programs_for,
    registration_state,
    seats_left,
    seats_taken,
)
from storage.trainings.registrations import (
    Cancelled,
    Registered,
    RegistrationDetails,
    cancel_registration,
    drop_pending_reminders,
    fill_seats,
    register,
    registrants,
    registrations_of,
    resident_for,
    set_attendance,
    waitlist_rank,
)

__all__ = [
    "ACTIVE",
    "Cancelled",
    "EDITABLE",
    "NewProgram",
    "ProgramChange",
    "Registered",
    "RegistrationDetails",
    "TrainingError",
    "cancel_registration",
    "check_program",
    "create_program",
    "drop_pending_reminders",
    "fill_seats",
    "finish_past_programs",
    "get_program",
    "list_programs",
    "programs_for",
    "register",
    "registrants",
    "registration_state",
    "registrations_of",
    "resident_for",
    "seats_left",
    "seats_taken",
    "set_attendance",
    "set_program_status",
    "update_program",
    "waitlist_rank",
]

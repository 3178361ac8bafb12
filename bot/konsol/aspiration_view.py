"""One aspiration as Konsol's detail page shows it: plain values built from what
``storage.console_detail`` read, for the visitor who asked.

Who may see who sent it follows the chat: nobody when the resident chose to be
anonymous; otherwise city staff (and admins) see the name and how to reach them
(phone, chat identity), a unit's officer the name only, as in ``/tugas``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from bot.i18n import Translator
from bot.konsol.moves import moves_for
from bot.konsol.roles import may
from handlers.aspirations.voice_words import duration
from handlers.core.settings import EngineSettings
from storage.console_detail import AspirationRecord
from storage.models import Aspiration, Opd
from storage.sla import Event, dues
from storage.workflow import NEEDS_UNIT, OFFICER_MOVES

CHANNELS = {"telegram": "Telegram", "whatsapp": "WhatsApp", "console": "Konsol"}
OSM_LINK = "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"


@dataclass(frozen=True)
class Place:
    """A point: its coordinates as text and a link to a public map."""

    lat: str
    lon: str

    @property
    def link(self) -> str:
        return OSM_LINK.format(lat=self.lat, lon=self.lon)


def place_of(latitude: float | None, longitude: float | None) -> Place | None:
    if latitude is None or longitude is None:
        return None
    return Place(f"{latitude:.6f}", f"{longitude:.6f}")


@dataclass(frozen=True)
class Due:
    """One service clock: due when, met when, paused, past due now; ``was_late``:
    not past due now, but it was once (a unit late before a new disposal)."""

    stage: str
    due_at: datetime | None
    done_at: datetime | None
    paused: bool
    late: bool
    was_late: bool = False


@dataclass(frozen=True)
class HistoryEntry:
    """A status change or a note, in the order they happened."""

    at: datetime
    kind: str  # "status", or the note's kind: tindak_lanjut, pertanyaan, jawaban
    who: str
    status: str | None = None
    unit: str | None = None
    text: str | None = None
    photo_href: str | None = None
    place: Place | None = None
    voice_href: str | None = None  # a spoken answer's player; ``?unduh=1`` downloads
    voice_length: str = ""  # 0:42


@dataclass(frozen=True)
class Sender:
    """Who sent it, as far as the visitor may know."""

    name: str | None
    phone: str | None = None
    identity: str | None = None


@dataclass(frozen=True)
class UnitChoice:
    code: str
    label: str
    own: bool  # the category's own unit


@dataclass(frozen=True)
class AspirationView:
    aspiration: Aspiration
    href: str
    category: str
    kecamatan: str
    kelurahan: str
    unit: str | None
    grade: str
    dues: list[Due]
    channel: str
    photo_href: str | None
    place: Place | None
    history: list[HistoryEntry]
    voice_href: str | None  # the player's source; with ``?unduh=1``, the download
    voice_length: str  # 0:42
    duplicates: list[str]
    sender: Sender | None  # None: anonymous, or no longer known
    moves: tuple[str, ...]
    unit_choices: list[UnitChoice]
    grades: list[tuple[str, str]]  # (key, label)
    default_grade: str
    follow_up: bool  # the visitor may write a unit's follow-up


def unit_label(units: dict[str, Opd], code: str | None) -> str | None:
    if not code:
        return None
    unit = units.get(code)
    return f"{unit.short_name} ({code})" if unit else code


def who_label(t: Translator, actor: str | None) -> str:
    """An actor as staff read it: the resident, or the staff identity."""
    return t("konsol.detail.by_resident") if actor in (None, "resident") else str(actor)


def category_label(settings: EngineSettings, t: Translator, key: str) -> str:
    for category in settings.categories:
        if category.key == key and t.language in category.labels:
            return category.labels[t.language]
    return t(f"category.{key}")


def build(
    *,
    record: AspirationRecord,
    events: list[Event],
    settings: EngineSettings,
    t: Translator,
    roles: frozenset[str],
    officer_units: frozenset[str],
    now: datetime,
) -> AspirationView:
    """The page's values for someone holding ``roles`` (acting for ``officer_units``)."""
    aspiration = record.aspiration
    href = f"/konsol/aspirasi/{quote(aspiration.code)}"
    kelurahan = settings.wilayah.find_kelurahan(aspiration.kelurahan_code)
    kecamatan = settings.wilayah.find_kecamatan(aspiration.kecamatan_code)
    targets = settings.clock.targets
    found = dues(events, category=aspiration.category, grade=aspiration.grade, clock=settings.clock)
    breached = set(aspiration.breached.split(","))  # every stage ever past due
    moves = moves_for(roles, aspiration)
    own = settings.category_units.get(aspiration.category)
    active = [unit for unit in record.units.values() if unit.active]
    active.sort(key=lambda unit: (unit.code != own, unit.short_name.casefold()))
    return AspirationView(
        aspiration=aspiration,
        href=href,
        category=category_label(settings, t, aspiration.category),
        kecamatan=kecamatan.name if kecamatan else aspiration.kecamatan_code,
        kelurahan=kelurahan.name if kelurahan else aspiration.kelurahan_code,
        unit=unit_label(record.units, aspiration.opd_code),
        grade=targets.grade_of(aspiration.category, aspiration.grade),
        dues=[
            Due(s.name, s.due_at, s.done_at, s.paused, s.breached(now), s.name in breached)
            for s in found.stages
            if s.due_at is not None or s.paused
        ],
        channel=CHANNELS.get(aspiration.channel, aspiration.channel),
        photo_href=f"{href}/foto" if aspiration.photo_path else None,
        place=place_of(aspiration.latitude, aspiration.longitude),
        history=history(record, t, href),
        voice_href=f"{href}/suara" if aspiration.voice_path else None,
        voice_length=duration(aspiration.voice_seconds),
        duplicates=[copy.code for copy in record.duplicates],
        sender=sender(record, roles),
        moves=moves,
        unit_choices=[
            UnitChoice(u.code, f"{u.short_name} ({u.code})", u.code == own) for u in active
        ]
        if any(move in NEEDS_UNIT for move in moves)
        else [],
        grades=[(key, t(f"review.grade_{key}")) for key in targets.grades],
        default_grade=targets.grade_of(aspiration.category, None),
        follow_up="petugas_opd" in roles
        and aspiration.status in OFFICER_MOVES
        and aspiration.opd_code in officer_units,
    )


def sender(record: AspirationRecord, roles: frozenset[str]) -> Sender | None:
    resident = record.resident
    if record.aspiration.anonymous or resident is None:
        return None
    if may(roles, "staff"):
        return Sender(resident.display_name, resident.phone, resident.identity)
    return Sender(resident.display_name)


def history(record: AspirationRecord, t: Translator, href: str) -> list[HistoryEntry]:
    """Status changes (who, the unit, the note) and notes, oldest first; at the
    same moment the status change comes first."""
    entries: list[tuple[datetime, int, HistoryEntry]] = []
    for change in record.changes:
        entry = HistoryEntry(
            at=change.at,
            kind="status",
            who=who_label(t, change.actor),
            status=change.status,
            unit=unit_label(record.units, change.opd_code),
            text=change.note,
        )
        entries.append((change.at, 0, entry))
    for note in record.notes:
        photo = f"{href}/catatan/{note.id}/foto" if note.photo_path else None
        voice = f"{href}/catatan/{note.id}/suara" if note.voice_path else None
        entry = HistoryEntry(
            at=note.at,
            kind=note.kind,
            who=who_label(t, note.actor),
            unit=unit_label(record.units, note.opd_code),
            # a spoken answer's text only names its voice note: the player says it
            text=None if voice else note.text or None,
            photo_href=photo,
            place=place_of(note.latitude, note.longitude),
            voice_href=voice,
            voice_length=duration(note.voice_seconds),
        )
        entries.append((note.at, 1, entry))
    entries.sort(key=lambda found: (found[0], found[1]))
    return [entry for _, _, entry in entries]

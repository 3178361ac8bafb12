"""A stub channel for conversation tests: send, press, attach, and read the transcript.

Dialogues are tables of (what the resident does, what the bot's last message
must contain), run by ``play``. A step is a typed text, or ``("press", label)``
for a button of the latest question, ``("photo", ref)``, ``("location", lat, lon)``,
``("contact", phone)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from conftest import NOW

from handlers.core.engine import Engine
from handlers.core.types import ACTION_PROMPT, Choice, Inbound, Location, Reply, Voice


@dataclass
class Clock:
    now: datetime = NOW

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Chat:
    """One resident talking to an engine; every reply is kept in ``transcript``."""

    engine: Engine
    user_id: str = "1001"
    channel: str = "console"
    name: str | None = "Budi Siregar"
    language_hint: str | None = None
    clock: Clock = field(default_factory=Clock)
    transcript: list[Reply] = field(default_factory=list)
    last_batch: list[Reply] = field(default_factory=list)

    def _send(self, **fields: Any) -> list[Reply]:
        inbound = Inbound(
            channel=self.channel,
            user_id=self.user_id,
            display_name=self.name,
            language_hint=self.language_hint,
            **fields,
        )
        replies = self.engine.handle(inbound, self.clock.now)
        self.transcript.extend(replies)
        self.last_batch = replies
        return replies

    def send(self, text: str, **extra: Any) -> list[Reply]:
        return self._send(text=text, **extra)

    def press(self, label: str) -> list[Reply]:
        """Press the button whose label contains ``label`` on the latest question."""
        question = self.question
        matches = [o for o in question.options if label.casefold() in o.label.casefold()]
        assert matches, f"no option like {label!r} in {[o.label for o in question.options]}"
        assert question.prompt_id is not None
        return self._send(choice=Choice(question.prompt_id, matches[0].value))

    def photo(self, reference: str) -> list[Reply]:
        return self._send(photo=reference)

    def voice(self, reference: str, seconds: int | None = None) -> list[Reply]:
        """A voice note the adapter already stored (``bot.media.MediaStore.store_voice``)."""
        return self._send(voice=Voice(reference, seconds))

    def location(self, latitude: float, longitude: float) -> list[Reply]:
        return self._send(location=Location(latitude, longitude))

    def help_entry(self, entry: str) -> list[Reply]:
        """Press a button of /bantuan's help menu ("how", "data", "contact",
        "commands"): they act from any step."""
        return self._send(choice=Choice(ACTION_PROMPT, f"!help:{entry}"))

    def all_commands(self) -> str:
        """/bantuan, then its "Perintah lengkap": every command the reader may use."""
        self.send("/bantuan")
        self.help_entry("commands")
        return self.said

    def contact(self, phone: str) -> list[Reply]:
        """Share a phone number (Telegram's contact button)."""
        return self._send(contact=phone)

    @property
    def last(self) -> Reply:
        return self.transcript[-1]

    @property
    def question(self) -> Reply:
        """The latest message that offers options."""
        return next(r for r in reversed(self.transcript) if r.options)

    @property
    def labels(self) -> list[str]:
        return [o.label for o in self.last.options]

    @property
    def said(self) -> str:
        """Everything the last inbound got back, options included, as one text."""
        return "\n\n".join(
            "\n".join([r.text, *(f"  [{o.label}]" for o in r.options)]) for r in self.last_batch
        )


Step = str | tuple[Any, ...]


def act(chat: Chat, step: Step) -> list[Reply]:
    if isinstance(step, str):
        return chat.send(step)
    kind, *args = step
    actions = {
        "press": chat.press,
        "photo": chat.photo,
        "voice": chat.voice,
        "refused": lambda reason: chat._send(refused=reason),  # an adapter refused a file
        "location": chat.location,
        "contact": chat.contact,
    }
    return actions[kind](*args)


def play(chat: Chat, dialogue: Sequence[tuple[Step, str]]) -> None:
    """Run a dialogue table; each expected text must appear in that turn's replies.

    An empty expectation is refused: ``"" in text`` holds for any reply, so that
    turn would assert nothing. Name what the turn really shows (the next question).
    """
    for number, (step, expected) in enumerate(dialogue, 1):
        assert expected.strip(), (
            f"turn {number} {step!r}: expects nothing; give the text this turn shows"
        )
        act(chat, step)
        assert expected.casefold() in chat.said.casefold(), (
            f"turn {number} {step!r}: expected {expected!r} in:\n{chat.said}"
        )


ONBOARD = [
    ("/start", "Apakah Anda setuju"),
    (("press", "Setuju"), "Anda tinggal di kecamatan mana"),
    (("press", "Siantar Barat"), "Di kelurahan mana di Kecamatan Siantar Barat"),
    (("press", "Bantan"), "Tersimpan: Kelurahan Bantan, Kecamatan Siantar Barat"),
]

TO_SUMMARY = [
    (("press", "Sampaikan aspirasi"), "Pilih kategorinya"),
    (("press", "Infrastruktur"), "Di kecamatan mana"),
    (("press", "Siantar Timur"), "Di kelurahan mana di Kecamatan Siantar Timur"),
    (("press", "Tomuan"), "Tuliskan aspirasi"),
    ("Jalan Sutomo di depan pasar berlubang besar sejak Oktober.", "foto atau lokasi"),
    (("press", "Lewati"), "nama Anda ditampilkan"),
    (("press", "Tampilkan nama"), "Periksa lagi aspirasi Anda"),
]

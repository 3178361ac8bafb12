"""How long the fields people type may be: one set, for chat and CLI alike.

Residents, facilitators and staff type these in chat (``handlers/``), and
facilitators also in program and forum files and on the command line
(``bot/cli_*``); the storage functions refuse what goes past them too. Both
read their limits here, beside the models whose columns hold the text, so a
training description refused in chat is refused by ``siantar training add``.
What residents are told of a limit (the catalogs' "paling banyak {maximum}
karakter") is filled in from the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Length:
    """A typed text: ``minimum``–``maximum`` characters once cleaned, with at
    least ``letters`` letters (some words, not only digits or signs)."""

    maximum: int
    minimum: int = 0
    letters: int = 2


@dataclass(frozen=True)
class AspirationLimits:
    text: Length = Length(2000, minimum=10, letters=3)


@dataclass(frozen=True)
class ResidentLimits:
    # A typed name (aspiration, training registration) and a chat app's profile name.
    name: Length = Length(80, letters=2)
    # The name set in /profil, as its catalog text says ("paling banyak 120 huruf").
    profile_name: Length = Length(120, minimum=1, letters=0)
    phone_digits: int = 9  # at least, in an Indonesian number


@dataclass(frozen=True)
class CommentLimits:
    """A free comment or note: a rating's comment, a staff note on an aspiration."""

    text: Length = Length(1000, letters=2)


@dataclass(frozen=True)
class RegistrationLimits:
    business_type: Length = Length(80, letters=3)
    motivation: Length = Length(500, letters=2)


@dataclass(frozen=True)
class TrainingLimits:
    title: Length = Length(120, minimum=3)
    description: Length = Length(2000, minimum=10)
    place: Length = Length(200, minimum=3)
    requirements: Length = Length(1000, minimum=3)
    organiser: Length = Length(120, minimum=2)
    map_url: int = 300  # characters
    quota: int = 10_000  # seats


@dataclass(frozen=True)
class ForumLimits:
    title: Length = Length(120, minimum=3)
    place: Length = Length(200, minimum=3)
    agenda: Length = Length(1500, minimum=10)
    summary: Length = Length(3000, minimum=10)  # the result, sent to who answered


@dataclass(frozen=True)
class AnnouncementLimits:
    text: Length = Length(3500, letters=2)
    caption: int = 1024  # a photo's caption, on Telegram and WhatsApp alike


ASPIRATION = AspirationLimits()
RESIDENT = ResidentLimits()
COMMENT = CommentLimits()
REGISTRATION = RegistrationLimits()
TRAINING = TrainingLimits()
FORUM = ForumLimits()
ANNOUNCEMENT = AnnouncementLimits()

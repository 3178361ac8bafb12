"""Checks on free text typed by residents, with the reason when it is refused."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import phonenumbers

from storage.limits import ASPIRATION, COMMENT, RESIDENT, Length

_SPACES = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ .'’,-]+[^\W\d_]+)*\.?$")


@dataclass
class Invalid(Exception):
    """A refused input: ``key`` names the catalog message, ``params`` fill it in."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


def clean_text(raw: str) -> str:
    """Normalise typed text: NFC, no invisible format or control characters
    (zero-width spaces, bidi overrides), single spaces, at most one blank line."""
    text = unicodedata.normalize("NFC", raw)
    text = "".join(
        ch
        for ch in text
        if ch == "\n" or unicodedata.category(ch) not in ("Cf", "Cc", "Cs", "Co", "Cn")
    )
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def check_text(
    raw: str, length: Length, *, one_line: bool = False, too_long: str = "validation.too_long"
) -> str:
    """Typed text within ``length`` (storage/limits.py): some words, neither too
    short nor too long (a title, a place, an agenda); ``one_line`` folds it onto
    one line. ``too_long`` is the key that says so when it is over the maximum."""
    text = clean_text(raw)
    if one_line:
        text = " ".join(text.split())
    if not text:
        raise Invalid("validation.empty")
    if letters(text) < length.letters:
        raise Invalid("validation.no_words")
    if len(text) < length.minimum:
        raise Invalid("validation.too_short", {"minimum": length.minimum, "length": len(text)})
    if len(text) > length.maximum:
        raise Invalid(too_long, {"maximum": length.maximum, "length": len(text)})
    return text


def check_aspiration_text(raw: str) -> str:
    """The cleaned text of an aspiration, or Invalid saying what is wrong."""
    return check_text(raw, ASPIRATION.text)


def check_name(raw: str) -> str:
    """A person's name as they want it shown: letters, spaces and . ' , -"""
    name = " ".join(clean_text(raw).split())
    if not name:
        raise Invalid("validation.empty")
    if len(name) > RESIDENT.name.maximum:
        raise Invalid("validation.name_too_long", {"maximum": RESIDENT.name.maximum})
    if letters(name) < RESIDENT.name.letters or not _NAME_CHARS.match(name):
        raise Invalid("validation.name_invalid")
    return name


def clean_profile_name(raw: str | None) -> str | None:
    """A chat app's profile name (Telegram, WhatsApp) as it may be stored and shown:
    cleaned like typed text (``clean_text``: no bidi overrides, zero-width or
    control characters), on one line, at most ``RESIDENT.name`` characters. None
    when fewer letters than it asks are left. Not refused like a typed name
    (``check_name``): emoji and digits are people's own choice and stay."""
    if not raw:
        return None
    name = " ".join(clean_text(raw).split())[: RESIDENT.name.maximum].rstrip()
    return name if letters(name) >= RESIDENT.name.letters else None


def check_comment(raw: str) -> str:
    """A short free comment or note: some words, at most ``COMMENT.text`` characters."""
    return check_text(raw, COMMENT.text)


_PHONE_CHARS = re.compile(r"^[\d\s().+-]+$")


def check_phone(raw: str) -> str:
    """An Indonesian phone number in E.164 (+62…), typed in any usual form:
    ``0812-3456-7890``, ``+62 812 3456 7890``, ``6281234567890``."""
    text = clean_text(raw).replace("\u2212", "-")
    if not text:
        raise Invalid("validation.empty")
    if not _PHONE_CHARS.match(text):
        raise Invalid("validation.phone_characters")
    digits = re.sub(r"\D", "", text)
    if len(digits) < RESIDENT.phone_digits:
        raise Invalid("validation.phone_too_short")
    candidates = [text]
    if not text.startswith("+") and digits.startswith("62"):
        candidates.insert(0, "+" + digits)  # 62812… is +62 812…, not a local number
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, "ID")
        except phonenumbers.NumberParseException:
            continue
        if number.country_code != 62:
            raise Invalid("validation.phone_foreign")
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise Invalid("validation.phone_invalid")


def local_phone(number: str | None) -> str:
    """A stored number (E.164) as residents and staff write it: ``0812-3456-7890``,
    ``(0622) 123456`` (phonenumbers' national format). Anything it cannot read is
    shown as stored; no number is "-"."""
    if not number:
        return "-"
    try:
        parsed = phonenumbers.parse(number, "ID")
    except phonenumbers.NumberParseException:
        return number
    if parsed.country_code != 62:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)

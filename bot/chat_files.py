"""Files the bot sends in chat (``/datasaya json``, staff exports, charts): transient.

Each is written under ``files/<recipient>/<created>-<random>/<name>`` in the media
directory, where ``<recipient>`` is a hash of the identity it is for (never the
identity itself) and ``<created>`` the UTC time it was written. Such a file only
exists to be sent once, and most hold personal data, so:

- the adapter deletes it as soon as the message carrying it was delivered
  (``discard``);
- the daily retention job deletes any left older than ``[privacy] file_hours``
  (``expired``): a message that never went out, a file shown on the console;
- erasing or withdrawing a resident's data deletes their own folder, and any
  other recipient's file still waiting that names them (``mentioning``): a staff
  export with their name or phone. XLSX files are zip archives: their parts are
  read one by one.

Files from before this layout (``files/YYYY/MM/<random>/<name>``) count as created
at their modification time.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import html
import json
import logging
import re
import shutil
import zipfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

logger = logging.getLogger(__name__)

FOLDER = "files"
STAMP = "%Y%m%dT%H%M%SZ"
_OWNER = re.compile(r"[0-9a-f]{24}")
CHUNK = 1 << 20  # characters of a file searched at a time
MIN_NUMBER = 5  # shorter digit strings (a console id "1") are not searched for alone


def owner_key(identity: str) -> str:
    """The folder name of a recipient's files: not their identity, but always the same."""
    return hashlib.sha256(identity.encode()).hexdigest()[:24]


def new_reference(identity: str, filename: str, token: str, now: datetime) -> str:
    return f"{FOLDER}/{owner_key(identity)}/{now.astimezone(UTC):{STAMP}}-{token}/{filename}"


def is_transient(reference: str | None) -> bool:
    """A file sent in chat (not a resident's photo kept with an aspiration)."""
    if not reference or not reference.startswith(f"{FOLDER}/"):
        return False
    return ".." not in Path(reference).parts


def remove(root: Path, reference: str) -> bool:
    """Delete one transient file and its own folder; True when it was there."""
    path = root / reference
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError:
        logger.warning("could not remove a sent file", exc_info=True)
        return False
    with contextlib.suppress(OSError):  # not empty, or gone already: leave it
        path.parent.rmdir()
    return True


def _files(root: Path) -> Iterator[Path]:
    base = root / FOLDER
    if base.is_dir():
        yield from (p for p in base.rglob("*") if p.is_file())


def created_at(root: Path, path: Path) -> datetime:
    """When a file was written: from its folder's name, else its modification time."""
    parts = path.relative_to(root / FOLDER).parts
    if len(parts) == 3 and _OWNER.fullmatch(parts[0]):
        with contextlib.suppress(ValueError):
            return datetime.strptime(parts[1].split("-", 1)[0], STAMP).replace(tzinfo=UTC)
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


def expired(root: Path, before: datetime) -> list[str]:
    """The references of the files written before ``before``."""
    found = []
    for path in _files(root):
        try:
            if created_at(root, path) < before:
                found.append(path.relative_to(root).as_posix())
        except OSError:  # removed meanwhile
            continue
    return sorted(found)


def remove_all(root: Path, references: Iterable[str]) -> int:
    """Delete the files; then the recipients' folders left empty. Returns how many."""
    removed = sum(remove(root, reference) for reference in references)
    base = root / FOLDER
    if base.is_dir():
        for folder in sorted(base.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            with contextlib.suppress(OSError):  # not empty (or not a folder)
                folder.rmdir()
    return removed


def erase(root: Path, identity: str, mentions: Iterable[str]) -> int:
    """Delete every file for ``identity``, and every other that holds one of the
    ``mentions`` (name, phone, chat id); returns how many."""
    count = 0
    own = root / FOLDER / owner_key(identity)
    if own.is_dir():
        count += sum(1 for p in own.rglob("*") if p.is_file())
        shutil.rmtree(own, ignore_errors=True)
    pattern = mention_pattern(mentions)
    if pattern is None:
        return count
    naming = []
    for path in _files(root):
        try:
            if names_anyone(path, pattern):
                naming.append(path.relative_to(root).as_posix())
        except OSError:  # removed meanwhile
            continue
    return count + remove_all(root, naming)


def mention_pattern(mentions: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for every mention, in every form a file may hold it: a number
    (phone, chat id) as its digits, with or without the country code or the
    trunk 0; a text (name, identity) as a whole word in any case, as is, escaped
    for XML or escaped for JSON."""
    alternatives: set[str] = set()
    for mention in mentions:
        mention = mention.strip()
        digits = mention.removeprefix("+")
        if digits.isdigit():
            if len(digits) < MIN_NUMBER:
                continue
            forms = {digits}
            if digits.startswith("62"):
                forms.add("0" + digits[2:])
            alternatives |= {rf"(?<!\d){re.escape(f)}(?!\d)" for f in forms}
        elif mention:
            forms = {
                mention,
                html.escape(mention, quote=False),
                json.dumps(mention)[1:-1],
                json.dumps(mention, ensure_ascii=False)[1:-1],
            }
            alternatives |= {rf"(?<!\w){re.escape(f)}(?!\w)" for f in forms}
    if not alternatives:
        return None
    return re.compile("|".join(sorted(alternatives, key=len, reverse=True)), re.IGNORECASE)


def names_anyone(path: Path, pattern: re.Pattern[str]) -> bool:
    """Does the file (each part of it, if it is a zip archive) match ``pattern``?"""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                with archive.open(member) as part:
                    if _matches(part, pattern):
                        return True
        return False
    with path.open("rb") as whole:
        return _matches(whole, pattern)


def _matches(stream: IO[bytes], pattern: re.Pattern[str]) -> bool:
    """Search the text in chunks, each overlapping the last by a little."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    overlap = 256
    tail = ""
    while True:
        data = stream.read(CHUNK)
        text = tail + decoder.decode(data, final=not data)
        if pattern.search(text):
            return True
        if not data:
            return False
        tail = text[-overlap:]

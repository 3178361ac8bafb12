"""A core ``Reply`` in WhatsApp's idiom, within the Cloud API's limits.

Up to 3 options are reply buttons (titles of at most 20 characters), 4 to 10 a list
message (row titles of at most 24, the full label as the row's description), more
than 10 a list in pages of ``PAGE_SIZE`` with "Berikutnya"/"Sebelumnya" rows whose
ids carry the page. Text over 4096 characters is split; the body of an interactive
message holds at most 1024, so a long question goes out as text first. A label
longer than a button has its own short title in the catalog (``<key>.short``, see
``bot.i18n.short_labels``), shown instead of a cut one. Pure functions: the channel
sends what they return.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.text_chunks import split_text
from bot.whatsapp.callbacks import ButtonIds
from handlers.core.types import Reply

MAX_TEXT = 4096
MAX_BODY = 1024  # interactive messages
MAX_CAPTION = 1024
MAX_BUTTONS = 3
MAX_ROWS = 10
PAGE_SIZE = 8  # options per page of a long list, leaving room for two paging rows
BUTTON_TITLE = 20
ROW_TITLE = 24
ROW_DESCRIPTION = 72
SECTION_TITLE = 24


@dataclass(frozen=True)
class Words:
    """The few words the adapter adds itself, in the resident's language."""

    choose: str  # the button that opens a list
    next: str
    previous: str
    page: str  # "Halaman {page} dari {pages}", already formatted with "{page}"/"{pages}"
    shorts: Mapping[str, str] = field(default_factory=dict)  # label → its written short title

    def title(self, label: str, limit: int) -> str:
        """What WhatsApp shows for ``label``: its short title from the catalog, if it has
        one, else the label made to fit ``limit``."""
        return short_form(self.shorts.get(label, label), limit)


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    description: str | None = None


@dataclass(frozen=True)
class Outgoing:
    """One Cloud API message: text, media with a caption, buttons or a list."""

    text: str
    buttons: tuple[Row, ...] = ()
    rows: tuple[Row, ...] = ()
    section: str = ""
    list_button: str = ""
    photo: str | None = None
    document: str | None = None
    voice: str | None = None  # an audio message carries no caption: its text goes first


def short_form(label: str, limit: int) -> str:
    """A label that fits ``limit``: as is, the part before a parenthesis
    ("Infrastruktur (jalan, …)" → "Infrastruktur"), or cut at a word with "…"."""
    label = " ".join(label.split())
    if len(label) <= limit:
        return label
    head = label.split(" (", 1)[0].strip()
    if 0 < len(head) <= limit:
        return head
    window = label[: limit - 1]
    cut = window.rsplit(" ", 1)[0] if " " in window else window
    return cut.rstrip(" ,.;:-") + "…"


def _unique(titles: list[str], limit: int) -> list[str]:
    """WhatsApp refuses two buttons with one title: number them when two collide."""
    if len(set(titles)) == len(titles):
        return titles
    return [short_form(f"{n}. {title}", limit) for n, title in enumerate(titles, 1)]


def render(reply: Reply, wa_id: str, ids: ButtonIds, words: Words, page: int = 0) -> list[Outgoing]:
    """The messages for ``reply`` (``page`` of a long list), in sending order."""
    prompt_id = reply.prompt_id
    choices: list[tuple[str, str]] = []
    if prompt_id is not None:
        choices = [(ids.option(wa_id, prompt_id, o.value), o.label) for o in reply.options]
    if reply.contact_button:  # WhatsApp knows the number: one press shares it
        share = ids.share_number(wa_id, prompt_id or 0)
        choices.insert(0, (share, reply.contact_button))
    out: list[Outgoing] = []
    text = reply.text
    media = reply.photo or reply.document
    if reply.voice:
        out += [Outgoing(chunk) for chunk in split_text(text, MAX_TEXT)]
        out.append(Outgoing("", voice=reply.voice))
        if not choices:
            return out
        text = words.choose
    elif media:
        caption = text if len(text) <= MAX_CAPTION else ""
        if not caption:
            out += [Outgoing(chunk) for chunk in split_text(text, MAX_TEXT)]
        out.append(Outgoing(caption, photo=reply.photo, document=reply.document))
        if not choices:
            return out
        text = words.choose
    elif not choices:
        return [Outgoing(chunk) for chunk in split_text(text, MAX_TEXT)]
    if len(choices) <= MAX_BUTTONS:
        titles = _unique([words.title(label, BUTTON_TITLE) for _, label in choices], BUTTON_TITLE)
        shortened = [  # a short title written in the catalog stands on its own
            label
            for (_, label), title in zip(choices, titles, strict=True)
            if words.shorts.get(label, label) != title
        ]
        if shortened:  # titles cut to fit alone may not say enough
            text += "\n\n" + "\n".join(f"{n}. {label}" for n, (_, label) in enumerate(choices, 1))
        buttons = tuple(Row(id_, title) for (id_, _), title in zip(choices, titles, strict=True))
        return out + _with_body(text, buttons=buttons)
    pages = 1 if len(choices) <= MAX_ROWS else math.ceil(len(choices) / PAGE_SIZE)
    page = min(max(page, 0), pages - 1)
    section = ""
    if pages > 1:
        label = words.page.format(page=page + 1, pages=pages)
        text += f"\n\n({label})"
        section = short_form(label, SECTION_TITLE)
        choices = choices[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    rows = [
        Row(
            id_,
            words.title(label, ROW_TITLE),
            label[:ROW_DESCRIPTION] if words.title(label, ROW_TITLE) != label else None,
        )
        for id_, label in choices
    ]
    if pages > 1 and prompt_id is not None:
        if page > 0:
            rows.append(Row(ids.page(wa_id, prompt_id, page - 1), f"« {words.previous}"))
        if page < pages - 1:
            rows.append(Row(ids.page(wa_id, prompt_id, page + 1), f"{words.next} »"))
    return out + _with_body(
        text,
        rows=tuple(rows),
        section=section,
        list_button=short_form(words.choose, BUTTON_TITLE),
    )


def _with_body(
    text: str,
    *,
    buttons: tuple[Row, ...] = (),
    rows: tuple[Row, ...] = (),
    section: str = "",
    list_button: str = "",
) -> list[Outgoing]:
    """Text that does not fit an interactive body goes first, as plain messages."""
    chunks = split_text(text, MAX_TEXT)
    last = split_text(chunks.pop(), MAX_BODY)
    body = last.pop()
    leading = [Outgoing(chunk) for chunk in [*chunks, *last]]
    interactive = Outgoing(
        body, buttons=buttons, rows=rows, section=section, list_button=list_button
    )
    return [*leading, interactive]

"""Outside WhatsApp's 24-hour window only approved templates may be sent.

Each outbox kind has one (``[whatsapp.templates.<kind>]``: name, language, and which
parts of the message fill the body's ``{{1}}``, ``{{2}}``…). Template parameters may
not hold line breaks, tabs or long runs of spaces, so the text is flattened; it is
cut to ``MAX_PARAM`` characters to stay inside the body's 1024.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.config import WhatsAppTemplate
from handlers.core.types import Reply

WINDOW = timedelta(hours=24)
MAX_PARAM = 700
_BREAKS = re.compile(r"\s*\n\s*")
_SPACES = re.compile(r"[\t ]{2,}")


class MissingTemplate(Exception):
    """No template is configured for a message that needs one."""


def window_open(last_seen_at: datetime | None, now: datetime) -> bool:
    """Free-form messages may go within 24 hours of the resident's last message."""
    return last_seen_at is not None and now - last_seen_at < WINDOW


def flatten(text: str, limit: int = MAX_PARAM) -> str:
    """One line, as a template parameter must be: line breaks become " · "."""
    text = _SPACES.sub(" ", _BREAKS.sub(" · ", text.strip()))
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parameter(source: str, reply: Reply, name: str | None) -> str:
    first, _, rest = reply.text.strip().partition("\n")
    values = {
        "text": reply.text,
        "first_line": first,
        "rest": rest or first,
        "name": name or "Warga",
    }
    # Meta refuses an empty parameter
    return flatten(values[source]) or "-"


@dataclass(frozen=True)
class TemplateMessage:
    name: str
    language: str
    components: list[dict[str, Any]]


def template_for(
    templates: Mapping[str, WhatsAppTemplate], kind: str, reply: Reply, name: str | None
) -> TemplateMessage:
    """The template message that stands in for ``reply`` of ``kind``."""
    template = templates.get(kind)
    if template is None:
        raise MissingTemplate(f"no WhatsApp template for {kind!r} messages")
    parameters = [
        {"type": "text", "text": parameter(source, reply, name)} for source in template.params
    ]
    components = [{"type": "body", "parameters": parameters}] if parameters else []
    return TemplateMessage(template.name, template.language, components)

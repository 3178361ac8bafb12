"""A new training as the facilitator types it and sees it before saving: the
checks of its typed answers, and the preview card (the residents' page, then what
that page does not spell out)."""

from __future__ import annotations

import re
from dataclasses import fields
from urllib.parse import urlsplit

from handlers.core.flow import Ctx
from handlers.core.matching import fold
from handlers.core.types import Translator
from handlers.core.validation import Invalid
from handlers.trainings.browse import describe
from handlers.widgets.places import area_name
from storage.limits import TRAINING
from storage.models import PROGRAM_CATEGORIES, TrainingProgram
from storage.trainings import NewProgram

_QUOTA = re.compile(
    r"^(?P<number>\d{1,3}(?:[.,]\d{3})+|\d+)\s*(?:orang|peserta|kursi|people|seats|participants)?$"
)


def check_url(raw: str) -> str:
    """A map link: an http(s) address with a host name, no spaces."""
    url = raw.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        raise Invalid("training_admin.bad_url") from None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or "." not in host or re.search(r"\s", url):
        raise Invalid("training_admin.bad_url")
    if len(url) > TRAINING.map_url:
        raise Invalid("training_admin.url_too_long", {"maximum": TRAINING.map_url})
    return url


def check_quota(raw: str) -> int:
    """A whole number of seats, 1–``TRAINING.quota`` (``1.000`` is a thousand)."""
    match = _QUOTA.match(fold(raw))
    if match is None:
        raise Invalid("training_admin.quota_not_number")
    quota = int(re.sub(r"[.,]", "", match["number"]))
    if not 1 <= quota <= TRAINING.quota:
        raise Invalid("training_admin.quota_range", {"maximum": TRAINING.quota})
    return quota


def category_label(t: Translator, category: str) -> str:
    """The category's name (``training_admin.category_<name>``; an unknown one: Lainnya)."""
    known = category if category in PROGRAM_CATEGORIES else "lainnya"
    return t(f"training_admin.category_{known}")


def resident_view(ctx: Ctx, draft: NewProgram) -> str:
    """The program exactly as residents will see it in the trainings flow."""
    # Not stored yet: id 0 names no program, so nobody holds a seat in it.
    unsaved = TrainingProgram(id=0, **{f.name: getattr(draft, f.name) for f in fields(draft)})
    return describe(ctx, unsaved)


def checklist(ctx: Ctx, draft: NewProgram) -> str:
    """What the residents' page does not spell out: category, area (who may
    register), and the closing and requirements when there are none."""
    t = ctx.t
    area = area_name(
        ctx,
        draft.area_level,
        draft.area_code,
        city="training_admin.area_city",
        kecamatan="training_admin.area_kecamatan",
    )
    lines = [
        t("training_admin.card_category", category=category_label(t, draft.category)),
        t("training_admin.card_area", area=area),
    ]
    if draft.registration_closes_at is None:
        lines.append(t("training_admin.card_closes_at_start"))
    if not draft.requirements:
        lines.append(t("training_admin.card_no_requirements"))
    return "\n".join(lines)


def preview(ctx: Ctx, draft: NewProgram) -> str:
    """The program as residents will see it, then the rest of what was entered."""
    return ctx.t(
        "training_admin.preview", card=resident_view(ctx, draft), details=checklist(ctx, draft)
    )

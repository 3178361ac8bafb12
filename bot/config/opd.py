"""``[opd]``: which unit each category's aspirations go to by default."""

from __future__ import annotations

import re

from pydantic import BaseModel, field_validator

from bot.config.base import MODEL_CONFIG, RuleError
from storage.models import CATEGORY_KEYS
from storage.opd import CATEGORY_UNITS

UNIT_CODE = re.compile(r"^[A-Z0-9-]{1,24}$")


class OpdSettings(BaseModel):
    """``[opd] categories = { infrastruktur = "PUPR", … }`` overrides the shipped
    mapping (``storage.opd.CATEGORY_UNITS``) category by category."""

    model_config = MODEL_CONFIG

    categories: dict[str, str] = {}

    @field_validator("categories")
    @classmethod
    def _known(cls, mapping: dict[str, str]) -> dict[str, str]:
        checked: dict[str, str] = {}
        for category, code in mapping.items():
            if category not in CATEGORY_KEYS:
                raise RuleError(
                    "opd.categories",
                    f"opd.categories: unknown category {category!r}; "
                    f"categories are: {', '.join(CATEGORY_KEYS)}",
                )
            unit = code.strip().upper()
            if not UNIT_CODE.match(unit):
                raise RuleError(
                    "opd.categories",
                    f"opd.categories.{category}: {code!r} is not a unit code "
                    "(letters, digits and '-', at most 24)",
                )
            checked[category] = unit
        return checked

    def category_units(self) -> dict[str, str]:
        """Each category's default unit: the shipped mapping, then the config's."""
        return {**CATEGORY_UNITS, **self.categories}

"""The feature sections: ``[aspiration]`` (the category menu), ``[training]`` and
``[forum]`` (when reminders go out)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, field_validator, model_validator

from bot.config.base import MODEL_CONFIG, Label, RuleError
from storage.models import CategoryKey
from storage.reminders import parse_offset


class ReminderSettings(BaseModel):
    """Reminder offsets before an event (``"1d"``, ``"2h"``); the training and forum
    sections differ only in their defaults."""

    model_config = MODEL_CONFIG

    reminders: list[str]

    @field_validator("reminders")
    @classmethod
    def _offsets(cls, values: list[str]) -> list[str]:
        for value in values:
            parse_offset(value)  # ValueError names the bad offset
        return values

    @property
    def reminder_offsets(self) -> tuple[timedelta, ...]:
        return tuple(parse_offset(value) for value in self.reminders)


class TrainingSettings(ReminderSettings):
    """``[training]``: when registrants are reminded before a program starts."""

    reminders: list[str] = ["1d", "2h"]


class ForumSettings(ReminderSettings):
    """``[forum]``: when subscribers are reminded before a forum."""

    reminders: list[str] = ["3d", "1d", "2h"]


class CategorySetting(BaseModel):
    """One ``[[aspiration.categories]]`` entry."""

    model_config = MODEL_CONFIG

    key: CategoryKey
    label: Label
    label_en: Label


class AspirationSettings(BaseModel):
    """``[aspiration]``: the category menu (empty = the nine in the message catalogs)."""

    model_config = MODEL_CONFIG

    categories: list[CategorySetting] = []

    @model_validator(mode="after")
    def _unique_keys(self) -> AspirationSettings:
        seen: set[str] = set()
        for category in self.categories:
            if category.key in seen:
                raise RuleError(
                    "aspiration.categories",
                    f"aspiration.categories: duplicate category key {category.key!r}",
                )
            seen.add(category.key)
        return self

"""``[sla]``: the service clocks' targets and calendar, and when staff are pinged
about them (reminders, escalations, the daily digest)."""

from __future__ import annotations

from datetime import date, time

from pydantic import BaseModel, Field, field_validator, model_validator

from bot.config.base import MODEL_CONFIG, RuleError
from storage.models import CATEGORY_KEYS
from storage.sla import CATEGORY_GRADES, GRADES, Calendar, ServiceClock, Targets


def _clock_time(value: str) -> time | None:
    """``"21:00"`` → 21:00; ``""`` → None."""
    if not value:
        return None
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise ValueError(f"{value!r} is not a time like 21:00 (HH:MM, WIB)")
    if int(hours) > 23 or int(minutes) > 59:
        raise ValueError(f"{value!r} is not a time of day (00:00 to 23:59)")
    return time(int(hours), int(minutes))


class SlaSettings(BaseModel):
    """``[sla]``: working days from the ``holidays`` package (country ID) plus
    ``extra_holidays``; targets in working days; quiet hours in WIB."""

    model_config = MODEL_CONFIG

    verify_days: int = Field(default=3, ge=1, le=60)
    response_days: int = Field(default=5, ge=1, le=60)
    extra_holidays: list[str] = []  # cuti bersama etc., "YYYY-MM-DD"
    # completion days per grade (LAPOR's), and each category's grade (the others:
    # normatif); keys left out keep these defaults
    grades: dict[str, int] = Field(default_factory=lambda: dict(GRADES))
    categories: dict[str, str] = Field(default_factory=lambda: dict(CATEGORY_GRADES))
    quiet_start: str = "21:00"  # no staff pings from here…
    quiet_end: str = "06:00"  # …to here (both empty: no quiet hours)
    reminder_days: int = Field(default=1, ge=0, le=30)  # 0: no reminders
    digest_at: str = "07:00"  # on working days; empty: no digest

    @field_validator("extra_holidays")
    @classmethod
    def _dates(cls, values: list[str]) -> list[str]:
        for value in values:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a date like 2026-03-20 (YYYY-MM-DD)") from None
            if len(value) != 10:
                raise ValueError(f"{value!r} is not a date like 2026-03-20 (YYYY-MM-DD)")
        return values

    @field_validator("grades")
    @classmethod
    def _grades(cls, values: dict[str, int]) -> dict[str, int]:
        for grade, days in values.items():
            if grade not in GRADES:
                raise ValueError(f"unknown grade {grade!r} (expected one of {', '.join(GRADES)})")
            if not 1 <= days <= 365:
                raise ValueError(f"{grade} = {days}: must be 1 to 365 working days")
        return values

    @field_validator("categories")
    @classmethod
    def _categories(cls, values: dict[str, str]) -> dict[str, str]:
        for category, grade in values.items():
            if category not in CATEGORY_KEYS:
                raise ValueError(
                    f"unknown category {category!r} (expected one of {', '.join(CATEGORY_KEYS)})"
                )
            if grade not in GRADES:
                raise ValueError(
                    f"{category} = {grade!r}: unknown grade (expected one of {', '.join(GRADES)})"
                )
        return values

    @field_validator("quiet_start", "quiet_end", "digest_at")
    @classmethod
    def _times(cls, value: str) -> str:
        _clock_time(value)
        return value

    @model_validator(mode="after")
    def _quiet_pair(self) -> SlaSettings:
        if bool(self.quiet_start) != bool(self.quiet_end):
            raise RuleError(
                "sla.quiet_start",
                "sla.quiet_start and sla.quiet_end: give both, or leave both empty "
                "for no quiet hours",
            )
        return self

    @property
    def quiet_hours(self) -> tuple[time, time] | None:
        start, end = _clock_time(self.quiet_start), _clock_time(self.quiet_end)
        return (start, end) if start is not None and end is not None and start != end else None

    @property
    def digest_time(self) -> time | None:
        return _clock_time(self.digest_at)

    @property
    def clock(self) -> ServiceClock:
        """The calendar and targets the workflow computes due times with."""
        holidays = frozenset(date.fromisoformat(value) for value in self.extra_holidays)
        return ServiceClock(
            calendar=Calendar(extra_holidays=holidays),
            targets=Targets(
                verify_days=self.verify_days,
                response_days=self.response_days,
                grades={**GRADES, **self.grades},
                category_grades={**CATEGORY_GRADES, **self.categories},
            ),
        )

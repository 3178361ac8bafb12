"""``[service]``: who runs the service and how residents reach a person, told in
help, on the first screen and after an aspiration is sent. The city's contact
(office, phone, WhatsApp) is left empty until the operator fills it in; an empty
field is left out of every text."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from bot.config.base import MODEL_CONFIG, RuleError
from bot.config.sla import _clock_time
from handlers.core.contact import OfficeHours, ServiceFacts

# Monday = 0; Indonesian and English names (and their usual short forms).
_DAYS = {
    **dict.fromkeys(("senin", "monday", "mon", "sen"), 0),
    **dict.fromkeys(("selasa", "tuesday", "tue", "sel"), 1),
    **dict.fromkeys(("rabu", "wednesday", "wed", "rab"), 2),
    **dict.fromkeys(("kamis", "thursday", "thu", "kam"), 3),
    **dict.fromkeys(("jumat", "jum'at", "friday", "fri", "jum"), 4),
    **dict.fromkeys(("sabtu", "saturday", "sat", "sab"), 5),
    **dict.fromkeys(("minggu", "sunday", "sun", "min", "ahad"), 6),
}
_NAME_MAX = 50  # the first screen stays within 400 characters with it

Contact = Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)]
Number = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


def _weekdays(value: str) -> frozenset[int]:
    """``"senin-jumat"`` → Monday to Friday; ``"senin-jumat, sabtu"`` adds Saturday."""
    days: set[int] = set()
    for part in value.split(","):
        first, _, last = part.strip().casefold().partition("-")
        try:
            start, end = _DAYS[first.strip()], _DAYS[(last or first).strip()]
        except KeyError:
            raise ValueError(
                f"{value!r} is not a list of days like 'senin-jumat' or 'senin-jumat, sabtu'"
            ) from None
        if end < start:
            raise ValueError(f"{part.strip()!r}: the first day comes after the last")
        days.update(range(start, end + 1))
    return frozenset(days)


class ServiceSettings(BaseModel):
    """``[service]``: name, office, phone, WhatsApp, office hours (open days and
    times in WIB, on the working days of ``[sla]``'s calendar) and the emergency
    numbers told instead of this chat."""

    model_config = MODEL_CONFIG

    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=_NAME_MAX)
    ] = ServiceFacts.name
    office: Contact = ""  # e.g. "Dinas Kominfo, Jl. Merdeka No. 6" (empty: not shown)
    phone: Contact = ""  # e.g. "0622-21234"
    whatsapp: Contact = ""  # e.g. "0812-3456-7890"
    days: str = "senin-jumat"
    opens: str = "08:00"
    closes: str = "16:00"
    emergency: list[Number] = Field(default_factory=lambda: list(ServiceFacts.emergency))

    @field_validator("days")
    @classmethod
    def _days(cls, value: str) -> str:
        _weekdays(value)
        return value

    @field_validator("opens", "closes")
    @classmethod
    def _times(cls, value: str) -> str:
        if not value:
            raise ValueError("give a time like 08:00 (HH:MM, WIB)")
        _clock_time(value)
        return value

    @model_validator(mode="after")
    def _open_before_close(self) -> ServiceSettings:
        opens, closes = _clock_time(self.opens), _clock_time(self.closes)
        if opens is not None and closes is not None and opens >= closes:
            raise RuleError(
                "service.opens", "service.opens must come before service.closes (HH:MM, WIB)"
            )
        return self

    @property
    def facts(self) -> ServiceFacts:
        opens, closes = _clock_time(self.opens), _clock_time(self.closes)
        assert opens is not None and closes is not None  # validated above
        return ServiceFacts(
            name=self.name,
            office=self.office,
            phone=self.phone,
            whatsapp=self.whatsapp,
            hours=OfficeHours(days=_weekdays(self.days), opens=opens, closes=closes),
            emergency=tuple(self.emergency),
        )

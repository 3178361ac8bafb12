"""What every table module shares: the UTC timestamp column and the area levels."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, TypeDecorator
from sqlmodel import Field

#: Where a training or forum is for: the whole city, a kecamatan or a kelurahan.
AREA_LEVELS = ("kota", "kecamatan", "kelurahan")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime kept in UTC whatever the backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass timezone-aware datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def when(*, nullable: bool = False, index: bool = False) -> Any:
    """A timestamp column kept in UTC (``UTCDateTime``)."""
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable, index=index))

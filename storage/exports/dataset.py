"""One exported data set: its columns, its filtered query and its row mapping.

Each data set (aspirations, training registrations, forum RSVPs) is a subclass
declaring its ``layout`` (the columns) and implementing ``query`` and ``rows``;
``export`` is the same for all of them: validate, open one snapshot, count when
progress is wanted, and hand the rows to the one writer of the chosen format
(as rapidpro's ``ExportType`` does, one class per data set).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any, BinaryIO, ClassVar, Literal

from sqlalchemy import Connection, Engine, Select, func, select

from storage.exports.base import AspirationFilter, Layout, Progress, Ticker, check_format
from storage.exports.writers import json_records, write_csv, write_json, write_xlsx


class DataSet(ABC):
    """A kind of export. Subclasses declare ``layout`` and map rows; they hold no state."""

    layout: ClassVar[Layout]

    @property
    def kind(self) -> str:
        return self.layout.kind

    @abstractmethod
    def query(self, filters: AspirationFilter) -> Select[Any]:
        """The rows matching ``filters``, in export order; raises ExportError for a
        filter that is invalid or means nothing here (before any database is opened)."""

    @abstractmethod
    def rows(self, connection: Connection, query: Select[Any]) -> Iterator[tuple[Any, ...]]:
        """Each row of ``query`` as a tuple in ``layout.flat`` order, streamed.

        Stored times stay as the driver gives them: the writers format them.
        """

    def records(self, connection: Connection, query: Select[Any]) -> Iterator[dict[str, Any]]:
        """For JSON: each row as a dict keyed by ``layout.fields``."""
        return json_records(self.layout, self.rows(connection, query))

    def export(
        self,
        *,
        engine: Engine,
        fmt: Literal["csv", "xlsx", "json"],
        out: BinaryIO,
        filters: AspirationFilter = AspirationFilter(),  # noqa: B008 - frozen, so shared safely
        progress: Progress | None = None,
    ) -> int:
        """Write the rows matching ``filters`` to ``out`` as ``fmt``; return the count.

        With ``progress``, a COUNT with the same filters gives the total first, then
        ``progress(done, total)`` is called every PROGRESS_EVERY rows and at the end.
        Raises ExportError (one line) for a bad format or filter, before writing.
        """
        check_format(fmt)
        query = self.query(filters)
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":  # one snapshot for all the reads
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            ticker = Ticker(progress, _count(connection, query) if progress else 0)
            if fmt == "json":
                written = write_json(ticker.count(self.records(connection, query)), out)
            else:
                writer = write_csv if fmt == "csv" else write_xlsx
                written = writer(self.layout, ticker.count(self.rows(connection, query)), out)
            return ticker.finish(written)


def _count(connection: Connection, query: Select[Any]) -> int:
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return int(connection.execute(counted).scalar_one())

"""Downloads of one program's registrants or one forum's RSVPs, from the
exports the CLI and chat use (same columns, same privacy rules, same CSV and
XLSX writers), narrowed to that program or forum (``storage.console_events``).

The file is written off the event loop into a spooled temporary file (XLSX is a
zip: it cannot be sent before it is whole), then streamed in chunks with a
``Content-Disposition`` naming it. Each download is audited like a CLI or chat
export: ``export`` with ``via: konsol``, the kind, format, filter and row count.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, BinaryIO, Literal, cast

from sqlalchemy import Engine as Database
from starlette.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

from storage.audit import record
from storage.clock import WIB
from storage.db import transaction
from storage.exports import DataSet

logger = logging.getLogger(__name__)

FORMATS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK = 64 * 1024
SPOOL = 1024 * 1024  # kept in memory up to this size, then on disk


def _chunks(spooled: IO[bytes]) -> Iterator[bytes]:
    try:
        spooled.seek(0)
        while chunk := spooled.read(CHUNK):
            yield chunk
    finally:
        spooled.close()


async def download(
    *,
    db: Database,
    data_set: DataSet,
    fmt: str,
    name: str,
    actor: str,
    scope: dict[str, int],
    now: datetime,
) -> StreamingResponse:
    """Write ``data_set`` as ``fmt`` (csv or xlsx), audit it, and stream it as ``name``."""
    chosen: Literal["csv", "xlsx"] = "xlsx" if fmt == "xlsx" else "csv"

    def write() -> tuple[IO[bytes], int]:
        spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115 - closed by _chunks
        try:
            count = data_set.export(engine=db, fmt=chosen, out=cast(BinaryIO, spooled))
        except BaseException:
            spooled.close()
            raise
        with transaction(db) as session:
            details = {
                "via": "konsol",
                "kind": data_set.kind,
                "format": chosen,
                "filters": {key: str(value) for key, value in scope.items()},
                "rows": count,
            }
            record(session=session, actor=actor, action="export", details=details, now=now)
        return spooled, count

    spooled, count = await run_in_threadpool(write)
    logger.info("konsol export of %s %s (%s): %d rows", data_set.kind, scope, chosen, count)
    stamp = now.astimezone(WIB).strftime("%Y-%m-%d")
    filename = f"{name}-{stamp}.{chosen}"
    return StreamingResponse(
        _chunks(spooled),
        media_type=FORMATS[chosen],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )

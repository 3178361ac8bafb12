"""/ekspor: staff choose a data set, a format and a period; the file comes back,
built by a chat job off the inbound path (``handlers.core.chat_jobs``)."""

from __future__ import annotations

import logging
from typing import Any

from handlers.core.flow import HOME, Answer, Ctx, Draft, Flow, Prompt, Step, Steps
from handlers.core.settings import Built
from handlers.core.types import Option, Reply
from handlers.staff.periods import period_bounds, period_step, queue
from storage.clock import WIB
from storage.exports import AspirationFilter, export

logger = logging.getLogger(__name__)

KINDS = ("aspirations", "registrations", "rsvps")
FORMATS = ("xlsx", "csv", "json")
JOB = "export"  # the chat job that builds the file


class Exporting(Steps, flow="export"):
    KIND = "kind"
    FORMAT = "format"
    PERIOD = "period"


class ExportDraft(Draft):
    kind: str | None = None
    format: str | None = None


def ask_kind(ctx: Ctx) -> Prompt:
    """Which data set."""
    kinds = tuple(Option(k, ctx.t(f"export.kind_{k}")) for k in KINDS)
    return Prompt(ctx.t("export.ask_kind"), kinds)


def on_kind(ctx: Ctx, answer: Answer) -> None:
    ctx.draft(ExportDraft).kind = answer.option
    ctx.goto(Exporting.FORMAT)


def ask_format(ctx: Ctx) -> Prompt:
    formats = tuple(Option(f, ctx.t(f"export.format_{f}"), (f,)) for f in FORMATS)
    return Prompt(ctx.t("export.ask_format"), formats)


def on_format(ctx: Ctx, answer: Answer) -> None:
    ctx.draft(ExportDraft).format = answer.option
    ctx.goto(Exporting.PERIOD)


def on_period(ctx: Ctx, period: str) -> None:
    """Queue the export, where there is somewhere to write files."""
    if ctx.settings.files is None:  # a deployment without a file store cannot send files
        ctx.note(ctx.t("export.unavailable"))
        ctx.goto(HOME)
        return
    draft = ctx.draft(ExportDraft)
    queue(ctx, JOB, {"kind": draft.kind, "format": draft.format, "period": period})


def build(ctx: Ctx, params: dict[str, Any]) -> Built:
    """Write the export for the job ``params`` (kind, format, period as of
    ``ctx.now``, when it was asked for); the reply carries the file."""
    kind, fmt, period = params["kind"], params["format"], params["period"]
    since, until = period_bounds(period, ctx.now)
    files = ctx.settings.files
    if files is None:
        raise RuntimeError("no file store to write the export to")
    stamp = ctx.now.astimezone(WIB).strftime("%Y-%m-%d")
    name = f"{ctx.t(f'export.file_{kind}')}-{stamp}.{fmt}"
    reference, path = files.new_file(name, ctx.now, owner=ctx.resident.identity)
    try:
        with path.open("wb") as out:
            count = export(
                kind,
                engine=ctx.session.get_bind(),  # type: ignore[arg-type]
                fmt=fmt,
                out=out,
                filters=AspirationFilter(since=since, until=until),
            )
    except BaseException:
        path.unlink(missing_ok=True)  # half a file is sent to nobody
        raise
    logger.info("chat export of %s (%s, %s..%s): %d rows", kind, fmt, since, until, count)
    audit = {"via": "chat", "kind": kind, "format": fmt, "filters": {"period": period}}
    text = ctx.t.plural("export.ready", count, kind=ctx.t(f"export.kind_{kind}"))
    return Built(
        [Reply(text, document=reference)], audit=("export", {**audit, "rows": count}), files=[path]
    )


FLOW = Flow(
    role="staff",
    steps={
        Exporting.KIND: Step(ask_kind, on_kind, (Exporting.FORMAT,)),
        Exporting.FORMAT: Step(ask_format, on_format, (Exporting.PERIOD,)),
        Exporting.PERIOD: period_step("export.ask_period", on_period),
    },
)

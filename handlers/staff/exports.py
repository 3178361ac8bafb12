"""/ekspor: staff choose a data set, a format and a period; the file comes back,
built by a chat job off the inbound path (``handlers.core.chat_jobs``)."""

from __future__ import annotations

import logging
from typing import Any

from handlers.core.flow import Answer, Built, Ctx, Flow, Prompt, Step
from handlers.core.types import Option, Reply
from handlers.staff.periods import period_bounds, period_options
from storage.clock import WIB
from storage.exports import AspirationFilter, export

logger = logging.getLogger(__name__)

FLOW_NAME = "export"
KINDS = ("aspirations", "registrations", "rsvps")
FORMATS = ("xlsx", "csv", "json")
JOB = "export"  # the chat job that builds the file


def ask_kind(ctx: Ctx) -> Prompt:
    """Which data set."""
    return Prompt(
        ctx.t("export.ask_kind"), tuple(Option(k, ctx.t(f"export.kind_{k}")) for k in KINDS)
    )


def on_kind(ctx: Ctx, answer: Answer) -> None:
    ctx.data["kind"] = answer.option
    ctx.goto(FLOW_NAME, "format", keep_data=True)


def ask_format(ctx: Ctx) -> Prompt:
    return Prompt(
        ctx.t("export.ask_format"),
        tuple(Option(f, ctx.t(f"export.format_{f}"), (f,)) for f in FORMATS),
    )


def on_format(ctx: Ctx, answer: Answer) -> None:
    ctx.data["format"] = answer.option
    ctx.goto(FLOW_NAME, "period", keep_data=True)


def ask_period(ctx: Ctx) -> Prompt:
    return Prompt(ctx.t("export.ask_period"), period_options(ctx))


def on_period(ctx: Ctx, answer: Answer) -> None:
    """Queue the export (``handlers.core.chat_jobs`` builds it off the inbound path)."""
    if ctx.settings.files is None:  # a deployment without a file store cannot send files
        ctx.note(ctx.t("export.unavailable"))
        ctx.goto("menu")
        return
    params = {"kind": ctx.data["kind"], "format": ctx.data["format"]}
    ctx.later(JOB, {**params, "period": answer.option or "all"})
    ctx.say(ctx.t("jobs.preparing"))
    ctx.goto("menu")


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
    text = ctx.t("export.ready", kind=ctx.t(f"export.kind_{kind}"), count=count)
    return Built(
        [Reply(text, document=reference)], audit=("export", {**audit, "rows": count}), files=[path]
    )


FLOW = Flow(
    name=FLOW_NAME,
    start="kind",
    role="staff",
    steps={
        "kind": Step(ask_kind, on_kind),
        "format": Step(ask_format, on_format),
        "period": Step(ask_period, on_period),
    },
)

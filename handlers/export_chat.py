"""/ekspor: staff choose a data set, a format and a period; the file comes back."""

from __future__ import annotations

import logging

from handlers.flow import Answer, Ctx, Flow, Prompt, Step
from handlers.periods import period_bounds, period_options
from handlers.types import Option
from storage.audit import record
from storage.clock import WIB
from storage.exports import AspirationFilter, export

logger = logging.getLogger(__name__)

FLOW_NAME = "export"
KINDS = ("aspirations", "registrations", "rsvps")
FORMATS = ("xlsx", "csv", "json")


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
    kind, fmt = ctx.data["kind"], ctx.data["format"]
    since, until = period_bounds(answer.option or "all", ctx.now)
    files = ctx.settings.files
    if files is None:  # a deployment without a file store cannot send files
        ctx.note(ctx.t("export.unavailable"))
        ctx.goto("menu")
        return
    stamp = ctx.now.astimezone(WIB).strftime("%Y-%m-%d")
    name = f"{ctx.t(f'export.file_{kind}')}-{stamp}.{fmt}"
    reference, path = files.new_file(name, ctx.now, owner=ctx.resident.identity)
    with path.open("wb") as out:
        count = export(
            kind,
            engine=ctx.session.get_bind(),  # type: ignore[arg-type]
            fmt=fmt,
            out=out,
            filters=AspirationFilter(since=since, until=until),
        )
    logger.info("chat export of %s (%s, %s..%s): %d rows", kind, fmt, since, until, count)
    record(
        session=ctx.session,
        actor=ctx.resident.identity,
        action="export",
        details={
            "via": "chat",
            "kind": kind,
            "format": fmt,
            "filters": {"period": answer.option or "all"},
            "rows": count,
        },
        now=ctx.now,
    )
    ctx.say(
        ctx.t("export.ready", kind=ctx.t(f"export.kind_{kind}"), count=count), document=reference
    )
    ctx.goto("menu")


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

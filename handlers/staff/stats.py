"""/statistik: counts by category, kecamatan and status for a period, with a chart,
built by a chat job off the inbound path (``handlers.core.chat_jobs``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.aspirations.status import category_label
from handlers.core.flow import Ctx, Flow, Steps
from handlers.core.settings import Built
from handlers.core.types import Reply
from handlers.staff.periods import period_bounds, period_step, queue
from handlers.widgets.places import kecamatan_name
from storage.stats import AspirationStats, aspiration_stats

TOP = 5
JOB = "stats"  # the chat job that counts and draws


class Counting(Steps, flow="stats"):
    PERIOD = "period"


def summary(ctx: Ctx, stats: AspirationStats, period: str) -> str:
    """Totals and the largest groups, zeros left out."""
    t = ctx.t

    def top(counts: dict[str, int], label: Callable[[str], str]) -> str:
        ranked = sorted(counts.items(), key=lambda item: -item[1])  # stable: ties keep order
        lines = [t("stats.line", label=label(k), count=n) for k, n in ranked[:TOP] if n]
        return "\n".join(lines) or t("stats.empty")

    # statuses in workflow order, all of them: spam and duplicates must not drop off
    every_status = "\n".join(
        t("stats.line", label=t(f"status.{k}"), count=n) for k, n in stats.by_status.items() if n
    ) or t("stats.empty")
    return "\n\n".join(
        [
            t("stats.title", period=t(f"period.{period}"), total=stats.total),
            t("stats.by_category")
            + "\n"
            + top(stats.by_category, lambda k: category_label(ctx, k)),
            t("stats.by_kecamatan")
            + "\n"
            + top(stats.by_kecamatan, lambda k: kecamatan_name(ctx, k)),
            t("stats.by_status") + "\n" + every_status,
        ]
    )


def build(ctx: Ctx, params: dict[str, Any]) -> Built:
    """Count the job's period (as of ``ctx.now``, when it was asked for) and draw
    the chart, where there is something to draw and somewhere to put it."""
    period = params["period"]
    since, until = period_bounds(period, ctx.now)
    stats = aspiration_stats(session=ctx.session, since=since, until=until)
    text = summary(ctx, stats, period)
    chart, files = ctx.settings.chart, ctx.settings.files
    if chart is None or files is None or not stats.total:
        return Built([Reply(text)])
    reference, path = files.new_file("statistik.png", ctx.now, owner=ctx.resident.identity)
    try:
        chart(stats, t=ctx.t, path=path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Built([Reply(text, photo=reference)], files=[path])


FLOW = Flow(
    role="staff",
    steps={
        Counting.PERIOD: period_step(
            "stats.ask_period", lambda ctx, period: queue(ctx, JOB, {"period": period})
        )
    },
)

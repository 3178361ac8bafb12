"""/statistik: counts by category, kecamatan and status for a period, with a chart,
then the service clocks' numbers (on time per stage, medians, open and overdue per
unit) with a chart per unit, built by a chat job off the inbound path
(``handlers.core.chat_jobs``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from handlers.aspirations.status import category_label
from handlers.core.flow import Ctx, Flow, Steps
from handlers.core.settings import Built
from handlers.core.types import Reply, Translator
from handlers.staff.periods import period_bounds, period_step, queue
from handlers.widgets.places import kecamatan_name
from storage.service_stats import OnTime, ServiceStats, service_stats
from storage.sla import STAGES
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
            t.plural("stats.title", stats.total, period=t(f"period.{period}")),
            t("stats.by_category")
            + "\n"
            + top(stats.by_category, lambda k: category_label(ctx, k)),
            t("stats.by_kecamatan")
            + "\n"
            + top(stats.by_kecamatan, lambda k: kecamatan_name(ctx, k)),
            t("stats.by_status") + "\n" + every_status,
        ]
    )


def _days(t: Translator, days: float | None) -> str:
    """Working days: "4", "3,5" (a median of an even count), "-" when none."""
    if days is None:
        return t("stats.median_none")
    if float(days).is_integer():
        return str(int(days))
    return f"{days:.1f}".replace(".", t("stats.decimal_separator"))


def _percent(t: Translator, on_time: OnTime) -> str:
    rate = on_time.rate
    return t("stats.rate_none") if rate is None else f"{round(rate * 100)}%"


def service_summary(t: Translator, stats: ServiceStats) -> str:
    """On time per stage, the two medians, the backlog, then one entry per unit
    (the CLI prints the same)."""
    lines = [t("stats.service_title")]
    for stage in STAGES:
        on_time, name = stats.on_time[stage], t(f"stats.stage.{stage}")
        if on_time.rate is None:
            lines.append(t("stats.on_time_none", stage=name))
        else:
            percent = round(on_time.rate * 100)
            lines.append(
                t("stats.on_time_line", stage=name, percent=percent, met=on_time.met,
                  counted=on_time.counted)
            )  # fmt: skip
    lines.append(t("stats.median_verify", days=_days(t, stats.median_verify_days)))
    lines.append(t("stats.median_completion", days=_days(t, stats.median_completion_days)))
    lines.append(t("stats.backlog", open=stats.open, overdue=stats.overdue))
    units = [t("stats.units_title")]
    for unit in stats.units:
        name = unit.name if unit.code else t("stats.city_staff")
        units.append(t("stats.unit_line", unit=name, open=unit.open, overdue=unit.overdue))
        if unit.code:
            units.append(
                t(
                    "stats.unit_rates",
                    response=_percent(t, unit.on_time["response"]),
                    completion=_percent(t, unit.on_time["completion"]),
                    days=_days(t, unit.median_completion_days),
                )
            )
    if not stats.units:
        units.append(t("stats.units_none"))
    return "\n".join(lines) + "\n\n" + "\n".join(units)


def build(ctx: Ctx, params: dict[str, Any]) -> Built:
    """Count the job's period (as of ``ctx.now``, when it was asked for) and draw
    the charts, where there is something to draw and somewhere to put them."""
    period = params["period"]
    since, until = period_bounds(period, ctx.now)
    stats = aspiration_stats(session=ctx.session, since=since, until=until)
    service = service_stats(
        session=ctx.session, now=ctx.now, clock=ctx.settings.clock, since=since, until=until
    )
    text, service_text = summary(ctx, stats, period), service_summary(ctx.t, service)
    files, written = ctx.settings.files, []
    replies = [Reply(text), Reply(service_text)]
    drawings = (
        (0, ctx.settings.chart, stats, stats.total, "statistik.png"),
        (1, ctx.settings.unit_chart, service, len(service.units), "statistik-unit.png"),
    )
    try:
        for index, chart, data, worth, filename in drawings:
            if chart is None or files is None or not worth:
                continue
            reference, path = files.new_file(filename, ctx.now, owner=ctx.resident.identity)
            written.append(path)
            chart(data, t=ctx.t, path=path)
            replies[index] = Reply(replies[index].text, photo=reference)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return Built(replies, files=written)


FLOW = Flow(
    role="staff",
    steps={
        Counting.PERIOD: period_step(
            "stats.ask_period", lambda ctx, period: queue(ctx, JOB, {"period": period})
        )
    },
)

"""Aspiration statistics for people: a bar-chart PNG and a short chat summary.

The chart is drawn on a bare ``matplotlib.figure.Figure`` with the Agg canvas:
no pyplot, so no global backend or figure registry, and each call is independent
of any other (safe in a worker thread). The font is DejaVu Sans, which ships
inside matplotlib. Rendering takes a fraction of a second of CPU: from async
code, call ``stats_chart`` through ``asyncio.to_thread``.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale
from babel.dates import format_date, parse_pattern
from babel.numbers import format_decimal
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from storage.models import CATEGORY_KEYS
from storage.service_stats import ServiceStats
from storage.stats import AspirationStats
from storage.wilayah import Wilayah, load_wilayah

if TYPE_CHECKING:
    from handlers.core.types import Translator

CHART_SIZE_INCHES = (8.0, 11.0)  # portrait, fills a phone screen
CHART_DPI = 110  # 880 × 1210 px
TEXT_TOP_LINES = 5  # per dimension in the chat summary; two or more left over are summed
_LABEL_WIDTH = 26  # characters per line of a bar label before it wraps
_TITLE_WIDTH = 48
_COLOURS = ("#2b6cb0", "#2f855a", "#c05621")  # kategori, kecamatan, status
_OVERDUE = "#c53030"
_ABBREVIATED_MONTH = re.compile(r"(?<!M)MMM(?!M)")


def format_period(since: date | None, until: date | None, *, t: Translator) -> str:
    """The period in ``t``'s language: "1–28 November 2026", "sejak 1 November 2026"."""
    language = t.language
    if since and until:
        return format_date_range(since, until, language)
    if since:
        return t("stats.period_since", date=format_date(since, "long", locale=language))
    if until:
        return t("stats.period_until", date=format_date(until, "long", locale=language))
    return t("stats.period_all")


def format_date_range(start: date, end: date, language: str) -> str:
    """``1–28 November 2026`` / ``November 1 – 28, 2026``: CLDR's interval with full
    month names. CLDR only has ``yMMMd`` intervals and Babel does not widen the
    month as the spec says it should, so the widening is done here."""
    locale = Locale.parse(language)
    if start == end:
        return format_date(start, "long", locale=locale)
    patterns = locale.interval_formats.get("yMMMd", {})
    for field, differs in (
        ("y", start.year != end.year),
        ("M", start.month != end.month),
        ("d", True),
    ):
        if differs and field in patterns:
            parts = [_ABBREVIATED_MONTH.sub("MMMM", p) for p in patterns[field]]
            return "".join(
                parse_pattern(p).apply(moment, locale)
                for p, moment in zip(parts, (start, end), strict=True)
            )
    first = format_date(start, "long", locale=locale)
    return f"{first} – {format_date(end, 'long', locale=locale)}"


def _labelled(
    stats: AspirationStats,
    t: Translator,
    wilayah: Wilayah,
    category_labels: Mapping[str, str] | None,
) -> list[tuple[str, list[tuple[str, int]]]]:
    """The three dimensions as (panel title, [(label, count), …]) in contract order."""

    def category(key: str) -> str:
        if category_labels and key in category_labels:
            return category_labels[key]
        return t(f"category.{key}") if key in CATEGORY_KEYS else key

    def kecamatan(code: str) -> str:
        found = wilayah.find_kecamatan(code)
        return found.name if found else code

    return [
        (t("stats.by_category"), [(category(k), n) for k, n in stats.by_category.items()]),
        (t("stats.by_kecamatan"), [(kecamatan(k), n) for k, n in stats.by_kecamatan.items()]),
        (t("stats.by_status"), [(t(f"status.{k}"), n) for k, n in stats.by_status.items()]),
    ]  # headings end with ":" in the catalog ("Per kategori:"), as chat lines lead in


def stats_chart(
    stats: AspirationStats,
    *,
    t: Translator,
    path: Path,
    wilayah: Wilayah | None = None,
    category_labels: Mapping[str, str] | None = None,
) -> Path:
    """Draw the three bar panels (kategori, kecamatan, status) into a PNG at ``path``.

    ``category_labels`` overrides the catalog's names, for categories set in the
    configuration. Returns ``path``; its directory must exist.
    """
    language = t.language
    panels = _labelled(stats, t, wilayah or load_wilayah(), category_labels)
    figure = Figure(figsize=CHART_SIZE_INCHES, dpi=CHART_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    period = format_period(stats.since, stats.until, t=t)
    title = t.plural("stats.title", stats.total, period=period)
    figure.suptitle(textwrap.fill(title, _TITLE_WIDTH), fontsize=15, fontweight="bold")
    axes = figure.subplots(
        len(panels), 1, gridspec_kw={"height_ratios": [len(rows) + 1.5 for _, rows in panels]}
    )
    for ax, (heading, rows), colour in zip(axes, panels, _COLOURS, strict=True):
        _bar_panel(ax, heading.rstrip(": "), rows, colour, language)
    figure.savefig(path, format="png", dpi=CHART_DPI, facecolor="white")
    return path


def unit_chart(stats: ServiceStats, *, t: Translator, path: Path) -> Path:
    """Draw open and overdue aspirations per unit (most overdue at the top) into a
    PNG at ``path``; the city staff's row is named as in the chat summary."""
    language = t.language
    units = stats.units
    labels = [
        textwrap.fill(u.name if u.code else t("stats.city_staff"), _LABEL_WIDTH) for u in units
    ]
    height = max(4.0, 1.6 + 0.55 * len(units))
    figure = Figure(figsize=(CHART_SIZE_INCHES[0], height), dpi=CHART_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    title = t("stats.unit_chart_title", day=t.day(stats.now))
    figure.suptitle(textwrap.fill(title, _TITLE_WIDTH), fontsize=15, fontweight="bold")
    ax = figure.subplots()
    positions = list(range(len(units)))
    series = (
        (t("stats.unit_chart_open"), [u.open for u in units], _COLOURS[0], -0.19),
        (t("stats.unit_chart_overdue"), [u.overdue for u in units], _OVERDUE, 0.19),
    )
    for name, counts, colour, shift in series:
        bars = ax.barh(
            [p + shift for p in positions], counts, height=0.38, color=colour, label=name
        )
        ax.bar_label(
            bars,
            labels=[format_decimal(n, locale=language) for n in counts],
            padding=3,
            fontsize=10,
        )
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    most = max((u.open for u in units), default=0)
    ax.set_xlim(0, max(most, 1) * 1.18)
    ax.tick_params(axis="y", length=0, labelsize=10.5)
    ax.xaxis.set_visible(False)
    ax.legend(loc="lower right", frameon=False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    figure.savefig(path, format="png", dpi=CHART_DPI, facecolor="white")
    return path


def _bar_panel(
    ax: Axes, heading: str, rows: list[tuple[str, int]], colour: str, language: str
) -> None:
    labels = [textwrap.fill(label, _LABEL_WIDTH) for label, _ in rows]
    counts = [count for _, count in rows]
    positions = list(range(len(rows)))
    bars = ax.barh(positions, counts, height=0.7, color=colour)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()  # first in contract order at the top
    ax.bar_label(
        bars, labels=[format_decimal(n, locale=language) for n in counts], padding=4, fontsize=11
    )
    ax.set_xlim(0, max(max(counts, default=0), 1) * 1.18)  # room for the count after the bar
    ax.set_title(heading, loc="left", fontsize=13, fontweight="bold")
    ax.tick_params(axis="y", length=0, labelsize=10.5)
    ax.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)


def stats_text(
    stats: AspirationStats,
    *,
    t: Translator,
    wilayah: Wilayah,
    category_labels: Mapping[str, str] | None = None,
) -> str:
    """A short plain-text summary for chat: the title with the total, then per
    dimension the largest groups, zeros left out. Statuses keep their workflow order
    and are all shown."""
    period = format_period(stats.since, stats.until, t=t)
    title = t.plural("stats.title", stats.total, period=period)
    if stats.total == 0:
        return f"{title}\n{t('stats.empty')}"
    sections = [title]
    for index, (heading, rows) in enumerate(_labelled(stats, t, wilayah, category_labels)):
        shown = [(label, n) for label, n in rows if n > 0]
        if index < 2:  # kategori, kecamatan: largest first; ties stay in contract order
            shown.sort(key=lambda row: -row[1])
        # Summing a single leftover group would hide its name for nothing: show it.
        # Statuses are few, and spam or duplicates should never hide in "lainnya".
        cut = len(shown) if len(shown) <= TEXT_TOP_LINES + 1 or index == 2 else TEXT_TOP_LINES
        lines = [heading] + [f"• {label}: {_number(n, t)}" for label, n in shown[:cut]]
        if rest := shown[cut:]:  # two groups or more
            lines.append(t("stats.more", groups=len(rest), count=sum(n for _, n in rest)))
        sections.append("\n".join(lines))
    return "\n\n".join(sections)


def _number(value: int, t: Translator) -> str:
    return format_decimal(value, locale=t.language)  # 1.234 in Indonesian, 1,234 in English

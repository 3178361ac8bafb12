"""Staff and admin commands of the CLI: ``siantar role …`` and ``siantar stats``."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from bot.app import config_roles
from bot.charts import stats_chart, unit_chart
from bot.cli import common
from bot.cli.errors import CommandError
from bot.config import Settings
from bot.database import open_database, open_existing_database
from bot.i18n import translator
from handlers.staff.roles import IDENTITY
from handlers.staff.stats import service_summary
from storage.db import transaction
from storage.models import ROLES
from storage.roles import UnknownRole, all_grants, grant_role, revoke_role
from storage.service_stats import service_stats
from storage.sla import DEFAULT_CLOCK
from storage.stats import aspiration_stats
from storage.wilayah import load_wilayah


def role_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "list":
        return _list_roles(settings)
    if not args.identity or not args.role:
        raise CommandError(f"usage: siantar role {args.action} IDENTITY ROLE")
    if not IDENTITY.match(args.identity):
        raise CommandError(
            f"invalid identity {args.identity!r}: "
            "use telegram:<id>, whatsapp:<digits> or console:<id>"
        )
    if args.role not in ROLES:
        raise CommandError(f"unknown role {args.role!r}; roles are: {', '.join(ROLES)}")
    db = open_database(settings)
    try:
        with transaction(db) as session:
            if args.action == "grant":
                changed = grant_role(
                    session=session,
                    identity=args.identity,
                    role=args.role,
                    granted_by="cli",
                    now=datetime.now(UTC),
                )
                print(f"{args.identity}: {args.role} " + ("granted" if changed else "already held"))
            else:
                changed = revoke_role(session=session, identity=args.identity, role=args.role)
                print(
                    f"{args.identity}: {args.role} " + ("revoked" if changed else "was not granted")
                )
                held = config_roles(settings).get(args.identity, frozenset())
                if args.role in held:
                    print("note: the config file still grants this role ([roles])")
    except UnknownRole as problem:
        raise CommandError(str(problem)) from None
    finally:
        db.dispose()
    return 0


def _list_roles(settings: Settings) -> int:
    rows = [
        (identity, role, "config")
        for identity, roles in sorted(config_roles(settings).items())
        for role in sorted(roles)
    ]
    db = open_existing_database(settings)
    try:
        with transaction(db) as session:
            rows += [
                (g.identity, g.role, f"granted by {g.granted_by}")
                for g in all_grants(session=session)
            ]
    finally:
        db.dispose()
    if not rows:
        print("no roles granted")
    width = max((len(identity) for identity, _, _ in rows), default=0)
    for identity, role, source in rows:
        print(f"{identity:<{width}}  {role:<11}  {source}")
    return 0


def stats_command(args: argparse.Namespace, settings: Settings) -> int:
    """Counts by category, kecamatan and status, then the service numbers;
    optionally the bar chart PNG and, beside it (``NAME-unit.png``), the chart of
    open and overdue aspirations per unit."""
    if args.since and args.until and args.since > args.until:
        raise CommandError("--since is after --until")
    chart = Path(args.chart) if args.chart else None
    if chart is not None and not chart.parent.is_dir():
        raise CommandError(f"cannot write {args.chart}: no such directory {str(chart.parent)!r}")
    t = translator(args.lang)
    wilayah = load_wilayah()
    db = open_existing_database(settings)
    try:
        with transaction(db) as session:
            stats = aspiration_stats(session=session, since=args.since, until=args.until)
            # DEFAULT_CLOCK: the LAPOR targets and national holidays, until the
            # configuration's [sla] reaches the CLI as it reaches the engine
            service = service_stats(
                session=session,
                now=common.now(),
                clock=DEFAULT_CLOCK,
                since=args.since,
                until=args.until,
            )
    finally:
        db.dispose()
    period = f"{args.since or '…'} – {args.until or '…'}"
    print(f"{t('stats.title', period=period, total=stats.total)}")
    sections = (
        (t("stats.by_category"), {t(f"category.{k}"): n for k, n in stats.by_category.items()}),
        (
            t("stats.by_kecamatan"),
            {
                (wilayah.find_kecamatan(code).name if wilayah.find_kecamatan(code) else code): n  # type: ignore[union-attr]
                for code, n in stats.by_kecamatan.items()
            },
        ),
        (t("stats.by_status"), {t(f"status.{k}"): n for k, n in stats.by_status.items()}),
    )
    for title, counts in sections:
        print(f"\n{title}")
        width = max(len(label) for label in counts)
        for label, count in counts.items():
            print(f"  {label:<{width}}  {count:>6}")
    print(f"\n{service_summary(t, service)}")
    if chart is not None:
        try:
            path = stats_chart(stats, t=t, path=chart)
            print(f"\nchart written to {path}")
            if service.units:
                per_unit = chart.with_name(f"{chart.stem}-unit{chart.suffix or '.png'}")
                print(f"chart per unit written to {unit_chart(service, t=t, path=per_unit)}")
        except OSError as problem:
            raise CommandError(f"cannot write {args.chart}: {problem.strerror}") from None
    return 0

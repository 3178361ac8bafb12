"""Staff and admin commands of the CLI: ``siantar role …`` and ``siantar stats``.

``petugas_opd`` is granted with its units (``--opd PUPR --opd DLH``) and never
without one; ``role revoke … petugas_opd --opd PUPR`` takes one unit (the role goes
with the last), without ``--opd`` the role and all its units."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session

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
from storage.opd import (
    OFFICER,
    UnitError,
    check_code,
    grant_officer,
    revoke_officer,
    units_of,
)
from storage.roles import UnknownRole, all_grants, grant_role, revoke_role
from storage.service_stats import service_stats
from storage.stats import aspiration_stats
from storage.wilayah import load_wilayah


def role_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "list":
        if args.opd:
            raise CommandError("--opd goes with role grant or revoke")
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
    if args.opd and args.role != OFFICER:
        raise CommandError(f"--opd goes with the role {OFFICER} only")
    if args.role == OFFICER and args.action == "grant" and not args.opd:
        raise CommandError(f"{OFFICER} needs its unit: add --opd CODE (see siantar opd list)")
    db = open_database(settings)
    try:
        with transaction(db) as session:
            if args.role == OFFICER:
                lines = _officer(args, session)
            elif args.action == "grant":
                changed = grant_role(
                    session=session,
                    identity=args.identity,
                    role=args.role,
                    granted_by="cli",
                    now=datetime.now(UTC),
                )
                lines = [
                    f"{args.identity}: {args.role} " + ("granted" if changed else "already held")
                ]
            else:
                changed = revoke_role(session=session, identity=args.identity, role=args.role)
                lines = [
                    f"{args.identity}: {args.role} " + ("revoked" if changed else "was not granted")
                ]
                held = config_roles(settings).get(args.identity, frozenset())
                if args.role in held:
                    lines.append("note: the config file still grants this role ([roles])")
    except (UnknownRole, UnitError) as problem:
        raise CommandError(str(problem)) from None
    finally:
        db.dispose()
    for line in lines:
        print(line)
    return 0


def _officer(args: argparse.Namespace, session: Session) -> list[str]:
    """``petugas_opd`` granted for its units, or taken unit by unit (the role goes
    with the last one), or taken whole with all its units."""
    identity, at = args.identity, datetime.now(UTC)
    if args.action == "grant":
        for code in args.opd:
            try:
                check_code(code)
            except UnitError as problem:
                raise CommandError(f"--opd {problem}") from None
        new, added = grant_officer(
            session=session, identity=identity, codes=args.opd, actor="cli", now=at
        )
        held = ", ".join(sorted(units_of(session=session, identity=identity)))
        done = "granted" if new else ("units added" if added else "already held")
        return [f"{identity}: {OFFICER} {done}; units: {held}"]
    before = units_of(session=session, identity=identity)
    taken, role_gone = revoke_officer(
        session=session, identity=identity, codes=args.opd, actor="cli", now=at
    )
    left = ", ".join(sorted(units_of(session=session, identity=identity)))
    if args.opd:
        missing = [c.upper() for c in args.opd if c.strip().upper() not in before]
        lines = [f"{identity}: not an officer of {c}" for c in missing]
        if taken:
            lines.append(f"{identity}: {OFFICER} revoked for {', '.join(taken)}")
        if role_gone:
            lines.append(f"{identity}: no unit left, {OFFICER} revoked")
        elif left:
            lines.append(f"{identity}: units left: {left}")
        return lines
    if not role_gone and not taken:
        return [f"{identity}: {OFFICER} was not granted"]
    units = f" (units: {', '.join(taken)})" if taken else ""
    return [f"{identity}: {OFFICER} revoked{units}"]


def _list_roles(settings: Settings) -> int:
    rows = [
        (identity, role, "config")
        for identity, roles in sorted(config_roles(settings).items())
        for role in sorted(roles)
    ]
    db = open_existing_database(settings)
    try:
        with transaction(db) as session:
            for grant in all_grants(session=session):
                source = f"granted by {grant.granted_by}"
                if grant.role == OFFICER:
                    held = sorted(units_of(session=session, identity=grant.identity))
                    source += f"; units: {', '.join(held) or '-'}"
                rows.append((grant.identity, grant.role, source))
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
            service = service_stats(
                session=session,
                now=common.now(),
                clock=settings.sla.clock,  # the [sla] calendar and targets, as in chat
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

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
from bot.cli.refusals import os_problem, refusal
from bot.cli.say import t as say
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
from storage.stats import StatsError, aspiration_stats
from storage.wilayah import load_wilayah


def role_command(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "list":
        if args.opd:
            raise CommandError(say("cli.opd_with_grant_or_revoke"))
        return _list_roles(settings)
    if not args.identity or not args.role:
        raise CommandError(say("cli.role_usage", action=args.action))
    if not IDENTITY.match(args.identity):
        raise CommandError(say("cli.invalid_identity", identity=repr(args.identity)))
    if args.role not in ROLES:
        raise CommandError(say("cli.unknown_role", role=repr(args.role), roles=", ".join(ROLES)))
    if args.opd and args.role != OFFICER:
        raise CommandError(say("cli.opd_officer_only", role=OFFICER))
    if args.role == OFFICER and args.action == "grant" and not args.opd:
        raise CommandError(say("cli.officer_needs_unit", role=OFFICER))
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
                done = "cli.role_granted" if changed else "cli.role_already_held"
                lines = [say(done, identity=args.identity, role=args.role)]
            else:
                changed = revoke_role(session=session, identity=args.identity, role=args.role)
                done = "cli.role_revoked" if changed else "cli.role_not_granted"
                lines = [say(done, identity=args.identity, role=args.role)]
                held = config_roles(settings).get(args.identity, frozenset())
                if args.role in held:
                    lines.append(say("cli.role_config_note"))
    except (UnknownRole, UnitError) as problem:
        raise CommandError(refusal(problem)) from None
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
                raise CommandError(f"--opd: {refusal(problem)}") from None
        new, added = grant_officer(
            session=session, identity=identity, codes=args.opd, actor="cli", now=at
        )
        held = ", ".join(sorted(units_of(session=session, identity=identity)))
        done = "granted" if new else ("units_added" if added else "already_held")
        return [say(f"cli.officer_{done}", identity=identity, role=OFFICER, units=held)]
    before = units_of(session=session, identity=identity)
    taken, role_gone = revoke_officer(
        session=session, identity=identity, codes=args.opd, actor="cli", now=at
    )
    left = ", ".join(sorted(units_of(session=session, identity=identity)))
    if args.opd:
        missing = [c.upper() for c in args.opd if c.strip().upper() not in before]
        lines = [say("cli.officer_not_of", identity=identity, unit=c) for c in missing]
        if taken:
            units = ", ".join(taken)
            said = say("cli.officer_revoked_for", identity=identity, role=OFFICER, units=units)
            lines.append(said)
        if role_gone:
            lines.append(say("cli.officer_no_unit_left", identity=identity, role=OFFICER))
        elif left:
            lines.append(say("cli.officer_units_left", identity=identity, units=left))
        return lines
    if not role_gone and not taken:
        return [say("cli.role_not_granted", identity=identity, role=OFFICER)]
    if taken:
        units = ", ".join(taken)
        return [say("cli.officer_revoked_with", identity=identity, role=OFFICER, units=units)]
    return [say("cli.role_revoked", identity=identity, role=OFFICER)]


def _list_roles(settings: Settings) -> int:
    rows = [
        (identity, role, say("cli.role_from_config"))
        for identity, roles in sorted(config_roles(settings).items())
        for role in sorted(roles)
    ]
    db = open_existing_database(settings)
    try:
        with transaction(db) as session:
            for grant in all_grants(session=session):
                source = say("cli.granted_by", actor=grant.granted_by)
                if grant.role == OFFICER:
                    held = sorted(units_of(session=session, identity=grant.identity))
                    source += say("cli.granted_units", units=", ".join(held) or "-")
                rows.append((grant.identity, grant.role, source))
    finally:
        db.dispose()
    if not rows:
        print(say("cli.no_roles"))
    width = max((len(identity) for identity, _, _ in rows), default=0)
    for identity, role, source in rows:
        print(f"{identity:<{width}}  {role:<11}  {source}")
    return 0


def stats_command(args: argparse.Namespace, settings: Settings) -> int:
    """Counts by category, kecamatan and status, then the service numbers;
    optionally the bar chart PNG and, beside it (``NAME-unit.png``), the chart of
    open and overdue aspirations per unit."""
    if args.since and args.until and args.since > args.until:
        raise CommandError(say("cli.since_after_until"))
    chart = Path(args.chart) if args.chart else None
    if chart is not None and not chart.parent.is_dir():
        raise CommandError(
            say("cli.no_directory", path=args.chart, directory=repr(str(chart.parent)))
        )
    t = translator(args.lang or say.language)
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
    except StatsError as problem:  # a period the check above did not foresee
        raise CommandError(refusal(problem)) from None
    finally:
        db.dispose()
    period = f"{args.since or '…'} – {args.until or '…'}"
    print(t.plural("stats.title", stats.total, period=period))
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
            print("\n" + say("cli.chart_written", path=str(path)))
            if service.units:
                per_unit = chart.with_name(f"{chart.stem}-unit{chart.suffix or '.png'}")
                written = unit_chart(service, t=t, path=per_unit)
                print(say("cli.unit_chart_written", path=str(written)))
        except OSError as problem:
            raise CommandError(
                say("cli.cannot_write", path=args.chart, problem=os_problem(problem))
            ) from None
    return 0

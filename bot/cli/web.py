"""Konsol from the server: ``siantar web link IDENTITY`` prints a one-time login link
(for the first admin, or a console identity); ``siantar web end IDENTITY`` ends all
of an identity's console sessions. Refusals are one line, exit status 2."""

from __future__ import annotations

import argparse
import sys

from sqlmodel import Session

from bot.app import config_roles
from bot.cli.common import in_transaction, now
from bot.cli.errors import CommandError
from bot.cli.say import t
from bot.config import Settings
from bot.konsol.roles import console_roles
from handlers.staff.roles import IDENTITY
from storage.web_sessions import LINK_VALIDITY, end_sessions_of, issue_link

ACTOR = "cli"


class NoRole(Exception):
    """The identity holds no role: no console for them."""


def web_command(args: argparse.Namespace, settings: Settings) -> int:
    if not IDENTITY.match(args.identity):
        raise CommandError(t("cli.invalid_identity", identity=repr(args.identity)))
    if args.action == "end":
        return in_transaction(
            settings,
            lambda session: _end(args, session),
            read_only=False,
            refused=NoRole,
            refusal=str,
        )
    if not settings.web.public_url:
        raise CommandError(t("cli.web_no_public_url"))
    roles = config_roles(settings)

    def link(session: Session) -> list[str]:
        if not console_roles(session=session, identity=args.identity, config_roles=roles):
            raise NoRole(t("cli.web_no_role", identity=args.identity))
        token = issue_link(session=session, identity=args.identity, via="cli", now=now())
        return [f"{settings.web.public_url}/konsol/masuk/{token}"]

    code = in_transaction(settings, link, read_only=False, refused=NoRole, refusal=str)
    if not settings.web.enabled:
        minutes = int(LINK_VALIDITY.total_seconds() // 60)
        print(t.plural("cli.web_disabled_note", minutes), file=sys.stderr)
    return code


def _end(args: argparse.Namespace, session: Session) -> list[str]:
    ended = end_sessions_of(session=session, identity=args.identity, actor=ACTOR, now=now())
    return [t.plural("cli.web_sessions_ended", ended, identity=args.identity)]

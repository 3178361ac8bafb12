"""Telegram's command menus (setMyCommands), built from the registry of features.

Everyone sees the commands their features list (``Command.listed``); a chat whose
person holds a role (from the config file or granted in the database) gets its
own menu: those, then the commands of each role held. Telegram keeps a menu per
chat scope, so the menus are published when the channel starts; a role granted or
revoked while it runs shows in the menu at the next start (the commands
themselves follow the role at once: every use is checked).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any

from sqlmodel import Session
from telegram import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.i18n import translator
from handlers.core.feature import Command, Registry
from storage.roles import all_grants

logger = logging.getLogger(__name__)

LANGUAGES = {"id": None, "en": "en"}  # Indonesian is the default menu


def role_holders(
    session: Session, configured: Mapping[str, frozenset[str]]
) -> dict[int, frozenset[str]]:
    """Telegram chat id → the roles its person holds (config and database)."""
    held: dict[str, set[str]] = defaultdict(set)
    for identity, roles in configured.items():
        held[identity] |= roles
    for grant in all_grants(session=session):
        held[grant.identity].add(grant.role)
    return {
        int(identity.split(":", 1)[1]): frozenset(roles)
        for identity, roles in held.items()
        if identity.startswith("telegram:") and identity.split(":", 1)[1].lstrip("-").isdigit()
    }


def bot_commands(commands: list[Command], language: str) -> list[BotCommand]:
    t = translator(language)
    return [BotCommand(command.name, t(f"commands.{command.name}")) for command in commands]


async def publish(
    bot: Any,
    registry: Registry,
    holders: Mapping[int, frozenset[str]],
    call: Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]],
) -> None:
    """Set the default menu, then one per role holder's chat, in both languages;
    ``call`` runs each Bot API call (with the channel's retries). A chat Telegram
    refuses (a staff member who never wrote to the bot, or blocked it) keeps the
    default menu: the bot starts all the same."""
    everyone = registry.command_menu(frozenset())
    for language, code in LANGUAGES.items():
        menu = bot_commands(everyone, language)
        await call(partial(bot.set_my_commands, menu, BotCommandScopeDefault(), code))
    refused = 0
    for chat_id, roles in holders.items():
        commands = registry.command_menu(roles)
        try:
            for language, code in LANGUAGES.items():
                menu = bot_commands(commands, language)
                scope = BotCommandScopeChat(chat_id)
                await call(partial(bot.set_my_commands, menu, scope, code))
        except TelegramError as error:  # the chat id is not logged: it names a person
            refused += 1
            logger.warning("telegram: a role holder's command menu was refused: %s", error)
    logger.info(
        "telegram: command menus set (%d for role holders, %d refused)",
        len(holders) - refused,
        refused,
    )

"""The Telegram adapter: python-telegram-bot as transport, the core does the talking.

One message handler and one callback-query handler turn every update into an
``Inbound`` for the shared pipeline (``bot.channels``), which has the engine
handle it and sends the committed replies through ``deliver``. Polling and
webhook modes share ``process``.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from functools import partial
from typing import Any

from sqlmodel import Session
from telegram import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardRemove, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.channels.adapter import ChannelAdapter
from bot.channels.confirmation import confirming
from bot.config import TelegramSettings
from bot.delivery import attachment
from bot.i18n import translator
from bot.telegram import command_menus
from bot.telegram.callbacks import CallbackSigner
from bot.telegram.calls import delivering, retrying
from bot.telegram.inbound import CHANNEL, to_inbound
from bot.telegram.proxy import bot_api_proxy, shown
from bot.telegram.render import MAX_TEXT, chosen_label, keyboard
from bot.telegram.request import PooledRequest
from bot.text_chunks import split_text
from handlers.core.types import Handled, Reply
from storage.db import transaction
from storage.residents import set_unreachable

logger = logging.getLogger(__name__)


class TelegramChannel(ChannelAdapter[TelegramSettings]):
    """Built as every ``ChannelAdapter``; ``connect`` makes the platform client."""

    channel = CHANNEL

    def connect(self) -> None:
        settings = self.settings
        token = settings.token.get_secret_value()
        self.signer = CallbackSigner(token)
        # Chats whose "share my number" keyboard may still be on screen: a typed
        # number leaves Telegram's one-time keyboard up, so the next reply without
        # one takes it away (kept in memory; after a restart it stays until used).
        self.contact_keyboards: set[int] = set()
        # telegram.proxy_url carries every call, getUpdates too; without it both requests
        # honour HTTPS_PROXY and the like themselves (bot/telegram/proxy.py).
        proxy = settings.proxy_url or None
        self.proxy = bot_api_proxy(settings.api_base_url, settings.proxy_url)
        self.application: Application[Any, Any, Any, Any, Any, Any] = (
            ApplicationBuilder()
            .token(token)
            .base_url(f"{settings.api_base_url}/bot")
            .base_file_url(f"{settings.api_base_url}/file/bot")
            .request(PooledRequest(settings.connections, proxy=proxy))
            # PTB's own default for getUpdates (one connection), given the proxy
            .get_updates_request(HTTPXRequest(connection_pool_size=1, proxy=proxy))
            # Replies are not throttled up front (Telegram's 429s are waited out and
            # retried); broadcasts are paced by the outbox dispatcher instead.
            .rate_limiter(AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=2))
            .updater(None)
            .build()
        )
        self.application.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self._on_update))
        self.application.add_handler(CallbackQueryHandler(self._on_update))
        self.application.add_handler(
            ChatMemberHandler(self._on_membership, ChatMemberHandler.MY_CHAT_MEMBER)
        )
        self.application.add_error_handler(self._on_error)

    @property
    def bot(self) -> Any:
        return self.application.bot

    async def start(self) -> None:
        """Check the token (getMe) and register the command menus."""
        if self.proxy is not None:
            logger.info("telegram: Bot API calls go through the proxy at %s", shown(self.proxy))
        await retrying(self.application.initialize)
        holders = await self.pipeline.threads.run(self._role_holders)
        await command_menus.publish(self.bot, self.engine.registry, holders, retrying)
        logger.info("telegram: connected as @%s", self.bot.username)

    def _role_holders(self) -> dict[int, frozenset[str]]:
        with Session(self.engine.db) as session:
            return command_menus.role_holders(session, self.engine.settings.config_roles)

    async def stop(self) -> None:
        await self.application.shutdown()

    async def process(self, update: Update) -> bool:
        """Handle one update; errors go to the central error handler.

        False when the database could not take the update's effects: the caller
        must not confirm it, so Telegram delivers it again."""
        with confirming() as confirmation:
            await self.application.process_update(update)
        return confirmation.committed

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        now = self.clock()
        query = update.callback_query
        # Always answered, or the resident's button keeps spinning; at once, while the
        # engine works, and awaited before this update is done.
        answering = asyncio.create_task(self._answer(query)) if query is not None else None
        try:
            inbound = await to_inbound(update, signer=self.signer, media=self.media, now=now)
            if inbound is None:
                return
            if query is None:
                await self.pipeline.handle(inbound, now)
                return

            # The pressed message is edited while the replies go out (still in order).
            async def closing(handled: Handled) -> None:
                await self._close_keyboard(query, accepted=not handled.refused)

            await self.pipeline.handle(inbound, now, alongside=closing)
        finally:
            if answering is not None:
                await answering

    async def _answer(self, query: CallbackQuery) -> None:
        try:
            await query.answer()
        except TelegramError as error:  # an old query cannot be answered any more
            logger.info("telegram: callback query not answered: %s", error)

    async def _close_keyboard(self, query: CallbackQuery, *, accepted: bool) -> None:
        """Show the choice on the pressed message and remove its buttons."""
        message = query.message
        if not isinstance(message, Message):  # too old to be edited
            return
        label = chosen_label(message.reply_markup, query.data) if accepted else None
        try:
            if label and message.text:
                await message.edit_text(f"{message.text}\n\n✅ {label}", reply_markup=None)
            else:
                await message.edit_reply_markup(reply_markup=None)
        except TelegramError as error:
            logger.info("telegram: pressed message not edited: %s", error)

    async def _on_membership(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A resident blocked (or unblocked) the bot."""
        change = update.my_chat_member
        if change is None or change.chat.type != "private":
            return
        blocked = change.new_chat_member.status == "kicked"
        identity = f"{CHANNEL}:{change.from_user.id}"
        await self.threads.run(self._set_unreachable, identity, self.clock() if blocked else None)

    def _set_unreachable(self, identity: str, at: datetime | None) -> None:
        with transaction(self.engine.db) as session:
            set_unreachable(session=session, identity=identity, at=at)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one place errors end up: log with context, apologise, carry on."""
        update_id = getattr(update, "update_id", None)
        logger.error("telegram: update %s failed", update_id, exc_info=context.error)
        user = update.effective_user if isinstance(update, Update) else None
        chat = update.effective_chat if isinstance(update, Update) else None
        if user is None or chat is None or chat.type != "private":
            return
        apology = translator(user.language_code or "id")("engine.error")
        try:
            await self.bot.send_message(chat.id, apology)
        except TelegramError:
            logger.warning("telegram: could not send the apology for update %s", update_id)

    async def deliver(self, recipient: str, reply: Reply, *, kind: str = "reply") -> str | None:
        """Send one reply (split if long; buttons on the last part); every ``kind``
        of message is sent the same way on Telegram. A file sent in chat is
        deleted once it went out."""
        sent = await self._deliver(int(recipient), reply)
        self.media.delivered(reply.photo, reply.document)
        return sent

    async def _deliver(self, chat_id: int, reply: Reply) -> str:
        markup = keyboard(reply, chat_id, self.signer)
        if reply.photo:
            path = attachment(self.media, reply.photo)
            sent = await delivering(
                lambda: self.bot.send_photo(
                    chat_id, path.read_bytes(), caption=reply.text[:1024], reply_markup=markup
                )
            )
            return str(sent.message_id)
        if reply.voice:
            return await self._send_voice(chat_id, reply, markup)
        if reply.document:
            path = attachment(self.media, reply.document)
            sent = await delivering(
                lambda: self.bot.send_document(
                    chat_id,
                    path.read_bytes(),
                    filename=path.name,
                    caption=reply.text[:1024],
                    reply_markup=markup,
                )
            )
            return str(sent.message_id)
        chunks = split_text(reply.text, MAX_TEXT)
        for chunk in chunks[:-1]:
            await delivering(partial(self.bot.send_message, chat_id, chunk))
        if not self._removes_contact_keyboard(chat_id, reply):
            sent = await delivering(
                lambda: self.bot.send_message(chat_id, chunks[-1], reply_markup=markup)
            )
            return str(sent.message_id)
        # One message has one keyboard: it goes out taking the contact keyboard
        # away, and its own buttons (if any) are put on it right after.
        sent = await delivering(
            lambda: self.bot.send_message(chat_id, chunks[-1], reply_markup=ReplyKeyboardRemove())
        )
        if isinstance(markup, InlineKeyboardMarkup):
            await delivering(
                lambda: self.bot.edit_message_reply_markup(
                    chat_id, sent.message_id, reply_markup=markup
                )
            )
        return str(sent.message_id)

    def _removes_contact_keyboard(self, chat_id: int, reply: Reply) -> bool:
        """Whether this reply must take away a "share my number" keyboard still shown."""
        if reply.contact_button:
            self.contact_keyboards.add(chat_id)
            return False
        if chat_id not in self.contact_keyboards:
            return False
        self.contact_keyboards.discard(chat_id)
        return True

    async def _send_voice(self, chat_id: int, reply: Reply, markup: Any) -> str:
        """A resident's voice note to staff: Ogg Opus as a voice message (it plays in
        the chat), MP3/M4A as audio, anything else (AMR) as a file."""
        assert reply.voice is not None
        path = attachment(self.media, reply.voice)
        caption = reply.text[:1024]
        suffix = path.suffix.lower()
        if suffix == ".ogg":
            send = partial(self.bot.send_voice, chat_id, path.read_bytes())
        elif suffix in (".mp3", ".m4a"):
            send = partial(self.bot.send_audio, chat_id, path.read_bytes(), filename=path.name)
        else:
            send = partial(self.bot.send_document, chat_id, path.read_bytes(), filename=path.name)
        sent = await delivering(lambda: send(caption=caption, reply_markup=markup))
        return str(sent.message_id)

"""The WhatsApp adapter: pywa_async (``server=None``) as transport, the core does the talking.

Our web app hands each webhook request here: the signature is checked with the app
secret before anything is parsed, then pywa turns the body into typed updates and
calls our handlers, which turn each update into an ``Inbound`` for the shared
pipeline (``bot.channels``): the engine handles it and the committed replies are
sent through ``deliver``. A request is answered 200 only once its effects are
committed (503 otherwise, and Meta delivers it again).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx
from pywa_async import WhatsApp
from pywa_async.errors import WhatsAppError
from pywa_async.handlers import (
    CallbackButtonHandler,
    CallbackSelectionHandler,
    MessageHandler,
    MessageStatusHandler,
)
from pywa_async.types import (
    Button,
    CallbackButton,
    CallbackSelection,
    Message,
    MessageStatus,
    MessageType,
    Section,
    SectionList,
    SectionRow,
)
from pywa_async.types.templates import TemplateLanguage
from sqlmodel import Session

from bot.channels.adapter import ChannelAdapter
from bot.channels.confirmation import TRANSIENT, confirming, current
from bot.config import WhatsAppSettings
from bot.delivery import DeliveryFailed, attachment
from bot.i18n import short_labels, translator
from bot.voices import CONTENT_TYPES
from bot.webhook_body import BodyRefused
from bot.whatsapp.callbacks import FORGED, ButtonIds, PageTurn
from bot.whatsapp.errors import OutsideWindow
from bot.whatsapp.graph import calling, graph_client, graph_session
from bot.whatsapp.inbound import (
    CHANNEL,
    message_inbound,
    pressed_inbound,
    sender_of,
    split_payload,
    template_button_inbound,
)
from bot.whatsapp.receipts import Receipts
from bot.whatsapp.render import Outgoing, Words, render
from bot.whatsapp.templates import MissingTemplate, template_for, window_open
from handlers.core.types import Reply
from storage.conversations import mark_update_processed
from storage.db import transaction
from storage.residents import get_resident

logger = logging.getLogger(__name__)


class WhatsAppChannel(ChannelAdapter[WhatsAppSettings]):
    """Built as every ``ChannelAdapter``; ``connect`` makes the platform client."""

    channel = CHANNEL

    def connect(self) -> None:
        settings = self.settings
        self.ids = ButtonIds(settings.app_secret.get_secret_value())
        self.session = graph_session()
        self.client = graph_client(settings, self.session)
        self.receipts = Receipts(self)
        self.client.add_handlers(
            MessageHandler(self._guarded(self._on_message)),
            CallbackButtonHandler(self._guarded(self._on_button)),
            CallbackSelectionHandler(self._guarded(self._on_button)),
            MessageStatusHandler(self._guarded(self.receipts.on_status)),
        )

    async def start(self) -> str:
        """Check the access token and the number with the Graph API."""
        number = await self.client.get_business_phone_number()
        logger.info("whatsapp: sending as %s", number.display_phone_number)
        return str(number.display_phone_number)

    async def stop(self) -> None:
        await self.session.aclose()

    # ------------------------------------------------------------------ webhook

    async def verify(
        self, mode: str | None, token: str | None, challenge: str | None
    ) -> tuple[int, str]:
        """The subscription handshake: the challenge back for the right token."""
        if mode not in (None, "subscribe"):
            return 403, "forbidden"
        body, status = await self.client.webhook_challenge_handler(vt=token or "", ch=challenge)
        return (200, body or "") if status == 200 else (403, "forbidden")

    async def receive(self, body: bytes, signature: str | None) -> tuple[int, str]:
        """One webhook POST: 403 unless signed with the app secret (pywa says 401 for a
        missing signature), then each message and status in it is handled."""
        if await self.client.webhook_update_validator(body, signature or None) is not None:
            logger.warning("whatsapp webhook: request without a valid signature refused")
            return 403, "forbidden"
        try:
            parts = split_payload(body)
        except BodyRefused as refused:
            logger.warning("whatsapp webhook: signed body refused: %s", refused.reason)
            return refused.status, refused.reason
        with confirming() as confirmation:
            for part in parts:
                await self._dispatch(part)
        if not confirmation.committed:
            return 503, "try again"  # Meta redelivers; what was committed is skipped then
        return 200, "ok"

    async def _dispatch(self, part: bytes) -> None:
        """pywa reads one part and calls our handlers, which catch their own errors
        (``_guarded``). What still escapes is pywa failing to read a field it expects
        (a change without "field", an entry without "id"): that part, which would never
        read better on a redelivery, is skipped, and the rest of the batch goes on."""
        try:
            await self.client.webhook_update_handler(part)
        except (LookupError, TypeError, ValueError, AttributeError) as error:
            logger.warning(
                "whatsapp webhook: an update pywa could not read was skipped: %s",
                type(error).__name__,
            )

    def _guarded(
        self, handler: Callable[[WhatsApp, Any], Awaitable[None]]
    ) -> Callable[[Any, Any], Awaitable[None]]:
        """The one place errors end up: an uncommitted update is not confirmed, any
        other error is logged and the resident gets an apology."""

        async def guarded(client: WhatsApp, update: Any) -> None:
            confirmation = current()
            wa_id = sender_of(update) if not isinstance(update, MessageStatus) else None
            if confirmation.holds(wa_id):
                # an earlier message of theirs in this body comes again: so does this one
                confirmation.skipped(wa_id)
                return
            try:
                await handler(client, update)
            except TRANSIENT as error:  # the database work around the pipeline's
                confirmation.not_committed(CHANNEL, error, wa_id)
            except Exception:
                logger.exception("whatsapp: an update failed")
                if wa_id is not None:
                    await self._apologise(wa_id)

        guarded.__name__ = getattr(handler, "__name__", "handler")
        return guarded

    async def _apologise(self, wa_id: str) -> None:
        try:
            await self.client.send_message(to=wa_id, text=translator("id")("engine.error"))
        except (WhatsAppError, httpx.HTTPError):
            logger.warning("whatsapp: could not send the apology")

    async def _on_message(self, client: WhatsApp, message: Message) -> None:
        wa_id = sender_of(message)
        if wa_id is None:
            logger.info("whatsapp: a message without a phone number ignored")
            return
        inbound = await message_inbound(client, message, wa_id, media=self.media, now=self.clock())
        if inbound is not None:
            await self.pipeline.handle(inbound)

    async def _on_button(
        self, _client: WhatsApp, update: CallbackButton | CallbackSelection
    ) -> None:
        wa_id = sender_of(update)
        if wa_id is None:
            return
        if isinstance(update, CallbackButton) and update.type == MessageType.BUTTON:
            await self.pipeline.handle(template_button_inbound(update, wa_id))
            return
        pressed = self.ids.decode(wa_id, str(update.data))
        if isinstance(pressed, PageTurn):
            await self._turn_page(update, wa_id, pressed)
            return
        await self.pipeline.handle(pressed_inbound(update, wa_id, pressed))

    async def _turn_page(
        self, update: CallbackButton | CallbackSelection, wa_id: str, turn: PageTurn
    ) -> None:
        """Another page of the question the resident is at; a list from an older
        question gets the engine's "expired" answer."""
        now = self.clock()
        current = await self.threads.run(self.engine.resume, CHANNEL, wa_id, now)
        if not current or current[-1].prompt_id != turn.prompt_id:
            await self.pipeline.handle(pressed_inbound(update, wa_id, FORGED))
            return
        if not await self.threads.run(self._first_time, f"m:{update.id}", now):
            return
        language = await self.threads.run(self._language, wa_id)
        try:
            await self._send_reply(wa_id, current[-1], language, page=turn.page)
        except DeliveryFailed as failure:
            logger.warning("whatsapp: a list page was not sent: %s", failure.reason)

    def _first_time(self, update_key: str, now: datetime) -> bool:
        with transaction(self.engine.db) as session:
            return mark_update_processed(
                session=session,
                channel=CHANNEL,
                update_key=update_key,
                key=self.engine.hash_key,
                now=now,
            )

    def _language(self, wa_id: str) -> str:
        with Session(self.engine.db) as session:
            resident = get_resident(session=session, identity=f"{CHANNEL}:{wa_id}")
            return resident.language if resident is not None else "id"

    def facts(self, wa_id: str) -> tuple[datetime | None, str | None, str]:
        """(last seen, name, language) of the resident, for the window and templates."""
        with Session(self.engine.db) as session:
            resident = get_resident(session=session, identity=f"{CHANNEL}:{wa_id}")
            if resident is None:
                return None, None, "id"
            return resident.last_seen_at, resident.display_name, resident.language

    # ------------------------------------------------------------------ sending

    async def deliver(self, recipient: str, reply: Reply, *, kind: str = "reply") -> str | None:
        """Send one outbox message. Within 24 hours of the resident's last message it
        goes as is; outside, or when Meta says the window is closed (131047), as the
        approved template for ``kind``. A file sent in chat is deleted once the
        message went out (as itself or as its template: it is not sent again)."""
        sent = await self._deliver(recipient, reply, kind)
        self.media.delivered(reply.photo, reply.document)
        return sent

    async def _deliver(self, recipient: str, reply: Reply, kind: str) -> str:
        last_seen, name, language = await self.threads.run(self.facts, recipient)
        templates = self.settings.templates
        if not window_open(last_seen, self.clock()) and kind in templates:
            return await self.send_template(recipient, reply, kind, name)
        try:
            return await self._send_reply(recipient, reply, language)
        except OutsideWindow as closed:
            if kind not in templates:
                raise DeliveryFailed(
                    f"{closed}; no [whatsapp.templates.{kind}] to fall back to", permanent=True
                ) from closed
            logger.info("whatsapp: the window is closed (131047), sending the %s template", kind)
            return await self.send_template(recipient, reply, kind, name)

    async def send_template(self, recipient: str, reply: Reply, kind: str, name: str | None) -> str:
        try:
            message = template_for(self.settings.templates, kind, reply, name)
        except MissingTemplate as missing:
            raise DeliveryFailed(str(missing), permanent=True) from missing
        sent = await calling(
            lambda: self.client.send_template(
                to=recipient,
                name=message.name,
                language=TemplateLanguage(message.language),
                params=message.components,
            )
        )
        return str(sent.id)

    async def _send_reply(self, recipient: str, reply: Reply, language: str, page: int = 0) -> str:
        """Each message ``render`` makes, in order; the id of the last one."""
        words = self.words(language)
        sent_id = ""
        for item in render(reply, recipient, self.ids, words, page):
            sent_id = await self._send_one(recipient, item)
        return sent_id

    @staticmethod
    def words(language: str) -> Words:
        t = translator(language)
        return Words(
            choose=t("whatsapp.choose"),
            next=t("whatsapp.next"),
            previous=t("whatsapp.previous"),
            page=t("whatsapp.page", page="{page}", pages="{pages}"),
            shorts=short_labels(language),
        )

    async def _send_one(self, to: str, item: Outgoing) -> str:
        client = self.client
        if item.photo is not None:
            path = attachment(self.media, item.photo)
            sent: Any = await calling(
                lambda: client.send_image(to=to, image=path, caption=item.text or None)
            )
        elif item.voice is not None:
            path = attachment(self.media, item.voice)
            kind = CONTENT_TYPES.get(path.suffix.lower())
            sent = await calling(lambda: client.send_audio(to=to, audio=path, mime_type=kind))
        elif item.document is not None:
            path = attachment(self.media, item.document)
            sent = await calling(
                lambda: client.send_document(
                    to=to, document=path, filename=path.name, caption=item.text or None
                )
            )
        elif item.buttons:
            buttons = [Button(title=b.title, callback_data=b.id) for b in item.buttons]
            sent = await calling(
                lambda: client.send_message(to=to, text=item.text, buttons=buttons)
            )
        elif item.rows:
            rows = [
                SectionRow(title=r.title, callback_data=r.id, description=r.description)
                for r in item.rows
            ]
            listing = SectionList(
                button_title=item.list_button,
                sections=[Section(title=item.section or item.list_button, rows=rows)],
            )
            sent = await calling(
                lambda: client.send_message(to=to, text=item.text, buttons=listing)
            )
        else:
            sent = await calling(lambda: client.send_message(to=to, text=item.text))
        return str(sent.id)

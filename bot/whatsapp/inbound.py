"""WhatsApp updates as the core's ``Inbound``; images are downloaded and stored here.

The resident is ``whatsapp:<wa_id>`` (the E.164 number without "+"). Each message's
wamid is its ``update_key``: the engine records an HMAC of it under the
installation's hash key (never the wamid, which embeds the phone number), so a
redelivered webhook does nothing twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

import httpx
from pywa_async import WhatsApp
from pywa_async.errors import WhatsAppError
from pywa_async.types import CallbackButton, CallbackSelection, Message, MessageType

from bot.media import AttachmentRefused, MediaStore
from bot.webhook_body import BodyRefused, json_object
from bot.whatsapp.callbacks import Pressed
from handlers.core.types import Inbound, Location, Voice

logger = logging.getLogger(__name__)

CHANNEL = "whatsapp"
IGNORED = (MessageType.REACTION, MessageType.SYSTEM, MessageType.EDIT, MessageType.REVOKE)


def split_payload(body: bytes) -> list[bytes]:
    """One webhook body per message or status. pywa looks only at the first of
    each; Meta may batch several, and none may be lost.

    ``BodyRefused`` (400) for a body that is not a webhook: not a JSON object, or
    its entries, changes, values, messages, statuses or contacts of the wrong type."""
    data = json_object(body)
    parts: list[bytes] = []
    for entry in _objects(data, "entry"):
        for change in _objects(entry, "changes"):
            value = change.get("value") or {}
            if not isinstance(value, dict):
                raise BodyRefused(400, "a change's value is not an object")
            items = [("messages", m) for m in _objects(value, "messages")]
            items += [("statuses", s) for s in _objects(value, "statuses")]
            if not items:
                single = [{**entry, "changes": [change]}]
                parts.append(json.dumps({**data, "entry": single}).encode())
            for key, item in items:
                part: dict[str, Any] = {
                    k: v for k, v in value.items() if k not in ("messages", "statuses")
                }
                part[key] = [item]
                part["contacts"] = _contacts_for(key, item, _objects(value, "contacts"))
                one = {**entry, "changes": [{**change, "value": part}]}
                parts.append(json.dumps({**data, "entry": [one]}).encode())
    return parts


def _objects(container: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """``container[key]``: a list of objects, empty when missing or null."""
    found = container.get(key)
    if found is None:
        return []
    if not isinstance(found, list) or not all(isinstance(item, dict) for item in found):
        raise BodyRefused(400, f"{key!r} is not a list of objects")
    return found


def _contacts_for(
    key: str, item: dict[str, Any], contacts: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The item's own contact, in the shape pywa 4.5 reads: it expects the
    business-scoped ``user_id`` on every contact, and contacts on statuses, which
    webhooks without business-scoped ids do not carry."""
    number = item.get("from") if key == "messages" else item.get("recipient_id")
    own = [c for c in contacts if c.get("wa_id") == number]
    chosen = own or contacts[:1]
    if not chosen:
        user_id = item.get("from_user_id") or item.get("recipient_user_id")
        chosen = [{"wa_id": number, "user_id": user_id}]
    return [{"user_id": None, **c} for c in chosen]


def sender_of(update: Message | CallbackButton | CallbackSelection) -> str | None:
    """The resident's number (digits), or None when WhatsApp hid it (usernames)."""
    wa_id = str(getattr(update.from_user, "wa_id", None) or "")
    return wa_id if wa_id.isascii() and wa_id.isdigit() else None


def _base(update: Message | CallbackButton | CallbackSelection, wa_id: str) -> Inbound:
    return Inbound(
        channel=CHANNEL,
        user_id=wa_id,
        display_name=update.from_user.name or None,
        update_key=f"m:{update.id}",
    )


def pressed_inbound(
    update: CallbackButton | CallbackSelection, wa_id: str, pressed: Pressed
) -> Inbound:
    """A pressed option, or a stale/forged one (the engine says "expired")."""
    from handlers.core.types import Choice

    base = _base(update, wa_id)
    if isinstance(pressed, Choice):
        return replace(base, choice=pressed)
    return replace(base, contact=f"+{wa_id}")  # ShareNumber; PageTurn never gets here


def template_button_inbound(update: CallbackButton, wa_id: str) -> Inbound:
    """A template's quick-reply button says what its title says."""
    return replace(_base(update, wa_id), text=update.title)


async def message_inbound(
    client: WhatsApp, message: Message, wa_id: str, *, media: MediaStore, now: datetime
) -> Inbound | None:
    """What the resident sent, or None for things ignored on purpose (reactions,
    edits, deletions, system notices)."""
    if message.type in IGNORED:
        return None
    base = _base(message, wa_id)
    if message.text is not None:
        return replace(base, text=message.text)
    if message.location is not None:
        location = Location(message.location.latitude, message.location.longitude)
        return replace(base, location=location)
    if message.contacts:
        phones = [p.phone or p.wa_id for c in message.contacts for p in c.phones]
        phone = next((p for p in phones if p), None)
        return replace(base, contact=phone) if phone else replace(base, unsupported="contacts")
    image_id = None
    if message.image is not None:
        image_id = message.image.id
    elif message.document is not None and (message.document.mime_type or "").startswith("image/"):
        image_id = message.document.id
    if image_id is not None:
        try:
            return replace(base, photo=await store_image(client, image_id, media, now))
        except AttachmentRefused as refused:
            return replace(base, refused=refused.reason)
    if message.audio is not None:  # a voice note (``voice``) or an audio file
        try:
            return replace(base, voice=await store_voice(client, message.audio.id, media, now))
        except AttachmentRefused as refused:
            return replace(base, refused=refused.reason)
    return replace(base, unsupported=str(message.type))


async def store_image(client: WhatsApp, media_id: str, media: MediaStore, now: datetime) -> str:
    """Look the image up on the media endpoint, download it, keep it in the store."""
    try:
        found = await client.get_media_url(media_id)
        if found.file_size and found.file_size > media.max_bytes:
            raise AttachmentRefused("too_large")
        data = await client.get_media_bytes(found.url)
    except (WhatsAppError, httpx.HTTPError) as error:
        logger.warning("whatsapp: could not download an image: %s", type(error).__name__)
        raise AttachmentRefused("download_failed") from error
    # decoding and encoding (metadata stripped) is CPU work: off the event loop
    return await asyncio.to_thread(media.store_bytes, data, now)


async def store_voice(client: WhatsApp, media_id: str, media: MediaStore, now: datetime) -> Voice:
    """Look the voice note up, download it, keep it; its length is read from the
    file (WhatsApp does not say it)."""
    try:
        found = await client.get_media_url(media_id)
        if found.file_size and found.file_size > media.voice.max_bytes:
            raise AttachmentRefused("voice_too_large")
        data = await client.get_media_bytes(found.url)
    except (WhatsAppError, httpx.HTTPError) as error:
        logger.warning("whatsapp: could not download a voice note: %s", type(error).__name__)
        raise AttachmentRefused("voice_download_failed") from error
    reference, seconds = await asyncio.to_thread(media.store_voice, data, now)
    return Voice(reference, seconds)

"""A Telegram update as the core's ``Inbound``; photos and voice notes are
downloaded and stored here."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta

from telegram import Message, PhotoSize, Update, User
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.channels.buttons import chosen
from bot.media import AttachmentRefused, MediaStore
from bot.telegram.callbacks import CallbackSigner
from handlers.core.types import Inbound, Location, Voice

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
UNSUPPORTED = (
    "sticker",
    "video",
    "video_note",
    "animation",
    "document",
    "poll",
    "dice",
    "game",
    "venue",
)


def _from(user: User, update_key: str) -> Inbound:
    """An empty inbound from ``user``, filled in with ``replace``."""
    return Inbound(
        channel=CHANNEL,
        user_id=str(user.id),
        display_name=user.full_name or None,
        language_hint=user.language_code,
        update_key=update_key,
    )


async def to_inbound(
    update: Update, *, signer: CallbackSigner, media: MediaStore, now: datetime
) -> Inbound | None:
    """What the resident did, or None for updates ignored on purpose (edits,
    group chats, channel posts, service messages)."""
    query = update.callback_query
    if query is not None:
        chat = query.message.chat if query.message else None
        if chat is None or chat.type != ChatType.PRIVATE:
            return None
        # callback query ids are unique for good; update_ids may restart
        base = _from(query.from_user, f"c:{query.id}")
        return replace(base, choice=chosen(signer.decode(chat.id, query.data)))
    message = update.message
    if message is None or message.from_user is None or message.chat.type != ChatType.PRIVATE:
        return None
    # a private chat's message ids are never reused, unlike update ids
    base = _from(message.from_user, f"m:{message.chat.id}:{message.message_id}")
    if message.text is not None:
        return replace(base, text=message.text)
    if message.location is not None:
        location = Location(message.location.latitude, message.location.longitude)
        return replace(base, location=location)
    if message.contact is not None:
        return replace(base, contact=message.contact.phone_number)
    if message.photo or _is_image_document(message):
        try:
            return replace(base, photo=await _store_photo(message, media, now))
        except AttachmentRefused as refused:
            return replace(base, refused=refused.reason)
    if message.voice is not None or message.audio is not None:
        try:
            return replace(base, voice=await _store_voice(message, media, now))
        except AttachmentRefused as refused:
            return replace(base, refused=refused.reason)
    kind = next((k for k in UNSUPPORTED if getattr(message, k, None)), "other")
    if message.new_chat_members or message.pinned_message or message.left_chat_member:
        return None
    return replace(base, unsupported=kind)


def _is_image_document(message: Message) -> bool:
    document = message.document
    return bool(document and (document.mime_type or "").startswith("image/"))


async def _store_photo(message: Message, media: MediaStore, now: datetime) -> str:
    """Download the largest size that fits the limit and keep it in the media store."""
    if message.photo:
        fitting = [p for p in message.photo if (p.file_size or 0) <= media.max_bytes]
        source: PhotoSize | None = max(fitting, key=lambda p: p.width * p.height, default=None)
        if source is None:
            raise AttachmentRefused("too_large")
        file_id = source.file_id
    else:
        assert message.document is not None
        if (message.document.file_size or 0) > media.max_bytes:
            raise AttachmentRefused("too_large")
        file_id = message.document.file_id
    try:
        telegram_file = await message.get_bot().get_file(file_id)
        data = await telegram_file.download_as_bytearray()
    except TelegramError as error:
        logger.warning("could not download a photo: %s", error)
        raise AttachmentRefused("download_failed") from error
    # decoding and encoding (metadata stripped) is CPU work: off the event loop
    return await asyncio.to_thread(media.store_bytes, bytes(data), now)


async def _store_voice(message: Message, media: MediaStore, now: datetime) -> Voice:
    """A voice note (or an audio file): refused before downloading when Telegram
    already says it is too big or too long, then checked and kept."""
    sound = message.voice or message.audio
    assert sound is not None
    if (sound.file_size or 0) > media.voice.max_bytes:
        raise AttachmentRefused("voice_too_large")
    length = sound.duration
    seconds = length.total_seconds() if isinstance(length, timedelta) else float(length)
    if seconds > media.voice.max_seconds:
        raise AttachmentRefused("voice_too_long")
    try:
        telegram_file = await message.get_bot().get_file(sound.file_id)
        data = await telegram_file.download_as_bytearray()
    except TelegramError as error:
        logger.warning("could not download a voice note: %s", error)
        raise AttachmentRefused("voice_download_failed") from error
    reference, kept = await asyncio.to_thread(media.store_voice, bytes(data), now, seconds)
    return Voice(reference, kept)

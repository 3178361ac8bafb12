"""A core ``Reply`` in Telegram's idiom: text chunks and an inline keyboard."""

from __future__ import annotations

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.telegram.callbacks import CallbackSigner
from handlers.core.types import Reply

MAX_TEXT = 4096
SHORT_LABEL = 18  # labels up to this long sit two to a row


def keyboard(
    reply: Reply, chat_id: int, signer: CallbackSigner
) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    """Inline buttons for the options; a step that takes the resident's number gets
    a one-time keyboard instead, whose first button shares it (the options become
    text buttons there, matched by their label like typed text)."""
    if reply.contact_button:
        share = [KeyboardButton(reply.contact_button, request_contact=True)]
        text_rows = [share, *([KeyboardButton(option.label)] for option in reply.options)]
        return ReplyKeyboardMarkup(text_rows, resize_keyboard=True, one_time_keyboard=True)
    if not reply.options or reply.prompt_id is None:
        return None
    buttons = [
        InlineKeyboardButton(
            option.label[:64], callback_data=signer.option(chat_id, reply.prompt_id, option.value)
        )
        for option in reply.options
    ]
    per_row = 2 if all(len(option.label) <= SHORT_LABEL for option in reply.options) else 1
    rows = [buttons[i : i + per_row] for i in range(0, len(buttons), per_row)]
    return InlineKeyboardMarkup(rows)


def chosen_label(markup: InlineKeyboardMarkup | None, data: str | None) -> str | None:
    """The label of the pressed button, read back from the message's keyboard."""
    if not isinstance(markup, InlineKeyboardMarkup):
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None

"""Reading an update and replying to it, for every handler module: the chat's language, the
text in a message that is meant for the bot, and sending (or editing in) escaped HTML.

Below the handler modules (handlers, subscriptions, handoff, admin): they import it, it imports none
of them.
"""
from __future__ import annotations

import functools
import logging
import re

from telegram import InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.telegram import messages as msg
from bot.telegram.formatting import escape, split_message
from bot.telegram.retries import with_retries
from bot.telegram.services import Context, services

log = logging.getLogger(__name__)
REPLY_ATTEMPTS = 4        # a 5xx or a dropped connection should not cost anyone their answer


def language_of(update: Update) -> str:
    """The user's Telegram language, reduced to the two we answer in."""
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return "en" if code.lower().startswith("en") else "sv"


def command_of(update: Update) -> str | None:
    message = update.effective_message
    text = (message.text or "") if message is not None else ""
    if not text.startswith("/"):
        return None
    return text.split()[0][1:].partition("@")[0].lower()


def _hint(update: Update) -> str | None:
    """The language the user just chose: an English command, or a button's."""
    query = update.callback_query
    if query is not None:
        parts = (query.data or "").split(":")
        return parts[-1] if len(parts) >= 3 and parts[-1] in ("sv", "en") else None
    # An English command chooses English. A Swedish one chooses nothing: English answers point
    # to /hjalp, /lander…, and tapping one must not switch an English conversation to Swedish.
    return "en" if command_of(update) in msg.ENGLISH_COMMANDS else None


async def chat_language(update: Update, context: Context,
                        written: str | None = None) -> str:
    """The language the whole conversation follows: the user's latest choice - the language
    they write in or the command they type, else their Telegram language. A subscriber's stored
    language (reminders, broadcasts, the .ics) follows it."""
    svc = services(context)
    chat = update.effective_chat
    known = svc.languages.get(chat.id) if chat is not None else None
    telegram = language_of(update)
    lang = written or _hint(update) or known or telegram
    if chat is not None and lang != known:
        svc.languages.set(chat.id, lang)
        if lang != (known or telegram) or (written is None and known is None):
            await svc.best_effort(svc.store.set_language(chat.id, lang))
    return lang


def reply_to(update: Update) -> ReplyParameters | None:
    """In a group, answers quote the message they answer, so everyone sees whose it was."""
    message = update.message
    if message is None or message.chat.type == ChatType.PRIVATE:
        return None
    return ReplyParameters(message.message_id, allow_sending_without_reply=True)


async def send_html(update: Update, html: str,
                    markup: InlineKeyboardMarkup | None = None) -> Message | None:
    """Send HTML in as many messages as Telegram's limit needs; buttons go on the last one."""
    chunks = split_message(html) or [escape(msg.NON_TEXT)]
    chat = update.effective_chat
    if chat is None:
        return None
    sent = None
    quote = reply_to(update)
    for i, chunk in enumerate(chunks):
        last = i == len(chunks) - 1
        sent = await with_retries(
            functools.partial(chat.send_message, chunk, reply_markup=markup if last else None,
                              reply_parameters=quote if i == 0 else None),
            None, "sending a reply", attempts=REPLY_ATTEMPTS)
    return sent


def addressed_text(update: Update, context: Context) -> str | None:
    """The question in a message meant for the bot; None for group chatter not meant for it."""
    message = update.message
    if message is None or message.text is None:
        return None
    text = message.text
    if message.chat.type == ChatType.PRIVATE:
        return text
    username = context.bot.username or ""
    mention = re.compile(rf"@{re.escape(username)}\b", re.IGNORECASE) if username else None
    replied_to_bot = (message.reply_to_message is not None
                      and message.reply_to_message.from_user is not None
                      and message.reply_to_message.from_user.id == context.bot.id)
    if mention is not None and mention.search(text):
        return mention.sub(" ", text)
    return text if replied_to_bot else None


async def edit_or_send(update: Update, text: str) -> None:
    """Replace the message whose button was pressed with ``text`` (the outcome), so its buttons
    cannot be pressed again; send ``text`` instead when the message cannot be edited."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        try:
            await query.message.edit_text(escape(text))
            return
        except TelegramError as exc:  # an old message may no longer be editable (expected)
            log.debug("could not replace a message with its outcome: %s", exc)
    await send_html(update, escape(text))

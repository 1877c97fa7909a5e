"""Handing a question to a person (PARTNERBOT_HANDOFF_CHAT, the staff group).

"Fråga en handläggare" under an honest "the announcement does not say" answer and under the
help first shows what will be shared (the scrubbed question and a case number) and asks to
confirm. Confirmed, the question becomes a case in the store and a post in the staff group
(number, question, time, language: never who asked). A staff member's reply to that post is
relayed to the user, marked as a person's words; the user's reply to a relayed answer goes back
to the case; `/stang` as a reply closes it. Which message belongs to which case is kept in the
store, so a restart loses no case and no route.
"""
from __future__ import annotations

import functools
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError

from bot.clock import to_utc
from bot.privacy import scrub
from bot.storage import MAX_CASE_CHARS, Case, StorageError
from bot.telegram import messages as msg
from bot.telegram.formatting import escape, split_message
from bot.telegram.replies import (
    REPLY_ATTEMPTS,
    addressed_text,
    chat_language,
    edit_or_send,
    send_html,
)
from bot.telegram.retries import with_retries
from bot.telegram.services import Context, Services, services

log = logging.getLogger(__name__)
CALLBACK_HANDOFF = "ho"   # ho:ask:<lang> under an answer, then ho:yes|no:<key> under the offer


def _local(svc: Services, when) -> str:  # noqa: ANN001 - datetime
    return to_utc(when).astimezone(svc.live.knowledge.call.tz).strftime("%Y-%m-%d %H:%M")


def _command(text: str | None, bot_username: str | None) -> str | None:
    """The command a message starts with ("/stang@partnerbot" -> "stang"), if any."""
    if not text or not text.startswith("/"):
        return None
    command, _, target = text.split()[0][1:].lower().partition("@")
    if target and target != (bot_username or "").lower():
        return None
    return command


def handoff_button(lang: str) -> InlineKeyboardButton:
    """"Fråga en handläggare", under an answer that offers a person to ask."""
    return InlineKeyboardButton(msg.tr("HANDOFF_BUTTON", lang),
                                callback_data=f"{CALLBACK_HANDOFF}:ask:{lang}")


# ---- the user's side ---------------------------------------------------------------------
async def route_to_case(update: Update, context: Context) -> bool:
    """A free-text message that belongs to the handoff (True: handled here): a reply to a
    relayed answer goes to its case; the message after "Fråga en handläggare" (when the button
    had no question) is offered. Anything else is a question for the engine (False)."""
    svc = services(context)
    message = update.message
    if svc.settings.handoff_chat is None or message is None:
        return False
    chat_id = message.chat.id
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None \
            and replied.from_user.id == context.bot.id:
        case = await svc.best_effort(svc.store.case_for_message(chat_id, replied.message_id))
        if case is not None:
            await _user_reply(update, context, case)
            return True
    text = addressed_text(update, context)
    if text and text.strip() and svc.handoff.take_expected(chat_id, svc.clock()):
        await _offer(update, context, f"u{message.message_id}", text)
        return True
    return False


async def button(update: Update, context: Context) -> None:
    """ho:ask:<lang> under an answer, ho:yes:<key> / ho:no:<key> under the offer."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    svc = services(context)
    lang = await chat_language(update, context)
    parts = (query.data or "").split(":")
    if svc.settings.handoff_chat is None:
        await query.answer(msg.tr("HANDOFF_OFF", lang), show_alert=True)
        return
    if len(parts) < 3 or parts[1] not in ("ask", "yes", "no"):
        await query.answer(msg.tr("STALE_BUTTON", lang))
        return
    await query.answer()
    if parts[1] == "ask":
        message = query.message
        question = svc.handoff.question_for(chat.id, message.message_id) if message else None
        if question is None or message is None:        # under /hjalp, or from before a restart
            svc.handoff.expect_question(chat.id, svc.clock())
            await send_html(update, escape(msg.tr("HANDOFF_WRITE", lang)))
            return
        await _offer(update, context, f"m{message.message_id}", question)
        return
    await _confirmed(update, context, parts[2], parts[1] == "yes", lang)


async def _offer(update: Update, context: Context, key: str,
                 question: str) -> None:
    """Show exactly what would be shared, with Yes/No; nothing is stored before Yes."""
    svc = services(context)
    chat = update.effective_chat
    assert chat is not None
    lang = await chat_language(update, context)
    ok, case = await _stored(update, svc, svc.store.case_by_token(f"{chat.id}:{key}"), lang)
    if not ok:
        return
    if case is not None:                          # this question is a case already
        await send_html(update, escape(msg.tr("HANDOFF_ALREADY", lang).format(case=case.id)))
        return
    clean = scrub(question)[:MAX_CASE_CHARS]
    svc.handoff.hold(chat.id, key, clean, lang)
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(msg.tr("HANDOFF_YES", lang), callback_data=f"{CALLBACK_HANDOFF}:yes:{key}"),
        InlineKeyboardButton(msg.tr("HANDOFF_NO", lang), callback_data=f"{CALLBACK_HANDOFF}:no:{key}")]])
    await send_html(update, escape(msg.tr("HANDOFF_CONFIRM", lang).format(question=clean)),
                             markup)


async def _stored(update: Update, svc: Services, operation, lang: str):  # noqa: ANN001, ANN202
    """A store call the user waits for; on failure say so (nothing is lost: they can retry)."""
    try:
        result = await operation
    except StorageError as exc:
        svc.alarm.failed(exc)
        await send_html(update, escape(msg.tr("STORE_BROKEN", lang)))
        return False, None
    svc.alarm.ok()
    return True, result


async def _confirmed(update: Update, context: Context, key: str, yes: bool,
                     lang: str) -> None:
    svc = services(context)
    chat = update.effective_chat
    staff = svc.settings.handoff_chat
    assert chat is not None and staff is not None
    token = f"{chat.id}:{key}"
    held = svc.handoff.held(chat.id, key)
    ok, case = await _stored(update, svc, svc.store.case_by_token(token), lang)
    if not ok:
        return
    new = False
    if case is None:
        if held is None:               # cancelled already, or an offer from before a restart
            await edit_or_send(update, msg.tr("STALE_BUTTON", lang))
            return
        if not yes:
            svc.handoff.release(chat.id, key)
            await edit_or_send(update, msg.tr("HANDOFF_CANCELLED", lang))
            return
        question, asked_lang = held
        ok, made = await _stored(update, svc, svc.store.open_case(
            token, chat.id, asked_lang, question, svc.clock()), lang)
        if not ok or made is None:
            return
        case, new = made
    # The case is in the store; make sure it is in the staff group too. A post that failed, or
    # a crash between posting and recording the post, is made good by the next press (or by
    # Telegram delivering this press again): at worst the staff group sees a case twice.
    ok, first = await _stored(update, svc, svc.store.case_staff_post(case.id, staff), lang)
    if not ok:
        return
    if first is None and not await _post_case(context, svc, case, staff):
        if new:                          # nothing kept; the offer stays, to press again
            await svc.best_effort(svc.store.drop_case(case.id))
        await send_html(update, escape(msg.tr("HANDOFF_FAILED", lang)))
        return
    svc.handoff.release(chat.id, key)
    sent_now = first is None
    await edit_or_send(update, msg.tr("HANDOFF_SENT" if sent_now else "HANDOFF_ALREADY",
                                       lang).format(case=case.id))


async def _post_case(context: Context, svc: Services, case: Case,
                     staff: int) -> bool:
    """Post the case in the staff group and record the post (the route for staff replies)."""
    post = msg.STAFF_CASE.format(case=case.id, when=_local(svc, case.asked_at),
                                 language=msg.STAFF_LANGUAGES[case.language],
                                 question=case.question)
    try:
        sent = await with_retries(lambda: context.bot.send_message(
            staff, escape(post), parse_mode=ParseMode.HTML), None, "posting a case",
            attempts=REPLY_ATTEMPTS)
    except TelegramError as exc:
        log.warning("could not post case %s to the staff group: %s", case.id, exc)
        return False
    await svc.best_effort(svc.store.link_case_message(staff, sent.message_id, case.id))
    log.info("case %s passed to the staff group", case.id)
    return True


async def _user_reply(update: Update, context: Context, case: Case) -> None:
    """The user replied to a relayed answer: post it (scrubbed) under the case's post."""
    svc = services(context)
    message = update.message
    staff = svc.settings.handoff_chat
    assert message is not None and staff is not None
    lang = await chat_language(update, context)
    if case.state == "closed":
        await send_html(update, escape(msg.tr("HANDOFF_CASE_CLOSED", lang).format(case=case.id)))
        return
    text = scrub(addressed_text(update, context) or "")[:MAX_CASE_CHARS]
    if not text:
        return
    now = svc.clock()
    first = await svc.best_effort(svc.store.case_staff_post(case.id, staff))
    quote = ReplyParameters(first, allow_sending_without_reply=True) if first else None
    post = msg.STAFF_FOLLOWUP.format(case=case.id, when=_local(svc, now), text=text)
    try:
        sent = await with_retries(lambda: context.bot.send_message(
            staff, escape(post), parse_mode=ParseMode.HTML, reply_parameters=quote), None,
            "posting a follow-up", attempts=REPLY_ATTEMPTS)
    except TelegramError as exc:
        log.warning("could not post a follow-up on case %s: %s", case.id, exc)
        await send_html(update, escape(msg.tr("HANDOFF_FAILED", lang)))
        return
    await svc.best_effort(svc.store.link_case_message(staff, sent.message_id, case.id))
    await svc.best_effort(svc.store.add_case_answer(case.id, "user", text, now))
    await send_html(update, escape(msg.tr("HANDOFF_FOLLOWUP_SENT", lang).format(case=case.id)))


# ---- the staff group's side --------------------------------------------------------------
async def staff_reply(update: Update, context: Context) -> None:
    """A reply in the staff group: to a case's post it is relayed to the user (or /stang
    closes the case); a reply to anything else relays nothing."""
    svc = services(context)
    message = update.message
    staff = svc.settings.handoff_chat
    if message is None or message.reply_to_message is None or staff is None:
        return
    ok, case = await _staff_stored(svc, svc.store.case_for_message(
        staff, message.reply_to_message.message_id))
    if not ok or case is None:
        return
    text = message.text or message.caption
    command = _command(message.text, context.bot.username)
    if command == msg.CLOSE_CASE_COMMAND:
        closed = await svc.best_effort(svc.store.close_case(case.id, svc.clock()))
        await _to_staff(context, message, (msg.STAFF_CLOSED if closed else
                                           msg.STAFF_ALREADY_CLOSED).format(case=case.id))
        return
    if command is not None:
        return                                   # another command: not an answer
    if not text or not text.strip() or message.text is None:
        await _to_staff(context, message, msg.STAFF_TEXT_ONLY)
        return
    if case.state == "closed":
        await _to_staff(context, message, msg.STAFF_CASE_IS_CLOSED.format(case=case.id))
        return
    await _relay(context, svc, message, case, text)


async def _relay(context: Context, svc: Services, message: Message,
                 case: Case, text: str) -> None:
    """Send a staff answer to the user, split at Telegram's limit, each part routed back."""
    lang = case.language
    html = (f"<b>{escape(msg.tr('HANDOFF_ANSWER_HEAD', lang).format(case=case.id))}</b>\n\n"
            f"{escape(text)}\n\n<i>{escape(msg.tr('HANDOFF_ANSWER_FOOT', lang))}</i>")
    try:
        for chunk in split_message(html):
            sent = await with_retries(
                functools.partial(context.bot.send_message, case.chat_id, chunk,
                                  parse_mode=ParseMode.HTML),
                None, "relaying an answer", attempts=REPLY_ATTEMPTS)
            await svc.best_effort(svc.store.link_case_message(case.chat_id, sent.message_id,
                                                              case.id))
    except Forbidden:
        await svc.best_effort(svc.store.close_case(case.id, svc.clock(), note="blocked"))
        log.info("case %s closed: the chat has blocked the bot", case.id)
        await _to_staff(context, message, msg.STAFF_BLOCKED.format(case=case.id))
        return
    except TelegramError as exc:
        log.warning("could not relay an answer on case %s: %s", case.id, exc)
        await _to_staff(context, message, msg.STAFF_NOT_DELIVERED.format(case=case.id))
        return
    await svc.best_effort(svc.store.add_case_answer(case.id, "staff", text, svc.clock()))
    await _to_staff(context, message, msg.STAFF_RELAYED.format(case=case.id))


async def _staff_stored(svc: Services, operation):  # noqa: ANN001, ANN202
    try:
        result = await operation
    except StorageError as exc:
        svc.alarm.failed(exc)
        return False, None
    svc.alarm.ok()
    return True, result


async def _to_staff(context: Context, message: Message, text: str) -> None:
    """A short note in the staff group, as a reply to the staff member's message."""
    try:
        await with_retries(lambda: context.bot.send_message(
            message.chat.id, escape(text), parse_mode=ParseMode.HTML,
            reply_parameters=ReplyParameters(message.message_id, allow_sending_without_reply=True)),
            None, "a note to the staff group", attempts=REPLY_ATTEMPTS)
    except TelegramError as exc:
        log.warning("could not write to the staff group: %s", exc)


async def close_usage(update: Update, context: Context) -> None:
    """/stang in the staff group outside a reply: say how it is used. (Registered for the staff
    group only: elsewhere /stang is an unknown command like any other.)"""
    if update.message is not None:
        await _to_staff(context, update.message, msg.STAFF_CLOSE_USAGE)


"""Handlers for what the bot stores about a chat: subscriptions, calendar, my data, forget me;
and how reminders and broadcasts are sent to subscribers (with a button to stop them)."""
from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import datetime
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions, Update
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.error import TelegramError

from bot.answers.language import detect_language
from bot.answers.normalize import clip, tokens
from bot.answers.texts import format_day
from bot.knowledge.model import localized
from bot.reminders.delivery import Sender
from bot.reminders.ics import deadline_calendar
from bot.reminders.ratelimit import BULK_SEND
from bot.storage import StorageError, Store, StoreBusy
from bot.telegram import messages as msg
from bot.telegram.formatting import escape
from bot.telegram.replies import chat_language, edit_or_send, language_of, send_html
from bot.telegram.services import Context, Services, services

log = logging.getLogger(__name__)
CALLBACK_ACTION = "do"      # do:sub|unsub|mydata:<lang> - a button that does what a command does
CALLBACK_FORGET = "forget"  # forget:yes|no under /glom_mig's question
FORGET_YES, FORGET_NO = f"{CALLBACK_FORGET}:yes", f"{CALLBACK_FORGET}:no"
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
T = TypeVar("T")


async def _stored(update: Update, svc: Services, operation: Awaitable[T],
                  lang: str = "sv") -> tuple[bool, T | None]:
    """Run a store call the user asked for; if it fails, say so plainly (never drop it silently)."""
    try:
        result = await operation
    except StorageError as exc:
        svc.alarm.failed(exc)
        await send_html(update, escape(msg.tr("STORE_BUSY" if isinstance(exc, StoreBusy)
                                              else "STORE_BROKEN", lang)))
        return False, None
    svc.alarm.ok()
    return True, result




async def may_change(update: Update, context: Context) -> bool:
    """In a group, the group's subscription and data are its administrators' business: asks
    Telegram for the member's status. Anyone may in a private chat."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    message = update.message
    if message is not None and message.sender_chat is not None \
            and message.sender_chat.id == chat.id:
        return True                       # an anonymous administrator posting as the group
    if user is None or user.is_bot:
        return False
    try:
        member = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError as exc:
        log.warning("could not look up a member's status in a group: %s", exc)
        return False
    return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


async def _refuse_non_admin(update: Update, context: Context) -> bool:
    """True (and one polite sentence) when a group member who is not an admin tries."""
    if await may_change(update, context):
        return False
    query = update.callback_query
    lang = await chat_language(update, context)
    if query is not None:
        await query.answer(msg.tr("GROUP_ADMINS_ONLY", lang), show_alert=True)
    else:
        await send_html(update, escape(msg.tr("GROUP_ADMINS_ONLY", lang)))
    return True


async def subscribe(update: Update, context: Context) -> None:
    """/prenumerera: store the chat for deadline reminders."""
    chat = update.effective_chat
    if chat is None or await _refuse_non_admin(update, context):
        return
    svc = services(context)
    now = svc.clock()
    call = svc.live.knowledge.call
    lang = await chat_language(update, context)
    ok, new = await _stored(update, svc, svc.store.subscribe(chat.id, lang, now), lang)
    if not ok:
        return
    deadline = format_day(call.deadline, lang)
    if not call.is_open(now):
        text = msg.tr("SUBSCRIBED_CLOSED", lang).format(deadline=deadline)
    else:
        text = msg.tr("SUBSCRIBED", lang).format(deadline=deadline) if new else \
            msg.tr("ALREADY_SUBSCRIBED", lang)
    await send_html(update, escape(text))


async def unsubscribe(update: Update, context: Context) -> None:
    """/avsluta, /stopp, /unsubscribe: no more reminders."""
    chat = update.effective_chat
    if chat is None or await _refuse_non_admin(update, context):
        return
    svc = services(context)
    lang = await chat_language(update, context)
    ok, was_active = await _stored(update, svc, svc.store.unsubscribe(chat.id, svc.clock()), lang)
    if not ok:
        return
    await send_html(update, escape(msg.tr("UNSUBSCRIBED" if was_active else "NOT_SUBSCRIBED", lang)))


async def calendar(update: Update, context: Context) -> None:
    """/kalender: the deadline and the reminder times as an .ics file."""
    chat = update.effective_chat
    if chat is None:
        return
    svc = services(context)
    now = svc.clock()
    knowledge = svc.live.knowledge
    call = knowledge.call
    schedule = svc.live.reminders.schedule()
    lang = await chat_language(update, context)
    if not call.is_open(now):            # nothing left to put in a calendar
        await send_html(update, escape(msg.tr("CALENDAR_CLOSED", lang).format(
            deadline=format_day(call.deadline, lang), url=call.url)))
        return
    name = localized(call, "name", lang)
    data = deadline_calendar(call_name=name, deadline=call.deadline, tz=call.tz.key,
                             reminders=[r.due_at for r in schedule], url=call.url, now=now,
                             lang=lang)
    filename = msg.tr("CALENDAR_FILE", lang).format(day=call.deadline.isoformat())
    await chat.send_document(InputFile(data, filename=filename),
                             caption=escape(msg.tr("CALENDAR_CAPTION", lang).format(call=name)))


def _local(text: str | None, svc: Services) -> str:
    if not text:
        return ""
    when = datetime.fromisoformat(text).astimezone(svc.live.knowledge.call.tz)
    return when.strftime("%Y-%m-%d %H:%M")


async def my_data(update: Update, context: Context) -> None:
    """/mina_uppgifter: everything stored about this chat, in plain words."""
    chat = update.effective_chat
    if chat is None:
        return
    svc = services(context)
    lang = await chat_language(update, context)
    ok, report = await _stored(update, svc, svc.store.chat_report(chat.id), lang)
    if not ok or report is None:
        return
    words = msg.WORDS[lang]
    sub = report["subscriber"]
    if sub is None and not report["deliveries"] and not report["cases"]:
        await send_html(update, escape(f"{msg.tr('MY_DATA_NONE', lang)}\n\n"
                                       f"{msg.tr('PRIVACY', lang)}"))
        return
    lines = [msg.tr("MY_DATA_HEAD", lang)]
    if sub is not None:
        until = words["ended_at"].format(when=_local(sub["unsubscribed_at"], svc)) \
            if sub["unsubscribed_at"] else ""
        lines.append(msg.tr("MY_DATA_SUB", lang).format(
            state=words["active"] if sub["active"] else words["ended"],
            language=words[sub["language"]], since=_local(sub["subscribed_at"], svc), until=until))
    deliveries = report["deliveries"]
    if deliveries:
        latest = words["latest"].format(when=_local(deliveries[-1]["updated_at"], svc))
        lines.append(msg.tr("MY_DATA_DELIVERIES", lang).format(
            count=words["count"].format(n=len(deliveries)), latest=latest))
    for case in report["cases"]:
        lines.append(msg.tr("MY_DATA_CASE", lang).format(
            case=case["id"], state=words[case["state"]], when=_local(case["asked_at"], svc),
            question=case["question"]))
    lines += ["", msg.tr("PRIVACY", lang), "", msg.tr("MY_DATA_FOOT", lang)]
    await send_html(update, escape("\n".join(lines)))


async def forget_me(update: Update, context: Context) -> None:
    """/glom_mig: ask for confirmation before erasing anything."""
    if await _refuse_non_admin(update, context):
        return
    lang = await chat_language(update, context)
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(msg.tr("FORGET_YES", lang), callback_data=FORGET_YES),
        InlineKeyboardButton(msg.tr("FORGET_NO", lang), callback_data=FORGET_NO)]])
    await send_html(update, escape(msg.tr("FORGET_ASK", lang)), markup)


async def forget_confirmed(update: Update, context: Context) -> None:
    """The confirm button of /glom_mig: erase every row about the chat (or cancel)."""
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None or await _refuse_non_admin(update, context):
        return
    await query.answer()
    lang = await chat_language(update, context)
    if query.data != FORGET_YES:
        await edit_or_send(update, msg.tr("FORGET_CANCELLED", lang))
        return
    svc = services(context)
    ok, removed = await _stored(update, svc, svc.store.forget_chat(chat.id), lang)
    if not ok:
        return
    svc.handoff.forget_chat(chat.id)
    await edit_or_send(update, msg.tr("FORGET_DONE" if removed else "FORGET_NOTHING", lang))


def action_button(action: str, lang: str) -> InlineKeyboardButton:
    """A button that does what a command does: 🔔 subscribe, 🔕 stop reminders, my data."""
    label = {"sub": "REMIND_ME", "unsub": "STOP_REMINDERS", "mydata": "MY_DATA_BUTTON"}[action]
    return InlineKeyboardButton(msg.tr(label, lang), callback_data=f"{CALLBACK_ACTION}:{action}:{lang}")


async def action(update: Update, context: Context) -> None:
    """A button that does what its command does: 🔔 subscribe, 🔕 stop reminders, my data."""
    query = update.callback_query
    if query is None:
        return
    parts = (query.data or "").split(":")
    handler = {"sub": subscribe, "unsub": unsubscribe, "mydata": my_data}.get(
        parts[1] if len(parts) > 1 else "")
    if handler is None:
        await query.answer(msg.tr("STALE_BUTTON", language_of(update)))
        return
    if handler is not my_data and await _refuse_non_admin(update, context):
        return
    await query.answer()
    await handler(update, context)


# ---- reminders and broadcasts ------------------------------------------------------------
BROADCAST_MARK = "\x1e"     # starts a stored broadcast: framed per recipient when sent


def sender(bot: Bot, store: Store | None = None) -> Sender:
    """How deliveries send one already-formatted text to one chat: every reminder and
    broadcast carries a button to stop them, in the recipient's language. A broadcast (stored
    with BROADCAST_MARK) is framed with who sent it and how to stop, in the subscriber's stored
    language; reminders are already written in it."""
    stop = {lang: InlineKeyboardMarkup([[action_button("unsub", lang)]]) for lang in ("sv", "en")}

    # Marked BULK for the bot's rate limiter, so that replies to people asking questions take
    # the shared 29/s window ahead of reminder and broadcast sends.
    # Only an ExtBot with a rate limiter takes rate_limit_args; a bare Bot (send-reminders)
    # paces itself.
    bulk: dict[str, Any] = {"rate_limit_args": BULK_SEND} if getattr(bot, "rate_limiter", None) else {}

    async def send(chat_id: int, text: str) -> None:
        if text.startswith(BROADCAST_MARK):
            subscriber = await store.get_subscriber(chat_id) if store is not None else None
            lang = subscriber.language if subscriber is not None else "sv"
            text = escape(msg.tr("BROADCAST_FRAME", lang)).replace(
                "{text}", text.removeprefix(BROADCAST_MARK))
        else:
            lang = written_in(text)
        await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML,
                               link_preview_options=NO_PREVIEW, reply_markup=stop[lang], **bulk)
    return send


def written_in(text: str) -> str:
    """"en" for a text written in English, else "sv" (the same test the engine uses)."""
    return detect_language(tokens(clip(text)))

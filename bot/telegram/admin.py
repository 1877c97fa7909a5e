"""Admin-only commands: /stats, /broadcast (after a confirm button) and /reload.

Rights are checked on the *user* id from PARTNERBOT_ADMINS, never on the chat, so a non-admin
in a group that has an admin in it gets the same plain "not available" as anyone else.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.answers.texts import format_day
from bot.clock import local_day
from bot.reminders.delivery import broadcast_report, resume_broadcasts
from bot.reminders.lease import exclusive_pass
from bot.storage import StorageError
from bot.telegram import messages as msg
from bot.telegram.formatting import escape
from bot.telegram.replies import send_html
from bot.telegram.services import Context, Services, services
from bot.telegram.subscriptions import BROADCAST_MARK, sender

log = logging.getLogger(__name__)
CALLBACK_BROADCAST = "bc"   # bc:<nonce>:yes|no under /broadcast's preview
MAX_BROADCAST_CHARS = 3500


def is_admin(update: Update, svc: Services) -> bool:
    user = update.effective_user
    return user is not None and not user.is_bot and user.id in svc.settings.admins


async def _refuse(update: Update) -> None:
    await send_html(update, escape(msg.NOT_AVAILABLE))


async def stats(update: Update, context: Context) -> None:
    """/stats: subscribers, questions today, the most frequent unanswered questions."""
    svc = services(context)
    if not is_admin(update, svc):
        await _refuse(update)
        return
    now = svc.clock()
    if svc.questions.pending:                      # include the last few seconds
        await svc.best_effort(svc.questions.flush(svc.store))
    await svc.prune()                              # never show an expired text
    try:
        active = await svc.store.count_active()
        today = await svc.store.questions_on(local_day(now)) + svc.questions.unsaved(local_day(now))
        top = await svc.store.top_unanswered(5)
        thumbs_down = await svc.store.count_feedback()
        open_cases, median = await svc.store.case_stats()
    except StorageError as exc:
        svc.alarm.failed(exc)
        await send_html(update, escape(msg.STORE_BROKEN))
        return
    unanswered = "\n".join(f"  {count} × {text[:80]}" for text, count, _ in top) or "  (inga)"
    text = msg.STATS.format(active=active, today=today, unanswered=unanswered,
                            thumbs_down=thumbs_down)
    if svc.settings.handoff_chat is not None or open_cases or median is not None:
        text += "\n" + msg.STATS_CASES.format(open=open_cases, median=_duration(median))
    await send_html(update, escape(text))


def _duration(span: timedelta | None) -> str:
    """"2 h 5 min", "3 d 4 h", "12 min"; "–" when no case has been answered."""
    if span is None:
        return "–"
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


async def broadcast(update: Update, context: Context) -> None:
    """/broadcast TEXT: show the text and the number of recipients, with a confirm button."""
    svc = services(context)
    if not is_admin(update, svc):
        await _refuse(update)
        return
    message = update.effective_message
    # Whatever follows the command, after a space or a line break; inner lines stay intact.
    parts = (message.text or "").split(maxsplit=1) if message else []
    text = parts[1].strip() if len(parts) == 2 else ""
    if not text:
        await send_html(update, escape(msg.BROADCAST_USAGE))
        return
    text = text[:MAX_BROADCAST_CHARS]
    nonce = svc.broadcasts.hold(text)
    count = await svc.store.count_active()
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(msg.BROADCAST_SEND, callback_data=f"{CALLBACK_BROADCAST}:{nonce}:yes"),
        InlineKeyboardButton(msg.BROADCAST_CANCEL, callback_data=f"{CALLBACK_BROADCAST}:{nonce}:no")]])
    await send_html(update, escape(msg.BROADCAST_ASK.format(count=count, text=text)), markup)


async def broadcast_confirmed(update: Update, context: Context) -> None:
    """The confirm button: record the broadcast, then deliver it in the background."""
    query = update.callback_query
    if query is None:
        return
    svc = services(context)
    if not is_admin(update, svc):
        await query.answer(msg.NOT_AVAILABLE)
        return
    _, nonce, choice = (query.data or "::").split(":", 2)
    text = svc.broadcasts.decide(nonce, send=choice == "yes")
    await query.answer()
    if text is None:
        sent = svc.broadcasts.decision(nonce)
        await send_html(update, escape(msg.BROADCAST_ALREADY_SENT if sent else
                                       msg.BROADCAST_ALREADY_CANCELLED if sent is False else
                                       msg.STALE_BUTTON))
        return
    if query.message is not None and hasattr(query.message, "edit_reply_markup"):
        try:                                        # the buttons go: no second press
            await query.message.edit_reply_markup(None)
        except TelegramError as exc:
            log.debug("could not remove the confirm buttons: %s", exc)
    if choice != "yes":
        await send_html(update, escape(msg.BROADCAST_CANCELLED))
        return
    count = await svc.store.count_active()
    await send_html(update, escape(msg.BROADCAST_STARTED.format(count=count)))

    # Stored escaped (the admin's "<b>" shows as typed) and marked, so that the sender frames
    # it in each subscriber's language with who sent it and how to stop.
    broadcast_id = await svc.store.create_broadcast(BROADCAST_MARK + escape(text), svc.clock())

    stop = context.bot_data.stop

    async def run() -> None:
        # Recorded first: if another pass holds the lease, or the bot dies, the next pass
        # (resume_broadcasts) delivers it with the same guarantees. On SIGTERM (stop) it
        # finishes the messages in flight and leaves the rest to the next start: the
        # Application waits for this task before it exits.
        async with svc.delivery_lock, exclusive_pass(svc.store) as mine:
            if not mine:
                await send_html(update, escape(msg.BROADCAST_QUEUED))
                return
            await resume_broadcasts(svc.store, sender(context.bot, svc.store), svc.clock(),
                                    clock=svc.clock, stop=stop)
        # Counted from the records: a scheduled pass running when the admin confirmed may
        # have delivered some or all of it (it resumes every unfinished broadcast).
        report = await broadcast_report(svc.store, broadcast_id)
        if stop.is_set():
            log.info("broadcast %s interrupted by shutdown after %s", broadcast_id, report)
            return
        log.info("broadcast %s finished: %s", broadcast_id, report)
        await send_html(update, escape(msg.BROADCAST_DONE.format(
            sent=report.sent, blocked=report.blocked, failed=report.failed)))

    context.application.create_task(run(), update=update)


async def reload_knowledge(update: Update, context: Context) -> None:
    """/reload: validate and swap in the knowledge files; on errors keep the old ones."""
    svc = services(context)
    if not is_admin(update, svc):
        await _refuse(update)
        return
    result = svc.live.reload(svc.clock())
    if result.errors:
        await send_html(update, escape(msg.RELOAD_FAILED.format(
            problems="\n".join(result.errors[:20]))))
        return
    deadline = format_day(svc.live.knowledge.call.deadline, "sv")
    text = msg.RELOAD_OK.format(deadline=deadline)
    if result.warnings:
        text += "\n" + "\n".join(f"warning: {w}" for w in result.warnings)
    await send_html(update, escape(text))

"""Wiring: the python-telegram-bot Application, its handlers, the delivery job, and `run`."""
from __future__ import annotations

import asyncio
import logging
import re
import signal
import time
from pathlib import Path
from typing import Any

from telegram import BotCommand, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.clock import Clock, shifted_clock, system_clock
from bot.config import Settings
from bot.live_engine import LiveEngine
from bot.reminders.delivery import IN_FLIGHT, delivery_pass
from bot.reminders.lease import exclusive_pass
from bot.reminders.ratelimit import PartnerbotRateLimiter
from bot.storage import StorageError, Store
from bot.telegram import admin, handlers, handoff, subscriptions
from bot.telegram import messages as msg
from bot.telegram.ordering import PerChatUpdateProcessor
from bot.telegram.polling import ConfirmingPoller
from bot.telegram.retries import with_retries
from bot.telegram.services import BotState, Context, Services
from bot.telegram.subscriptions import sender
from bot.telegram.transport import JsonRequest
from bot.telegram.webhook import WebhookReceiver

log = logging.getLogger(__name__)
HEARTBEAT_INTERVAL = 10.0
PRUNE_INTERVAL = 3600.0           # stored question texts older than RETENTION go this often
# Chats answered at once. At ~100 ms per Telegram request, 8 in flight allow ~80 replies/s,
# well over the ~30 messages/s Telegram lets a bot send. With one connection per request in
# flight (bot/telegram/transport.py) more in flight costs no extra CPU per reply (bench/conversation.py
# at 0 ms latency: 2 in flight 0.82 of the echo floor, 8 -> 0.93, 16 -> 0.97).
CONCURRENT_UPDATES = 8
# Connections: every update being answered and every delivery send in flight holds one while
# its request is on the wire (after the rate limiter), plus a few for jobs and start-up calls.
CONNECTIONS = CONCURRENT_UPDATES + IN_FLIGHT + 4
POLL_FRESHNESS = 60.0             # a successful getUpdates this recent counts as "polling"
# The Application as built here: its bot_data is a BotState (ContextTypes(bot_data=BotState)).
App = Application[Any, Context, Any, Any, BotState, Any]


def heartbeat_path(settings: Settings) -> Path:
    """Touched while polling works; the Docker health check reads its age."""
    return settings.db_path.with_name("heartbeat")


async def delivery_job(context: Context) -> None:
    """The scheduled pass: due reminder and unfinished broadcasts, computed from the database."""
    svc = context.bot_data.services
    lock = svc.delivery_lock
    if lock.locked():
        return
    async with lock:
        try:
            async with exclusive_pass(svc.store) as mine:
                if not mine:
                    log.info("another process is delivering; skipping this pass")
                    return
                report = await delivery_pass(svc.store, sender(context.bot, svc.store),
                                             svc.live.reminders, svc.clock(), clock=svc.clock,
                                             stop=context.bot_data.stop)
        except StorageError as exc:
            svc.alarm.failed(exc)
            return
    if report.counts.sent or report.counts.blocked or report.counts.failed:
        log.info("delivery pass: %s", report)


async def heartbeat_job(context: Context) -> None:
    """Write the heartbeat only while getUpdates keeps succeeding (or in webhook mode), and
    write the question log (counts and unanswered questions)."""
    state = context.bot_data
    svc = state.services
    if svc.questions.pending:       # a no-op flush must not report storage as working again
        await svc.best_effort(svc.questions.flush(svc.store))
    if state.last_prune is None or time.monotonic() - state.last_prune >= PRUNE_INTERVAL:
        state.last_prune = time.monotonic()
        await svc.prune()
    recent = time.monotonic() - state.last_poll < POLL_FRESHNESS
    if recent or state.webhook:
        heartbeat_path(svc.settings).write_text(str(int(time.time())), encoding="ascii")


def _prefix(callback: str) -> str:
    """The pattern of a button's callback data: its prefix, then ':'."""
    return f"^{re.escape(callback)}:"


def add_handlers(app: App, settings: Settings) -> None:
    app.add_handler(TypeHandler(Update, handlers.flood_gate), group=-1)
    only_new = filters.UpdateType.MESSAGE
    staff = settings.handoff_chat
    if staff is not None:
        # Replies in the staff group are answers to cases (or /stang), never questions.
        app.add_handler(MessageHandler(only_new & filters.Chat(staff) & filters.REPLY,
                                       handoff.staff_reply))
        # /stang anywhere else in the staff group: how it is used. Elsewhere it is an unknown
        # command (handlers.topic, at the end).
        app.add_handler(CommandHandler(msg.CLOSE_CASE_COMMAND, handoff.close_usage,
                                       filters.Chat(staff)))
    # Free text first: most updates are questions, and python-telegram-bot tries handlers in
    # order. It cannot take a command from the handlers below (its filter excludes commands).
    # handlers.question first routes a reply to a relayed answer to its case.
    app.add_handler(MessageHandler(only_new & filters.TEXT & ~filters.COMMAND, handlers.question))
    app.add_handler(CommandHandler("start", handlers.start))
    app.add_handler(CommandHandler(list(msg.TOPIC_COMMANDS), handlers.topic))
    app.add_handler(CommandHandler(list(msg.SUBSCRIBE_COMMANDS), subscriptions.subscribe))
    app.add_handler(CommandHandler(list(msg.UNSUBSCRIBE_COMMANDS), subscriptions.unsubscribe))
    app.add_handler(CommandHandler(list(msg.CALENDAR_COMMANDS), subscriptions.calendar))
    app.add_handler(CommandHandler(list(msg.MY_DATA_COMMANDS), subscriptions.my_data))
    app.add_handler(CommandHandler(list(msg.FORGET_COMMANDS), subscriptions.forget_me))
    app.add_handler(CommandHandler("stats", admin.stats))
    app.add_handler(CommandHandler("broadcast", admin.broadcast))
    app.add_handler(CommandHandler("reload", admin.reload_knowledge))
    app.add_handler(CallbackQueryHandler(handlers.button, pattern=_prefix(handlers.CALLBACK_ANSWER)))
    app.add_handler(CallbackQueryHandler(subscriptions.action,
                                         pattern=_prefix(subscriptions.CALLBACK_ACTION)))
    app.add_handler(CallbackQueryHandler(handlers.feedback, pattern=_prefix(handlers.CALLBACK_FEEDBACK)))
    app.add_handler(CallbackQueryHandler(handlers.show_source, pattern=_prefix(handlers.CALLBACK_SOURCE)))
    app.add_handler(CallbackQueryHandler(subscriptions.forget_confirmed,
                                         pattern=_prefix(subscriptions.CALLBACK_FORGET)))
    app.add_handler(CallbackQueryHandler(admin.broadcast_confirmed,
                                         pattern=_prefix(admin.CALLBACK_BROADCAST)))
    app.add_handler(CallbackQueryHandler(handoff.button, pattern=_prefix(handoff.CALLBACK_HANDOFF)))
    app.add_handler(CallbackQueryHandler(handlers.unknown_button))
    app.add_handler(InlineQueryHandler(handlers.inline_query))
    app.add_handler(MessageHandler(only_new & filters.COMMAND, handlers.topic))   # unknown /x
    app.add_handler(MessageHandler(only_new & ~filters.TEXT & ~filters.StatusUpdate.ALL,
                                   handlers.non_text))
    app.add_error_handler(handlers.error_handler)


def build_application(settings: Settings, live: LiveEngine, store: Store | None = None,
                      clock: Clock = system_clock) -> App:
    """The Application with everything registered; the caller runs it.

    Without ``store`` the database at ``settings.db_path`` is opened in post_init (on the
    loop the Application runs on) and closed in post_shutdown. Either way post_init hands the
    BotState its Services, with the open store, before any update is handled.
    """
    if settings.token is None:
        raise ValueError("a token is required")

    async def post_init(app: App) -> None:
        opened = store if store is not None else await Store.open(
            settings.db_path, busy_timeout=settings.busy_timeout)
        app.bot_data.open(Services(live, opened, clock, settings), owns_store=store is None)
        await _set_up(app)

    builder = (ApplicationBuilder().token(settings.token.reveal())
               .context_types(ContextTypes(bot_data=BotState))
               .defaults(Defaults(parse_mode=ParseMode.HTML,
                                  link_preview_options=LinkPreviewOptions(is_disabled=True)))
               .concurrent_updates(PerChatUpdateProcessor(CONCURRENT_UPDATES))
               .request(JsonRequest(connection_pool_size=CONNECTIONS))
               .post_init(post_init)
               .post_shutdown(_post_shutdown))
    base_url, base_file_url = settings.bot_api_urls
    builder = builder.base_url(base_url).base_file_url(base_file_url)
    if settings.rate_limit:
        # PTB types the builder's rate limiter by its argument type; ours takes a dict.
        builder = builder.rate_limiter(PartnerbotRateLimiter())  # type: ignore[arg-type]
    app = builder.build()
    add_handlers(app, settings)
    return app


async def _set_up(app: App) -> None:
    """Register the command menu and descriptions, start the delivery schedule, SIGHUP reload."""
    svc = app.bot_data.services
    try:
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in msg.BOT_COMMANDS])
        await app.bot.set_my_commands([BotCommand(c, d) for c, d in msg.BOT_COMMANDS_EN],
                                      language_code="en")
    except TelegramError as exc:          # the menu is a convenience; never a reason to stop
        log.warning("could not register the command menu: %s", exc)
    try:
        for lang, long, short in (("", msg.DESCRIPTION, msg.SHORT_DESCRIPTION),
                                  ("sv", msg.DESCRIPTION, msg.SHORT_DESCRIPTION),
                                  ("en", msg.DESCRIPTION_EN, msg.SHORT_DESCRIPTION_EN)):
            await app.bot.set_my_description(long, language_code=lang or None)
            await app.bot.set_my_short_description(short, language_code=lang or None)
    except TelegramError as exc:
        log.warning("could not set the bot's description: %s", exc)
    if app.job_queue is not None:
        # A pass may outlast the interval (a big broadcast). A second instance then finds the
        # delivery lock taken and returns at once; with max_instances=1 APScheduler would log a
        # WARNING for every skipped run instead.
        app.job_queue.run_repeating(delivery_job, interval=svc.settings.delivery_interval, first=0.2,
                                    name="delivery", job_kwargs={"max_instances": 2})
        app.job_queue.run_repeating(heartbeat_job, interval=HEARTBEAT_INTERVAL, first=0.5,
                                    name="heartbeat")

    def reload_on_hup() -> None:
        result = svc.live.reload(svc.clock())
        for error in result.errors:
            log.warning("reload: %s", error)
        for warning in result.warnings:
            log.warning("reload: warning: %s", warning)

    try:
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, reload_on_hup)
    except (NotImplementedError, RuntimeError, AttributeError):   # not on this platform / thread
        log.debug("SIGHUP reload not available here")


async def _post_shutdown(app: App) -> None:
    state = app.bot_data
    if not state.is_open:                 # post_init never ran, or failed to open the store
        return
    svc = state.services
    if svc.questions.pending:
        await svc.best_effort(svc.questions.flush(svc.store))
    if state.owns_store:
        state.owns_store = False
        await svc.store.close()


def request_stop(app: App) -> None:
    """SIGTERM/SIGINT: finish the messages in flight, stop delivering, then stop receiving."""
    app.bot_data.stop.set()


async def serve(app: App, started: asyncio.Event | None = None) -> None:
    """Connect (retrying transient failures), then receive updates until stop: long polling, or
    a webhook when PARTNERBOT_WEBHOOK_URL is set. Either way an update counts as received only
    after it has been handled.

    Used by `partnerbot run` and by the end-to-end tests, so both exercise the same path.
    """
    state = app.bot_data
    stop = state.stop
    await with_retries(app.initialize, stop, "connecting to Telegram")
    try:
        if app.post_init is not None:
            await app.post_init(app)
        settings = state.services.settings
        await app.start()

        def received() -> None:
            state.last_poll = time.monotonic()

        def ready() -> None:
            if started is not None:
                started.set()

        if settings.webhook_url:
            state.webhook = True
            secret = settings.webhook_secret.reveal() if settings.webhook_secret else None
            await WebhookReceiver(app, url=settings.webhook_url, port=settings.webhook_port,
                                  secret=secret, on_update=received).run(stop, ready)
        else:
            poller = ConfirmingPoller(app, on_poll=received)
            ready()
            await poller.run(stop)
    finally:
        if app.running:
            await app.stop()
        await _post_shutdown(app)
        await app.shutdown()


def run(settings: Settings, live: LiveEngine) -> None:
    """Receive and answer updates until SIGTERM/SIGINT."""
    clock = shifted_clock(settings.pretend_now) if settings.pretend_now else system_clock
    app = build_application(settings, live, clock=clock)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, request_stop, app)
    try:
        loop.run_until_complete(serve(app))
    finally:
        loop.close()

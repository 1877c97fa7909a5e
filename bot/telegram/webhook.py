"""Webhook mode that answers Telegram's POST only after the update has been handled.

python-telegram-bot's own webhook server replies 200 as soon as an update is queued; if the
process dies before the handler runs, Telegram considers the update delivered and the question
is lost. Here the reply to Telegram waits for the handler, exactly as long polling waits with
its confirmation (bot/telegram/polling.py): after a crash Telegram sends the update again, so a question
may at worst be answered twice, never lost. Telegram redelivers an update it got no answer for;
an update that is already being handled (or was just handled) is not handled a second time.

The server is tornado (installed with python-telegram-bot's ``webhooks`` extra), plain HTTP
behind the deployment's HTTPS proxy. Requests must carry the secret token when one is set.
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections import OrderedDict
from collections.abc import Callable

import tornado.httpserver
import tornado.web
from telegram import Update
from telegram.ext import Application

from bot.telegram.polling import handle_update
from bot.telegram.retries import with_retries

log = logging.getLogger(__name__)
PATH = "telegram"
MAX_BODY = 1024 * 1024        # an update is a few KB; anything larger is not from Telegram
REMEMBERED = 2048             # update ids kept to recognise a redelivery
FINISH_TIMEOUT = 10.0         # on stop: how long handlers in flight may take to finish


class WebhookError(Exception):
    """The webhook cannot be served (e.g. its port is taken); the message says what to fix."""


class WebhookReceiver:
    """Serve ``/telegram`` on ``port``; ``run`` registers the hook and returns when ``stop``
    is set, after the updates in flight have been handled."""

    def __init__(self, app: Application, *, url: str, port: int, secret: str | None,
                 listen: str = "0.0.0.0", on_update: Callable[[], None] = lambda: None) -> None:
        self.app = app
        self.url = url.rstrip("/") + "/" + PATH
        self.port, self.listen, self.secret = port, listen, secret
        self.on_update = on_update
        self.closing = False
        self.updates: OrderedDict[int, asyncio.Task[None]] = OrderedDict()

    async def run(self, stop: asyncio.Event, started: Callable[[], None] = lambda: None) -> None:
        # Any prefix: a proxy may forward https://host/partnerbot/telegram with its path kept.
        route = (rf"/(?:.*/)?{PATH}/?", _TelegramHook, {"receiver": self})
        web = tornado.web.Application([route], log_function=lambda handler: None)
        server = tornado.httpserver.HTTPServer(web, max_body_size=MAX_BODY)
        try:
            server.listen(self.port, address=self.listen)
        except OSError as exc:
            raise WebhookError(f"cannot listen on port {self.port} for the webhook "
                               f"({exc.strerror or exc}); is another program using it?") from None
        try:
            await with_retries(lambda: self.app.bot.set_webhook(
                self.url, secret_token=self.secret, allowed_updates=Update.ALL_TYPES),
                stop, "setWebhook")
            log.info("webhook registered; listening on port %d", self.port)
            started()
            await stop.wait()
        finally:
            self.closing = True               # new posts get 503: Telegram retries them later
            server.stop()
            pending = [t for t in self.updates.values() if not t.done()]
            if pending:
                await asyncio.wait(pending, timeout=FINISH_TIMEOUT)
            await server.close_all_connections()

    async def handle(self, update: Update) -> None:
        """Handle ``update`` once, however often Telegram posts it."""
        task = self.updates.get(update.update_id)
        if task is None:
            task = asyncio.ensure_future(handle_update(self.app, update))
            self.updates[update.update_id] = task
            while len(self.updates) > REMEMBERED:
                oldest, old = next(iter(self.updates.items()))
                if not old.done():
                    break
                del self.updates[oldest]
        self.on_update()
        await asyncio.shield(task)            # a dropped connection does not cancel the handler


class _TelegramHook(tornado.web.RequestHandler):
    """POST /telegram: check the secret, parse the update, answer after handling it."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, receiver: WebhookReceiver) -> None:
        self.receiver = receiver

    async def post(self) -> None:
        receiver = self.receiver
        if receiver.secret is not None and not hmac.compare_digest(
                self.request.headers.get("X-Telegram-Bot-Api-Secret-Token", "").encode(),
                receiver.secret.encode()):
            raise tornado.web.HTTPError(403)
        if receiver.closing:
            raise tornado.web.HTTPError(503)
        try:
            data = json.loads(self.request.body)
            update = Update.de_json(data, receiver.app.bot) if isinstance(data, dict) else None
        except Exception:  # noqa: BLE001 - anything unparsable is the sender's problem
            update = None
        if update is None:
            log.warning("webhook: a request that is not a Telegram update was refused")
            raise tornado.web.HTTPError(400)
        await receiver.handle(update)
        self.set_header("Content-Type", "application/json")
        self.finish(b"{}")

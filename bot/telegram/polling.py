"""Long polling that tells Telegram an update was received only after it has been handled.

python-telegram-bot's Updater confirms a batch of updates on its next getUpdates call, before
the handlers have run; if the process is killed then (kill -9, OOM, power), the questions it
had fetched are gone for good. Here an update is confirmed (the ``offset`` moves past it) only
once its handler has finished, so after a crash Telegram delivers the unfinished ones again:
a question may at worst be answered twice, never lost. Updates from different chats are still
handled concurrently, through the Application's update processor (per-chat order kept).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import TypeVar

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError
from telegram.ext import Application

from bot.clock import sleep_unless_stopped
from bot.reminders.ratelimit import retry_after_seconds
from bot.telegram.retries import with_retries

log = logging.getLogger(__name__)
T = TypeVar("T")
LONG_POLL = 25            # seconds Telegram may hold a getUpdates open when nothing is pending
BUSY_WAIT = 1.0           # while updates are in flight: the longest wait before polling again


async def handle_update(app: Application, update: Update) -> None:
    """One update through the Application (per-chat order kept); it counts as handled even if
    that failed -- process_update already reported handler errors to the error handler."""
    try:
        await app.update_processor.process_update(update, app.process_update(update))
    except Exception:  # noqa: BLE001
        log.exception("update %s could not be processed", update.update_id)


class ConfirmingPoller:
    """Fetch, hand to the Application, confirm when done; ``run`` returns when ``stop`` is set."""

    def __init__(self, app: Application, *, on_poll: Callable[[], None] = lambda: None,
                 long_poll: int = LONG_POLL) -> None:
        self.app = app
        self.on_poll = on_poll
        self.long_poll = long_poll
        self.inflight: dict[int, asyncio.Task[None]] = {}
        self.handled: set[int] = set()        # finished, but not yet below the confirm point
        self.next_offset = 0

    async def run(self, stop: asyncio.Event) -> None:
        await with_retries(lambda: self.app.bot.delete_webhook(), stop, "deleteWebhook")
        try:
            while not stop.is_set():
                updates = await self._fetch(stop)
                if updates is None:
                    continue
                self.on_poll()
                fresh = [u for u in updates
                         if u.update_id not in self.inflight and u.update_id not in self.handled]
                for update in fresh:
                    self.next_offset = max(self.next_offset, update.update_id + 1)
                    self.inflight[update.update_id] = asyncio.create_task(self._handle(update))
                if self.inflight:
                    # Polling again now would return the same unconfirmed updates; wait until
                    # the batch is done (or a moment has passed) so each poll moves forward.
                    await asyncio.wait(self.inflight.values(), timeout=BUSY_WAIT)
                self._settle()
        finally:
            if self.inflight:                   # let the handlers in flight finish their reply
                await asyncio.wait(self.inflight.values(), timeout=10)
            self._settle()
            await self._confirm()

    def _offset(self) -> int:
        return min(self.inflight) if self.inflight else self.next_offset

    async def _fetch(self, stop: asyncio.Event) -> list[Update] | None:
        """One getUpdates; None when it failed or ``stop`` interrupted it."""
        timeout = 0 if self.inflight else self.long_poll
        call = asyncio.ensure_future(self.app.bot.get_updates(
            offset=self._offset(), timeout=timeout, allowed_updates=Update.ALL_TYPES,
            read_timeout=timeout + 10))
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({call, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if not call.done():
            call.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await call
            return None
        try:
            return list(call.result())
        except InvalidToken:
            raise
        except RetryAfter as exc:
            await self._pause(stop, retry_after_seconds(exc))
        except TelegramError as exc:            # network, 5xx, 409 Conflict
            log.warning("getUpdates failed (%s); retrying", exc)
            await self._pause(stop, 1.0)
        return None

    @staticmethod
    async def _pause(stop: asyncio.Event, seconds: float) -> None:
        await sleep_unless_stopped(asyncio.sleep, seconds, stop)

    async def _handle(self, update: Update) -> None:
        await handle_update(self.app, update)

    def _settle(self) -> None:
        for update_id, task in list(self.inflight.items()):
            if task.done():
                del self.inflight[update_id]
                self.handled.add(update_id)
        low = self._offset()
        self.handled = {i for i in self.handled if i >= low}

    async def _confirm(self) -> None:
        """On shutdown: tell Telegram about everything handled, so nothing is answered twice."""
        offset = self._offset()
        if offset:
            with contextlib.suppress(TelegramError, asyncio.TimeoutError):
                await asyncio.wait_for(self.app.bot.get_updates(offset=offset, timeout=0,
                                                                allowed_updates=Update.ALL_TYPES), 5)

"""Everything a handler needs, in one object kept in ``application.bot_data``."""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from telegram import Bot
from telegram.ext import ContextTypes

from bot.brain import Brain
from bot.clock import Clock, local_day
from bot.config import Settings
from bot.telegram.flood import FloodGuard
from bot.reminders.delivery import Sender
from bot.reminders.ratelimit import BULK_SEND
from bot.storage import Store, StorageError

log = logging.getLogger(__name__)
T = TypeVar("T")
KEY = "services"


class StorageAlarm:
    """Logs a storage failure once, not once per message, and notes when it recovers."""

    def __init__(self) -> None:
        self.failing: str | None = None

    def failed(self, exc: StorageError) -> None:
        kind = type(exc).__name__
        if self.failing != kind:
            log.error("storage is failing (%s): %s; answering questions continues", kind, exc)
            self.failing = kind

    def ok(self) -> None:
        if self.failing:
            log.info("storage works again")
            self.failing = None


class QuestionLog:
    """Questions per day and the texts of unanswered ones, kept in memory, written in batches.

    A database write on the reply path costs more than the answer itself (bench/conversation.py:
    a write for every sixth question took 0.03 off the reply rate ratio), and both are curator
    statistics: the heartbeat job writes them every few seconds in one transaction, /stats and
    shutdown write them at once, and a backlog of FLUSH_AT unanswered questions is written
    right away. A crash (kill -9) may lose the last seconds of them, never an answer.
    """

    FLUSH_AT = 100
    MAX_PENDING = 10_000          # while the database is failing: drop the oldest beyond this

    def __init__(self) -> None:
        self.counts: dict[date, tuple[datetime, int]] = {}
        self.unanswered: deque[tuple[str, datetime]] = deque(maxlen=self.MAX_PENDING)

    def add(self, now: datetime, unanswered: str | None = None) -> None:
        """Count one question; ``unanswered`` is its text when the engine had no answer."""
        day = local_day(now)
        _, count = self.counts.get(day, (now, 0))
        self.counts[day] = (now, count + 1)
        if unanswered is not None and unanswered.strip():
            self.unanswered.append((unanswered, now))

    @property
    def pending(self) -> bool:
        return bool(self.counts or self.unanswered)

    def unsaved(self, day: date) -> int:
        return self.counts.get(day, (None, 0))[1]

    @property
    def backlog(self) -> bool:
        return len(self.unanswered) >= self.FLUSH_AT

    async def flush(self, store: Store) -> None:
        """Write everything pending; on failure keep it for the next try and raise."""
        counts, self.counts = self.counts, {}
        unanswered, self.unanswered = self.unanswered, deque(maxlen=self.MAX_PENDING)
        if not counts and not unanswered:
            return
        try:
            await store.record_questions(list(counts.values()), list(unanswered))
        except BaseException:                     # also cancellation or an unmapped error
            for day, (when, count) in counts.items():
                self.counts[day] = (when, count + self.unsaved(day))
            unanswered.extend(self.unanswered)        # newer ones after the older ones
            self.unanswered = unanswered
            raise


@dataclass
class Services:
    brain: Brain
    store: Store          # opened by the caller, or in post_init
    clock: Clock
    settings: Settings
    flood: FloodGuard = field(default_factory=FloodGuard)
    alarm: StorageAlarm = field(default_factory=StorageAlarm)
    questions: QuestionLog = field(default_factory=QuestionLog)
    # One delivery pass at a time in this process (the scheduled job or an admin broadcast).
    delivery_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def best_effort(self, operation: Awaitable[T]) -> T | None:
        """Run a store call whose failure must not stop the reply (counters, logs)."""
        try:
            result = await operation
        except StorageError as exc:
            self.alarm.failed(exc)
            return None
        self.alarm.ok()
        return result


def sender(bot: Bot) -> Sender:
    """How deliveries send one already-formatted text to one chat.

    Marked BULK for the bot's rate limiter, so that replies to people asking questions take
    the shared 29/s window ahead of reminder and broadcast sends.
    """
    bulk = {"rate_limit_args": BULK_SEND} if getattr(bot, "rate_limiter", None) else {}

    async def send(chat_id: int, text: str) -> None:
        await bot.send_message(chat_id, text, **bulk)
    return send


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[KEY]

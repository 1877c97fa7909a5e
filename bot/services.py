"""Everything a handler needs, in one object kept in ``application.bot_data``."""
from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from telegram.ext import ContextTypes

from bot.brain import Brain
from bot.clock import Clock, local_day
from bot.config import Settings
from bot.flood import FloodGuard
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


class QuestionCounter:
    """Questions per day, counted in memory and written in batches.

    A write per question would put the database on every reply's path; the count is a
    statistic, so a crash may lose the last few seconds of it, never an answer.
    """

    def __init__(self) -> None:
        self.pending: dict[date, tuple[datetime, int]] = {}

    def add(self, now: datetime) -> None:
        day = local_day(now)
        _, count = self.pending.get(day, (now, 0))
        self.pending[day] = (now, count + 1)

    def unsaved(self, day: date) -> int:
        return self.pending.get(day, (None, 0))[1]

    async def flush(self, store: Store) -> None:
        pending, self.pending = self.pending, {}
        for day, (when, count) in pending.items():
            try:
                await store.record_question(when, count)
            except StorageError:
                self.pending[day] = (when, count + self.unsaved(day))   # try again next time
                raise


@dataclass
class Services:
    brain: Brain
    store: Store          # opened by the caller, or in post_init
    clock: Clock
    settings: Settings
    flood: FloodGuard = field(default_factory=FloodGuard)
    alarm: StorageAlarm = field(default_factory=StorageAlarm)
    questions: QuestionCounter = field(default_factory=QuestionCounter)

    async def best_effort(self, operation: Awaitable[T]) -> T | None:
        """Run a store call whose failure must not stop the reply (counters, logs)."""
        try:
            result = await operation
        except StorageError as exc:
            self.alarm.failed(exc)
            return None
        self.alarm.ok()
        return result


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data[KEY]

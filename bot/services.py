"""Everything a handler needs, in one object kept in ``application.bot_data``."""
from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TypeVar

from telegram.ext import ContextTypes

from bot.brain import Brain
from bot.clock import Clock
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


@dataclass
class Services:
    brain: Brain
    store: Store          # opened by the caller, or in post_init
    clock: Clock
    settings: Settings
    flood: FloodGuard = field(default_factory=FloodGuard)
    alarm: StorageAlarm = field(default_factory=StorageAlarm)

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

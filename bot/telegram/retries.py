"""Retrying a Bot API call through Telegram's transient failures (5xx, network, flood waits).

Used wherever the bot talks to Telegram outside a handler's own reply path: replies, startup
calls, getUpdates, the webhook, relayed case answers.
"""
from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter

from bot.clock import sleep_unless_stopped
from bot.reminders.ratelimit import retry_after_seconds

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_BACKOFF = 30.0


async def with_retries(call: Callable[[], Awaitable[T]], stop: asyncio.Event | None, what: str,
                       attempts: int | None = None) -> T:
    """Retry transient Telegram failures (5xx, network, flood waits) until ``stop``.

    With ``attempts`` the last failure is raised after that many tries; 4xx errors other than
    429 are never retried (they would fail again the same way).
    """
    delay = 0.5
    for attempt in itertools.count(1):
        try:
            return await call()
        except InvalidToken:
            raise
        except (RetryAfter, NetworkError, Conflict) as exc:  # NetworkError: 5xx and timeouts
            if attempts is not None and attempt >= attempts:
                raise
            if isinstance(exc, RetryAfter):
                wait = retry_after_seconds(exc)
            else:
                wait, delay = delay, min(delay * 2, MAX_BACKOFF)
            log.warning("%s failed (%s); retrying in %.1f s", what, exc, wait)
        if stop is not None and stop.is_set():
            raise asyncio.CancelledError
        await sleep_unless_stopped(asyncio.sleep, wait, stop)
    raise AssertionError("unreachable")

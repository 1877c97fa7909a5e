"""Strict sliding-window rate limiting for everything Partnerbot sends to Telegram.

Telegram's documented flood limits: about 30 messages per second overall, about 1 message per
second in one private chat, 20 messages per minute in one group.

Why not PTB's AIORateLimiter: it is built on aiolimiter, a leaky bucket. A leaky bucket with
max_rate=30 per second starts full, so it admits a burst of 30 at once and then drains at
30/s; an arbitrary one-second window can therefore see close to 2x the cap (the burst plus the
refill). Telegram answers that with 429 RetryAfter. A sliding window guarantees the cap for
EVERY window of `period` seconds, which is what the limit actually says.

Why 29 and not 30 per second: our window is measured where we start a request, Telegram counts
where the request arrives. Network jitter can move two requests that left us just over a
second apart to arrive just under a second apart, so we leave one message of margin.
"""
from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
import warnings
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.clock import Sleep, sleep_unless_stopped

__all__ = [
    "BULK",
    "BULK_SEND",
    "REPLY",
    "PartnerbotRateLimiter",
    "SendArgs",
    "PerKeyLimiter",
    "SlidingWindowLimiter",
    "is_message_endpoint",
    "retry_after_seconds",
    "sleep_unless_stopped",
]

log = logging.getLogger(__name__)


# Who goes first when several requests wait for the same window: answers to people, then bulk
# deliveries (reminders, broadcasts). Lower goes first.
REPLY, BULK = 0, 1


@dataclass(frozen=True)
class SendArgs:
    """`rate_limit_args` for one request: its priority and, optionally, its own RetryAfter
    retry limit (a bare int still means just the retry limit, like AIORateLimiter)."""

    priority: int = REPLY
    max_retries: int | None = None


BULK_SEND = SendArgs(priority=BULK)


class SlidingWindowLimiter:
    """At most `max_calls` acquisitions in ANY half-open window of `period` seconds.

    Keeps, for the last `max_calls` acquisitions, the instant each leaves the window; a
    caller that finds the window full sleeps until the oldest one has left. Waiters are served
    by priority (lower first: REPLY before BULK), then in arrival order, so a reply asked during
    a broadcast takes the next free slot instead of queueing behind the broadcast's senders.
    Only the waiter at the head of the line sleeps on the clock; the others wait to be told
    the line moved. `clock`/`sleep` are injectable for tests.

    even=True also keeps acquisitions at least period/max_calls apart (1/29 s), i.e. never
    a burst. Why: our window counts where a request starts, Telegram counts where it
    arrives, and the time in between varies by a few milliseconds (JSON, HTTP write, a busy
    event loop; more with several requests in flight). If two requests start at the same
    instant, the one message of margin (29 vs 30) is worth nothing: a few milliseconds of
    jitter put 31 arrivals into one second (measured at the stand-in: 7-8 x 429 in a
    300-message pass with replies mixed in). Evenly spaced, jitter has to exceed 1/29 s.
    """

    def __init__(
        self,
        max_calls: int,
        period: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        even: bool = False,
    ) -> None:
        if max_calls < 1 or period <= 0:
            raise ValueError(f"need max_calls >= 1 and period > 0, got {max_calls}/{period}")
        self.max_calls = max_calls
        self.period = period
        self.gap = period / max_calls if even else 0.0
        self._last = float("-inf")
        self._clock = clock
        self._sleep = sleep
        self._frees: deque[float] = deque()
        self._line: list[tuple[int, int]] = []        # heap of (priority, arrival number)
        self._arrivals = itertools.count()
        self._moved: asyncio.Event | None = None      # set (and replaced) when the line moves

    def _expire(self, now: float) -> None:
        # We keep the instant each slot frees up (stamp + period): comparing and sleeping on
        # that exact value avoids float drift (stamp + period - now) that could spin forever.
        while self._frees and self._frees[0] <= now:
            self._frees.popleft()

    def idle(self) -> bool:
        """True if the window is empty and nobody is waiting (safe to discard)."""
        self._expire(self._clock())
        return not self._frees and not self._line

    def waiting(self) -> int:
        """How many callers are waiting for a slot."""
        return len(self._line)

    def _line_moved(self) -> None:
        if self._moved is not None:
            self._moved.set()
            self._moved = None

    async def acquire(self, priority: int = 0) -> None:
        """Take a slot; `priority` orders waiters (lower first), ties in arrival order."""
        me = (priority, next(self._arrivals))
        heapq.heappush(self._line, me)
        taken = False
        try:
            while True:
                if self._line[0] != me:
                    if self._moved is None:
                        self._moved = asyncio.Event()
                    await self._moved.wait()
                    continue
                now = self._clock()
                self._expire(now)
                spaced = self._last + self.gap
                if len(self._frees) < self.max_calls and spaced <= now:
                    self._frees.append(now + self.period)
                    self._last = now
                    heapq.heappop(self._line)
                    taken = True
                    return
                # The loop re-checks: event-loop timers may fire a hair early, and a caller
                # of higher priority may have arrived meanwhile.
                free = self._frees[0] if len(self._frees) >= self.max_calls else now
                await self._sleep(max(free, spaced) - now)
        finally:
            if not taken:                             # cancelled while waiting
                self._line.remove(me)
                heapq.heapify(self._line)
            self._line_moved()

    def restamp(self) -> None:
        """Count the latest acquisition from now instead (it waited for another limiter since
        it took its slot, and what counts is when the request goes out)."""
        if self._frees:
            self._frees[-1] = max(self._frees[-1], self._clock() + self.period)

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc: object) -> None:
        return None


class PerKeyLimiter:
    """One SlidingWindowLimiter per key (e.g. per chat); keys never delay each other."""

    def __init__(
        self,
        max_calls: int,
        period: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        prune_above: int = 1024,
    ) -> None:
        SlidingWindowLimiter(max_calls, period)  # validate early
        self.max_calls, self.period = max_calls, period
        self._clock, self._sleep = clock, sleep
        self._prune_above = prune_above
        self._limiters: dict[object, SlidingWindowLimiter] = {}

    def __len__(self) -> int:
        return len(self._limiters)

    def _get(self, key: object) -> SlidingWindowLimiter:
        limiter = self._limiters.get(key)
        if limiter is None:
            if len(self._limiters) >= self._prune_above:
                for old in [k for k, lim in self._limiters.items() if lim.idle()]:
                    del self._limiters[old]
            limiter = SlidingWindowLimiter(self.max_calls, self.period, self._clock, self._sleep)
            self._limiters[key] = limiter
        return limiter

    async def acquire(self, key: object) -> None:
        await self._get(key).acquire()

    def restamp(self, key: object) -> None:
        """See SlidingWindowLimiter.restamp."""
        limiter = self._limiters.get(key)
        if limiter is not None:
            limiter.restamp()


def retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after as float seconds (it is an int or a timedelta depending on
    PTB_TIMEDELTA; reading it as int emits a deprecation warning we do not care about)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


_NOT_MESSAGES = frozenset({"sendChatAction"})
_MESSAGE_PREFIXES = ("send", "copyMessage", "forwardMessage", "editMessage", "stopPoll")


def is_message_endpoint(endpoint: str) -> bool:
    """Requests that put (or change) a message in a chat and so count against flood limits.

    getUpdates, answerCallbackQuery, answerInlineQuery, getMe, deleteMessage, ... do not.
    """
    return endpoint.startswith(_MESSAGE_PREFIXES) and endpoint not in _NOT_MESSAGES


class PartnerbotRateLimiter(BaseRateLimiter["int | SendArgs"]):
    """PTB rate limiter: strict sliding windows, overall and per chat, with RetryAfter retries.

    For every message-sending request (see is_message_endpoint):
      1. the per-chat window for data["chat_id"]: private chats (positive ids) 1 per second;
         groups/channels (negative ids or "@name") 1 per second and 20 per minute;
      2. then the overall window, 29 per second and evenly spaced, 1/29 s apart (see
         SlidingWindowLimiter's `even`; paid broadcasts: their own 1000/s window); requests
         marked BULK (rate_limit_args=BULK_SEND: reminders, broadcasts) wait behind every
         other message there, so a reply is never queued behind a broadcast's senders;
      3. if Telegram still answers RetryAfter, ALL requests pause for retry_after (+0.1 s) and
         this one is retried, at most `max_retries` times (rate_limit_args overrides this,
         like AIORateLimiter); then the RetryAfter is raised to the caller.
    Other requests (getUpdates, answerCallbackQuery, ...) pass straight through, but still
    respect a RetryAfter pause.
    """

    def __init__(
        self,
        overall_max_rate: int = 29,
        overall_time_period: float = 1.0,
        private_max_rate: int = 1,
        private_time_period: float = 1.0,
        group_max_rate: int = 20,
        group_time_period: float = 60.0,
        max_retries: int = 3,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._clock, self._sleep = clock, sleep
        self._overall = SlidingWindowLimiter(overall_max_rate, overall_time_period, clock, sleep,
                                             even=True)
        self._paid = SlidingWindowLimiter(1000, 1.0, clock, sleep)
        self._per_chat = PerKeyLimiter(private_max_rate, private_time_period, clock, sleep)
        self._per_group = PerKeyLimiter(group_max_rate, group_time_period, clock, sleep)
        self._max_retries = max_retries
        self._paused_until = 0.0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def _wait_out_pause(self) -> None:
        while (delay := self._paused_until - self._clock()) > 0:
            await self._sleep(delay)

    async def _throttle(self, endpoint: str, data: dict[str, Any], priority: int) -> None:
        if not is_message_endpoint(endpoint):
            return
        chat_id: Any = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)
        if chat_id is not None:
            await self._per_chat.acquire(chat_id)
            if isinstance(chat_id, str) or chat_id < 0:
                await self._per_group.acquire(chat_id)
        # Overall slot last, so waiting for one chat never holds a slot others could use.
        await (self._paid if data.get("allow_paid_broadcast") else self._overall).acquire(priority)
        if chat_id is not None:          # the chat's windows count from now, when it goes out
            self._per_chat.restamp(chat_id)
            if isinstance(chat_id, str) or chat_id < 0:
                self._per_group.restamp(chat_id)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | SendArgs | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        options = (rate_limit_args if isinstance(rate_limit_args, SendArgs)
                   else SendArgs(max_retries=rate_limit_args))
        max_retries = self._max_retries if options.max_retries is None else options.max_retries
        attempt = 0
        while True:
            await self._wait_out_pause()
            await self._throttle(endpoint, data, options.priority)
            if self._paused_until > self._clock():
                continue          # a 429 came in while we waited for a slot: wait it out too
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt >= max_retries:
                    log.warning("%s: flood limit still hit after %d retries", endpoint, attempt)
                    raise
                attempt += 1
                wait = retry_after_seconds(exc) + 0.1
                log.info("%s: flood limit hit, pausing all requests for %.1f s", endpoint, wait)
                self._paused_until = max(self._paused_until, self._clock() + wait)

"""Injected faults of the Bot API stand-in: errors, dropped connections, blocks, rate caps.

A mixin of `StandIn` (standin/server.py), whose __init__ holds the state used here.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Iterable

from standin.records import BLOCKED, SEND_METHODS, RateViolation, _DEFAULT_DESCRIPTIONS
from standin.wire import ApiError, chat_key


class FaultsMixin:
    """Faults tests switch on (thread-safe), and the checks the request path runs."""

    # ------------------------------------------------------------------ faults (thread-safe)
    def block_chat(self, chat_id: int | str) -> None:
        """Sends/edits to `chat_id` get 403 "Forbidden: bot was blocked by the user"."""
        with self._lock:
            self._blocked.add(chat_key(chat_id))  # type: ignore[arg-type]

    def unblock_chat(self, chat_id: int | str) -> None:
        with self._lock:
            self._blocked.discard(chat_key(chat_id))  # type: ignore[arg-type]

    def fail_next(self, method: str, code: int = 500, count: int = 1, *,
                  description: str | None = None, retry_after: int = 1) -> None:
        """The next `count` calls of `method` ("*" = any but getUpdates) fail with `code`."""
        if code == 429:
            error = ApiError(429, description or f"Too Many Requests: retry after {retry_after}",
                             retry_after)
        else:
            error = ApiError(code, description or _DEFAULT_DESCRIPTIONS.get(code)
                             or f"Error {code}")
        with self._lock:
            self._fail_next.setdefault(method, deque()).extend([error] * count)

    def set_random_faults(self, rate_500: float = 0.02, rate_429: float = 0.01,
                          retry_after: int = 1, seed: int | None = None,
                          methods: Iterable[str] | None = None) -> None:
        """Random 500/429 answers; methods=None means every method except getUpdates."""
        with self._lock:
            self._rate_500, self._rate_429 = rate_500, rate_429
            self._random_retry_after = retry_after
            self._rng = random.Random(seed)
            self._random_methods = frozenset(methods) if methods is not None else None

    def set_delay(self, seconds: float, methods: Iterable[str] | None = None) -> None:
        """Answer after `seconds`; methods=None means every method except getUpdates."""
        with self._lock:
            self._delay = seconds
            self._delay_methods = frozenset(methods) if methods is not None else None

    def enforce_rate_limit(self, max_per_second: int | None = 30,
                           per_chat_per_second: int | None = None) -> None:
        """429 (retry_after=1) for sends over the limits in a sliding one-second window."""
        with self._lock:
            self._max_per_second, self._per_chat_per_second = max_per_second, per_chat_per_second

    def drop_connection_next(self, method: str, *, count: int = 1,
                             after_processing: bool = False) -> None:
        """Close the socket instead of answering the next `count` calls of `method`.

        after_processing=True performs the call first (e.g. the message is sent) and then
        drops the answer, like a reply lost on the network.
        """
        with self._lock:
            self._drop_next.setdefault(method, deque()).extend([after_processing] * count)

    # ------------------------------------------------------------------ checks (under the lock)
    @staticmethod
    def _applies(methods: frozenset[str] | None, method: str) -> bool:
        return method != "getUpdates" if methods is None else method in methods

    def _take_drop(self, method: str, after_processing: bool) -> bool:
        """Consume a pending connection drop of the given kind for `method`, if any."""
        for key in (method, "*"):
            queue = self._drop_next.get(key)
            if queue and (key != "*" or method != "getUpdates"):
                if queue[0] is after_processing:
                    queue.popleft()
                    return True
                return False
        return False

    def _inject_fault(self, method: str) -> None:
        for key in (method, "*"):
            queue = self._fail_next.get(key)
            if queue and (key != "*" or method != "getUpdates"):
                raise queue.popleft()
        if self._applies(self._random_methods, method) and (self._rate_500 or self._rate_429):
            roll = self._rng.random()
            if roll < self._rate_500:
                raise ApiError(500, "Internal Server Error")
            if roll < self._rate_500 + self._rate_429:
                retry = self._random_retry_after
                raise ApiError(429, f"Too Many Requests: retry after {retry}", retry)

    def _check_blocked(self, chat_id: int | str) -> None:
        if chat_id in self._blocked:
            if isinstance(chat_id, int) and chat_id < 0:
                raise ApiError(403, "Forbidden: bot was kicked from the group chat")
            raise ApiError(403, BLOCKED)

    def _check_rate(self, method: str, chat_id: int | str) -> None:
        if self._max_per_second is None and self._per_chat_per_second is None:
            return          # no limits set: not worth a scan of the last 2,000 sends per request
        now = time.monotonic()
        recent = [s for s in self._sent[-2000:] if s.method in SEND_METHODS and now - s.ts < 1.0]
        scope = None
        if self._max_per_second is not None and len(recent) >= self._max_per_second:
            scope = "global"
        elif (self._per_chat_per_second is not None and sum(
                1 for s in recent if s.chat_id == chat_id) >= self._per_chat_per_second):
            scope = "chat"
        if scope is not None:
            self._rate_violations.append(RateViolation(now, method, chat_id, scope))
            raise ApiError(429, "Too Many Requests: retry after 1", 1)

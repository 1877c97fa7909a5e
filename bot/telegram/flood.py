"""Per-chat flood control: more than ~20 messages a minute earns one "slow down" reply."""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum


class Verdict(Enum):
    OK = "ok"
    WARN = "warn"      # first message over the limit: tell the user once
    DROP = "drop"      # still over the limit: ignore silently


class FloodGuard:
    """Sliding window per chat; the memory per chat is bounded by ``limit``."""

    def __init__(self, limit: int = 20, window: float = 60.0, pause: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.pause, self.clock = limit, window, pause, clock
        self._seen: dict[int, deque[float]] = {}
        self._muted_until: dict[int, float] = {}

    def check(self, chat_id: int) -> Verdict:
        now = self.clock()
        if self._muted_until.get(chat_id, 0.0) > now:
            return Verdict.DROP
        times = self._seen.setdefault(chat_id, deque(maxlen=self.limit + 1))
        while times and now - times[0] > self.window:
            times.popleft()
        times.append(now)
        if len(times) > self.limit:
            self._muted_until[chat_id] = now + self.pause
            times.clear()
            return Verdict.WARN
        if len(self._seen) > 50_000:
            self._forget_idle(now)
        return Verdict.OK

    def _forget_idle(self, now: float) -> None:
        for chat_id in [c for c, t in self._seen.items() if not t or now - t[-1] > self.window]:
            self._seen.pop(chat_id, None)
        for chat_id in [c for c, until in self._muted_until.items() if until <= now]:
            self._muted_until.pop(chat_id, None)

"""Flood control per private chat, or per person in a group: more messages to the bot than a
person types earns one "slow down" reply and a pause, after which the next one is answered.

The limit: 40 messages in 60 seconds. A person typing fast sends a question every 5-10 seconds
(6-12 a minute), and even tapping commands from the menu as fast as the answers arrive stays
near 20; only a script or a stuck client sends 40. Button presses are not counted."""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable
from enum import Enum


class Verdict(Enum):
    OK = "ok"
    WARN = "warn"      # first message over the limit: tell the user once
    DROP = "drop"      # still over the limit: ignore silently


class FloodGuard:
    """Sliding window per chat; the memory per chat is bounded by ``limit``."""

    def __init__(self, limit: int = 40, window: float = 60.0, pause: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.pause, self.clock = limit, window, pause, clock
        self._seen: dict[Hashable, deque[float]] = {}
        self._muted_until: dict[Hashable, float] = {}

    def check(self, chat_id: Hashable) -> Verdict:
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

"""What tests read from the Bot API stand-in: recorded calls and sends, and waiting for them.

A mixin of `StandIn` (standin/server.py), whose __init__ holds the state used here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

from standin.records import SEND_METHODS, Call, RateViolation, Sent
from standin.wire import chat_key

T = TypeVar("T")


class InspectionMixin:
    """Recorded calls, sends and answers (copies, thread-safe) and wait helpers."""

    # ------------------------------------------------------------------ inspection
    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    @property
    def sent(self) -> list[Sent]:
        with self._lock:
            return list(self._sent)

    @property
    def callback_answers(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._callback_answers)

    @property
    def inline_answers(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._inline_answers)

    @property
    def rate_violations(self) -> list[RateViolation]:
        with self._lock:
            return list(self._rate_violations)

    @property
    def pushed_updates(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._pushed)

    def commands(self, scope: dict[str, Any] | None = None, language_code: str = "") -> list[Any]:
        with self._lock:
            return list(self._commands.get(self._commands_key(
                {"scope": scope, "language_code": language_code}), []))

    @property
    def menu_buttons(self) -> dict[int | str | None, dict[str, Any]]:
        with self._lock:
            return dict(self._menu_buttons)

    def messages_to(self, chat_id: int | str) -> list[Sent]:
        """Accepted sendMessage/sendDocument calls to `chat_id`, oldest first."""
        key = chat_key(chat_id)
        with self._lock:
            return [s for s in self._sent if s.method in SEND_METHODS and s.chat_id == key]

    def updates_confirmed(self) -> int:
        """The highest getUpdates offset received: every update_id below it is confirmed."""
        with self._lock:
            return self._confirmed

    def pending_updates(self) -> int:
        with self._lock:
            return len(self._queue)

    def max_in_any_window(self, seconds: float = 1.0, chat_id: int | str | None = None) -> int:
        """Most accepted sends (sendMessage/sendDocument) inside any window of `seconds`."""
        key = chat_key(chat_id)
        with self._lock:
            times = sorted(s.ts for s in self._sent if s.method in SEND_METHODS
                           and (key is None or s.chat_id == key))
        best, start = 0, 0
        for end, ts in enumerate(times):
            while ts - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    def clear_records(self) -> None:
        """Forget recorded calls, sends, answers and violations (state and faults stay)."""
        with self._lock:
            self._calls.clear()
            self._sent.clear()
            self._callback_answers.clear()
            self._inline_answers.clear()
            self._rate_violations.clear()

    # ------------------------------------------------------------------ waiting helpers
    async def wait_for(self, predicate: Callable[[], T], timeout: float = 5.0,
                       interval: float = 0.01) -> T:
        """Poll `predicate()` until truthy; return its value or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout}s; {self._recent()}")
            await asyncio.sleep(interval)
        return value

    def wait_for_sync(self, predicate: Callable[[], T], timeout: float = 5.0,
                      interval: float = 0.01) -> T:
        """Blocking variant of wait_for (not from the stand-in's own loop thread)."""
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not None and running is self._loop:
            raise RuntimeError("wait_for_sync would block the stand-in's loop; use wait_for")
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout}s; {self._recent()}")
            time.sleep(interval)
        return value

    async def wait_messages(self, chat_id: int | str, n: int = 1,
                            timeout: float = 5.0) -> list[Sent]:
        """Wait until at least `n` messages were sent to `chat_id`; return them all."""
        return await self.wait_for(
            lambda: (msgs if len(msgs := self.messages_to(chat_id)) >= n else None), timeout)

    def wait_messages_sync(self, chat_id: int | str, n: int = 1,
                           timeout: float = 5.0) -> list[Sent]:
        return self.wait_for_sync(
            lambda: (msgs if len(msgs := self.messages_to(chat_id)) >= n else None), timeout)

    def _recent(self) -> str:
        calls = [c for c in self.calls if c.method != "getUpdates"][-5:]
        return "last calls: " + (", ".join(f"{c.method}->{c.status}" for c in calls) or "none")

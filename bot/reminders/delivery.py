"""Recorded, resumable delivery of one text to many chats: reminders and admin broadcasts.

Both kinds go through `deliver`, so they share the guarantees:

* Exactly-once per chat and key in normal operation: every message is `claim`ed (row
  'pending') before it is sent and `finish`ed ('sent'/'blocked'/'failed') after; a later pass
  only visits chats without a 'sent'/'blocked' row.
* At most ONE duplicate after a crash: messages are sent strictly one after another, so when
  the process dies at most one row can be 'pending' with the message possibly delivered.
  The next pass re-sends exactly that one. (Sending concurrently would leave up to
  "concurrency" such rows.) Two passes must not run at the same time on one database (both
  would re-claim the same 'pending'/'failed' rows): callers hold `bot.reminders.lease.exclusive_pass`.
* Pacing: inside `partnerbot run` the Bot carries PartnerbotRateLimiter, which paces every
  request, so pass `limiter=None` (the default). The `partnerbot send-reminders` CLI may use a
  bare telegram.Bot without a rate limiter; it passes `limiter=SlidingWindowLimiter(29, 1.0)`
  and deliver acquires it before every send attempt. Using both is harmless, only slower.

The Sender receives text that is ALREADY formatted for its parse mode (HTML): reminder texts
are escaped here, broadcast texts are sent exactly as the admin layer stored them.
"""
from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import astuple, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from telegram.error import (BadRequest, ChatMigrated, EndPointNotFound, Forbidden, InvalidToken,
                            NetworkError, RetryAfter, TelegramError)

from bot.reminders.ratelimit import SlidingWindowLimiter, retry_after_seconds, sleep_unless_stopped
from bot.reminders.schedule import Reminder, ReminderConfig, due_reminder

__all__ = ["DeliveryReport", "PassReport", "Sender", "broadcast_key", "broadcast_report", "deliver",
           "delivery_pass", "resume_broadcasts", "send_due_reminders",
           "start_broadcast"]

_LOG = logging.getLogger(__name__)

Sender = Callable[[int, str], Awaitable[None]]
TextFor = Callable[["Recipient"], str]
Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[Any]]

# A broadcast whose failed recipients still fail this long after it was created is closed.
BROADCAST_RETRY_WINDOW = timedelta(days=3)


@dataclass(frozen=True)
class Recipient:
    """Who a text is for: enough to choose its language without another query."""

    chat_id: int
    language: str


@dataclass
class DeliveryReport:
    sent: int = 0
    skipped: int = 0
    blocked: int = 0
    failed: int = 0

    def merge(self, other: DeliveryReport) -> DeliveryReport:
        """A new report with both reports' counts added up."""
        return DeliveryReport(*(a + b for a, b in zip(astuple(self), astuple(other))))

    __add__ = merge

    def __str__(self) -> str:
        return f"sent {self.sent}, skipped {self.skipped}, blocked {self.blocked}, failed {self.failed}"


@dataclass
class PassReport:
    reminder_key: str | None
    reminder: DeliveryReport = field(default_factory=DeliveryReport)
    broadcasts: DeliveryReport = field(default_factory=DeliveryReport)
    broadcast_ids: tuple[int, ...] = ()

    @property
    def counts(self) -> DeliveryReport:
        return self.reminder.merge(self.broadcasts)

    def __str__(self) -> str:
        head = f"reminder {self.reminder_key}: {self.reminder}" if self.reminder_key else "no reminder due"
        if self.broadcast_ids:
            ids = ",".join(str(i) for i in self.broadcast_ids)
            head += f"; broadcasts {ids}: {self.broadcasts}"
        return head


class _FloodAbort(Exception):
    """Telegram asked us to wait longer than the remaining RetryAfter budget."""


async def deliver(
    store: Any, send: Sender, key: str, text_for: TextFor | str, *, now: Clock,
    subscribed_before: datetime | None = None, max_attempts: int = 5, backoff: float = 0.5,
    max_backoff: float = 30.0, max_retry_wait: float = 600.0, sleep: Sleep = asyncio.sleep,
    stop: asyncio.Event | None = None, limiter: SlidingWindowLimiter | None = None,
) -> DeliveryReport:
    """Send `key`'s message once to every active subscriber who has not had it yet.

    `text_for` is the text itself or a function of the Subscriber (language). `now()` stamps
    the delivery rows. Outcome per chat:
      sent    - delivered;
      blocked - Forbidden (the user blocked the bot) or "chat not found": subscriber deactivated;
      failed  - NetworkError/TimedOut/5xx still failing after `max_attempts` tries with
                exponential backoff (backoff * 2**i, capped at max_backoff), or another
                BadRequest; a later pass retries it;
      skipped - someone else already finished it (claim refused).
    A TimedOut may hide a delivered message; retrying it risks a duplicate, which we accept
    (a reminder missed is worse than one repeated).
    RetryAfter: wait retry_after and resend the same message; this is not an attempt, but all
    RetryAfter waiting in one call is bounded by `max_retry_wait` seconds: when a wait would
    exceed it, the message is marked failed and the call returns (the rest waits for the next
    pass). When `stop` is set the current message is finished and the call returns.
    InvalidToken/EndPointNotFound abort the whole call (nothing else could succeed).
    """
    report = DeliveryReport()
    budget = [max_retry_wait]
    async with contextlib.aclosing(store.recipient_languages(key, subscribed_before)) as recipients:
        async for chat_id, language in recipients:
            if stop is not None and stop.is_set():
                break
            if not await store.claim(chat_id, key, now()):
                report.skipped += 1
                continue
            text = text_for if isinstance(text_for, str) else text_for(Recipient(chat_id, language))
            try:
                status = await _send_one(
                    store, send, chat_id, text, now=now, max_attempts=max_attempts,
                    backoff=backoff, max_backoff=max_backoff, budget=budget, sleep=sleep,
                    stop=stop, limiter=limiter,
                )
            except _FloodAbort:
                await store.finish(chat_id, key, "failed", now())
                report.failed += 1
                _LOG.warning("%s: Telegram flood wait exceeds %.0f s; stopping this pass",
                             key, max_retry_wait)
                break
            except (InvalidToken, EndPointNotFound):
                await store.finish(chat_id, key, "failed", now())
                raise
            await store.finish(chat_id, key, status, now())
            setattr(report, status, getattr(report, status) + 1)
    return report


async def _send_one(
    store: Any, send: Sender, chat_id: int, text: str, *, now: Clock, max_attempts: int,
    backoff: float, max_backoff: float, budget: list[float],
    sleep: Sleep, stop: asyncio.Event | None, limiter: SlidingWindowLimiter | None,
) -> str:
    """Send one message with retries; return the status to record."""
    failures = 0
    while True:
        if limiter is not None:
            await limiter.acquire()
        try:
            await send(chat_id, text)
            return "sent"
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            if wait > budget[0]:
                raise _FloodAbort from exc
            budget[0] -= wait
            _LOG.info("chat %s: flood limit, waiting %.1f s", chat_id, wait)
            await sleep_unless_stopped(sleep, wait, stop)
        except Forbidden:
            await store.deactivate(chat_id, now())
            return "blocked"
        except ChatMigrated as exc:
            # A group became a supergroup: the old id is dead. Keep the subscription under
            # the new id (it will get the next message, not this one).
            old = await store.get_subscriber(chat_id)
            await store.deactivate(chat_id, now())
            if old is not None:
                await store.subscribe(exc.new_chat_id, old.language, now())
            return "blocked"
        except BadRequest as exc:  # before NetworkError: BadRequest subclasses it
            if "chat not found" in exc.message.lower():
                await store.deactivate(chat_id, now())
                return "blocked"
            _LOG.error("chat %s: Telegram refused the message: %s", chat_id, exc.message)
            return "failed"
        except (InvalidToken, EndPointNotFound):
            raise
        except NetworkError as exc:  # includes TimedOut and HTTP 5xx
            failures += 1
            if failures >= max_attempts:
                _LOG.warning("chat %s: giving up after %d attempts: %s", chat_id, failures, exc)
                return "failed"
            await sleep_unless_stopped(sleep, min(backoff * 2 ** (failures - 1), max_backoff), stop)
        except TelegramError as exc:
            _LOG.error("chat %s: unexpected Telegram error: %s", chat_id, exc)
            return "failed"
        if stop is not None and stop.is_set():
            return "failed"  # not delivered; the next pass retries it


def _pass_clock(now: datetime, kw: dict[str, Any]) -> Clock:
    clock = kw.pop("clock", None)
    return clock if clock is not None else (lambda: now)


async def send_due_reminders(
    store: Any, send: Sender, call: ReminderConfig, now: datetime, **kw: Any
) -> tuple[Reminder | None, DeliveryReport]:
    """Deliver the reminder due at `now` (if any) to subscribers who joined by its due time.

    The wording states the days actually left on `now`'s local day, so a reminder caught up
    after downtime never claims more days than remain. Extra keyword arguments go to
    `deliver`; `clock=` stamps the rows (default: `now`).
    """
    clock = _pass_clock(now, kw)
    reminder = due_reminder(now, call.schedule(), call.deadline_end())
    if reminder is None:
        return None, DeliveryReport()
    texts = call.texts(reminder, now)

    def text_for(who: Recipient) -> str:
        return html.escape(texts["en" if who.language == "en" else "sv"], quote=False)

    report = await deliver(store, send, reminder.key, text_for, now=clock,
                           subscribed_before=reminder.due_at, **kw)
    return reminder, report


async def _has_recipients(store: Any, key: str, subscribed_before: datetime) -> bool:
    async with contextlib.aclosing(store.recipients(key, subscribed_before)) as recipients:
        async for _ in recipients:
            return True
    return False


def broadcast_key(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


async def broadcast_report(store: Any, broadcast_id: int) -> DeliveryReport:
    """The recorded outcome of a broadcast, whichever passes (or processes) delivered it."""
    counts = await store.count_deliveries(broadcast_key(broadcast_id))
    return DeliveryReport(sent=counts.get("sent", 0), blocked=counts.get("blocked", 0),
                          failed=counts.get("failed", 0) + counts.get("pending", 0))


async def _deliver_broadcast(store: Any, send: Sender, broadcast_id: int, text: str,
                             created_at: datetime, now: datetime, kw: dict[str, Any]) -> DeliveryReport:
    clock = _pass_clock(now, kw)
    key = broadcast_key(broadcast_id)
    report = await deliver(store, send, key, text, now=clock, subscribed_before=created_at, **kw)
    stop: asyncio.Event | None = kw.get("stop")
    if stop is not None and stop.is_set():
        return report
    if not await _has_recipients(store, key, created_at):
        await store.finish_broadcast(broadcast_id, clock())
    elif now - created_at > BROADCAST_RETRY_WINDOW:
        _LOG.warning("%s: closing with undelivered recipients after %s", key, BROADCAST_RETRY_WINDOW)
        await store.finish_broadcast(broadcast_id, clock())
    return report


async def start_broadcast(
    store: Any, send: Sender, text: str, now: datetime, **kw: Any
) -> tuple[int, DeliveryReport]:
    """Record a broadcast (text already formatted) and deliver it to active subscribers."""
    broadcast_id = await store.create_broadcast(text, now)
    report = await _deliver_broadcast(store, send, broadcast_id, text, now, now, dict(kw))
    return broadcast_id, report


async def resume_broadcasts(store: Any, send: Sender, now: datetime, **kw: Any) -> DeliveryReport:
    """Continue every unfinished broadcast (after a crash, or to retry failed recipients)."""
    return (await _resume(store, send, now, kw))[1]


async def _resume(store: Any, send: Sender, now: datetime,
                  kw: dict[str, Any]) -> tuple[tuple[int, ...], DeliveryReport]:
    total, ids = DeliveryReport(), []
    stop: asyncio.Event | None = kw.get("stop")
    for broadcast in await store.unfinished_broadcasts():
        if stop is not None and stop.is_set():
            break
        ids.append(broadcast.id)
        report = await _deliver_broadcast(store, send, broadcast.id, broadcast.text,
                                          broadcast.created_at, now, dict(kw))
        total = total.merge(report)
    return tuple(ids), total


async def delivery_pass(
    store: Any, send: Sender, call: ReminderConfig, now: datetime, **kw: Any
) -> PassReport:
    """One delivery pass: the due reminder, then every unfinished broadcast.

    The same code path for `partnerbot send-reminders` and the scheduled job in
    `partnerbot run`.
    """
    reminder, reminder_report = await send_due_reminders(store, send, call, now, **dict(kw))
    stop: asyncio.Event | None = kw.get("stop")
    ids: tuple[int, ...] = ()
    broadcast_report = DeliveryReport()
    if stop is None or not stop.is_set():
        ids, broadcast_report = await _resume(store, send, now, dict(kw))
    return PassReport(reminder.key if reminder else None, reminder_report, broadcast_report, ids)

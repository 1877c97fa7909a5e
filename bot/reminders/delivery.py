"""Recorded, resumable delivery of one text to many chats: reminders and admin broadcasts.

Both kinds go through `deliver`, so they share the guarantees:

* Exactly-once per chat and key in normal operation: every message is `claim`ed (row
  'pending') before it is sent and `finish`ed ('sent'/'blocked'/'failed') after; a later pass
  only visits chats without a 'sent'/'blocked' row. (A request that timed out may have been
  delivered; it is retried all the same: a reminder missed is worse than one repeated.)
* Bounded duplicates after a crash: up to IN_FLIGHT (10) senders work at once, each on one
  message at a time, and each message is claimed before it is sent and finished after. When
  the process dies (kill -9), only the messages in flight can be 'pending' with the message
  possibly delivered: the next pass re-sends exactly those -- at most one duplicate per
  subscriber, at most IN_FLIGHT in all -- and nobody without a 'sent'/'blocked' row is
  skipped. Two passes must not run at the same time on one database (both would re-claim
  the same 'pending'/'failed' rows): callers hold `bot.reminders.lease.exclusive_pass`.
* Faults are the pipeline's, not one sender's: a RetryAfter pauses every sender; a 5xx or a
  timeout backs off only the sender that got it; a run of network errors longer than all
  senders' attempts together (a dead network) ends the pass, to be retried by the next one.
* Pacing: inside `partnerbot run` the Bot carries PartnerbotRateLimiter, which paces every
  request (deliveries are marked BULK there, so replies to users go first), so pass
  `limiter=None` (the default). The `partnerbot send-reminders` CLI may use a bare
  telegram.Bot without a rate limiter; it passes `limiter=SlidingWindowLimiter(29, 1.0,
  even=True)` and `chat_limiter=PerKeyLimiter(1, 1.0)`, acquired before every send attempt.
  Using both is harmless, only slower.

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

from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from bot.clock import Clock, Sleep, sleep_unless_stopped
from bot.reminders.ratelimit import BULK, PerKeyLimiter, SlidingWindowLimiter, retry_after_seconds
from bot.reminders.schedule import Reminder, ReminderConfig, due_reminder
from bot.storage import DeliveryStatus, Store

__all__ = [
    "IN_FLIGHT", "DeliveryReport", "PassReport", "Sender", "broadcast_key", "broadcast_report",
    "deliver", "delivery_pass", "resume_broadcasts", "send_due_reminders",
]

log = logging.getLogger(__name__)

Sender = Callable[[int, str], Awaitable[None]]
TextFor = Callable[["Recipient"], str]

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

    def count(self, status: DeliveryStatus) -> None:
        """One more message with this final status."""
        if status is DeliveryStatus.SENT:
            self.sent += 1
        elif status is DeliveryStatus.BLOCKED:
            self.blocked += 1
        else:
            self.failed += 1

    def merge(self, other: DeliveryReport) -> DeliveryReport:
        """A new report with both reports' counts added up."""
        return DeliveryReport(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

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


class _NetworkDown(Exception):
    """Every recent attempt failed with a network error: stop the pass instead of spinning."""


# Messages in flight at once. One at a time, a pass reaches only 1/RTT messages per second
# (9.7 msg/s at 100 ms per request); Telegram allows ~30. Fixed rather than adapted to the
# measured round trip: 10 in flight hold the 29/s cap up to ~330 ms per request
# (10 / 0.33 s = 30/s) while the rate limiter, not this number, sets the pace below that; and
# a fixed number keeps the crash guarantee a constant: at most IN_FLIGHT messages can be
# sent-but-not-recorded when the process dies, so a resumed pass repeats at most IN_FLIGHT of
# them, each to a different subscriber.
IN_FLIGHT = 10


class _Pipeline:
    """What the senders of one `deliver` call share: the RetryAfter pause, the RetryAfter
    budget, the network-failure streak and the signal to stop taking new recipients.

    A 429 is about the whole bot, not one chat, so every sender waits it out (the gate). A
    5xx or a timeout is about one request: only its sender backs off. When `dead_after`
    network errors come in a row with no success in between, the network is down: the
    pass stops instead of cycling through every subscriber marking each one failed.
    """

    def __init__(self, sleep: Sleep, stop: asyncio.Event | None, budget: float,
                 dead_after: int) -> None:
        self.sleep, self.stop = sleep, stop
        self.budget = budget
        self.dead_after = dead_after
        self.streak = 0
        self.halted = False
        self.fatal: BaseException | None = None
        self._gate = asyncio.Event()
        self._gate.set()
        self._pausing = 0

    def halt(self, fatal: BaseException | None = None) -> None:
        """No sender takes a new recipient; the ones in flight finish theirs."""
        self.halted = True
        if fatal is not None and self.fatal is None:
            self.fatal = fatal

    async def wait_open(self) -> None:
        """Wait while a RetryAfter pause is on (or until `stop`)."""
        if self._gate.is_set():
            return
        if self.stop is None:
            await self._gate.wait()
            return
        opened = asyncio.ensure_future(self._gate.wait())
        stopped = asyncio.ensure_future(self.stop.wait())
        try:
            await asyncio.wait({opened, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            opened.cancel()
            stopped.cancel()

    async def pause(self, wait: float) -> None:
        """Hold every sender for `wait` seconds. The budget is charged once per pause: 429s
        that arrive while one is on (the other requests that were in flight) overlap it."""
        if wait > self.budget:
            raise _FloodAbort
        if self._gate.is_set():
            self.budget -= wait
        self._pausing += 1
        self._gate.clear()
        try:
            await sleep_unless_stopped(self.sleep, wait, self.stop)
        finally:
            self._pausing -= 1
            if not self._pausing:
                self._gate.set()

    def succeeded(self) -> None:
        self.streak = 0

    def network_failed(self) -> bool:
        """Count a network error; True when the network looks down."""
        self.streak += 1
        return self.streak >= self.dead_after


@dataclass(frozen=True)
class RetryPolicy:
    """How hard a pass tries before it leaves a message to the next pass."""
    max_attempts: int = 5            # tries per message on network errors, timeouts and 5xx
    backoff: float = 0.5             # first wait between them, doubled each time …
    max_backoff: float = 30.0        # … up to this
    max_retry_wait: float = 600.0    # all 429 pauses of one pass together


async def deliver(
    store: Store, send: Sender, key: str, text_for: TextFor | str, *, now: Clock,
    subscribed_before: datetime | None = None, policy: RetryPolicy = RetryPolicy(),
    sleep: Sleep = asyncio.sleep,
    stop: asyncio.Event | None = None, limiter: SlidingWindowLimiter | None = None,
    chat_limiter: PerKeyLimiter | None = None, in_flight: int | None = None,
) -> DeliveryReport:
    """Send `key`'s message once to every active subscriber who has not had it yet.

    `text_for` is the text itself or a function of the Subscriber (language). `now()` stamps
    the delivery rows. Up to `in_flight` (default IN_FLIGHT) senders work at once, each one
    message at a time: claim, send, finish. Outcome per chat:
      sent    - delivered;
      blocked - Forbidden (the user blocked the bot) or "chat not found": subscriber deactivated;
      failed  - NetworkError/TimedOut/5xx still failing after `policy.max_attempts` tries with
                exponential backoff (backoff * 2**i, capped at max_backoff; only that sender
                waits), or another BadRequest; a later pass retries it;
      skipped - someone else already finished it (claim refused).
    A TimedOut may hide a delivered message; retrying it risks a duplicate, which we accept
    (a reminder missed is worse than one repeated).
    RetryAfter: every sender pauses for retry_after, then the same message is resent; this is
    not an attempt, but the pauses of one call are bounded by `policy.max_retry_wait`: when
    a wait would exceed what is left, the message is marked failed and the call stops taking
    recipients (the rest waits for the next pass). So does a run of network errors with no
    success in between longer than every sender's attempts together (a dead network). When
    `stop` is set each sender finishes its current message and the call returns.
    InvalidToken/EndPointNotFound stop the call and are raised (nothing else could succeed).
    `limiter` (overall; give it even=True) and `chat_limiter` (per chat) pace a Bot without
    a rate limiter.
    """
    in_flight = IN_FLIGHT if in_flight is None else in_flight   # read now: bench/ A/B runs
    if in_flight < 1:
        raise ValueError(f"in_flight must be at least 1, got {in_flight}")
    report = DeliveryReport()
    pipe = _Pipeline(sleep, stop, policy.max_retry_wait,
                     dead_after=policy.max_attempts * in_flight + 1)
    async with contextlib.aclosing(store.recipient_languages(key, subscribed_before)) as recipients:
        taking = asyncio.Lock()          # an async generator serves one caller at a time

        async def take() -> tuple[int, str] | None:
            async with taking:
                if pipe.halted or (stop is not None and stop.is_set()):
                    return None
                return await anext(recipients, None)

        async def one(chat_id: int, language: str) -> None:
            if not await store.claim(chat_id, key, now()):
                report.skipped += 1
                return
            text = text_for if isinstance(text_for, str) else text_for(Recipient(chat_id, language))
            status = await _send_or_halt(store, send, key, chat_id, text, now=now, policy=policy,
                                         pipe=pipe, limiter=limiter, chat_limiter=chat_limiter)
            await store.finish(chat_id, key, status, now())
            report.count(status)

        async def sender_loop() -> None:
            try:
                while (item := await take()) is not None:
                    await one(*item)
            except BaseException:
                pipe.halt()              # the others finish the message they hold, then stop
                raise

        await _run_senders(sender_loop, in_flight)
    if pipe.fatal is not None:
        raise pipe.fatal
    return report


async def _run_senders(sender_loop: Callable[[], Awaitable[None]], in_flight: int) -> None:
    """One sender runs in this task (so a crash in it propagates exactly as before), the
    others in tasks of their own; on any failure the others are cancelled and awaited."""
    others = [asyncio.ensure_future(sender_loop()) for _ in range(in_flight - 1)]
    try:
        await sender_loop()
        await asyncio.gather(*others)
    except BaseException:
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        raise


async def _send_or_halt(
    store: Store, send: Sender, key: str, chat_id: int, text: str, *, now: Clock,
    policy: RetryPolicy, pipe: _Pipeline, limiter: SlidingWindowLimiter | None,
    chat_limiter: PerKeyLimiter | None,
) -> DeliveryStatus:
    """_send_one, and what ends the whole pass: a flood wait over the budget, a dead network,
    a token Telegram refuses. The message in hand is then failed (the next pass retries it)."""
    try:
        return await _send_one(store, send, chat_id, text, now=now, policy=policy, pipe=pipe,
                               limiter=limiter, chat_limiter=chat_limiter)
    except _FloodAbort:
        if not pipe.halted:
            log.warning("%s: Telegram flood wait exceeds the %.0f s left of %.0f s; "
                         "stopping this pass", key, pipe.budget, policy.max_retry_wait)
        pipe.halt()
    except _NetworkDown:
        if not pipe.halted:
            log.warning("%s: %d network errors in a row; the network looks down, "
                         "stopping this pass", key, pipe.streak)
        pipe.halt()
    except (InvalidToken, EndPointNotFound) as exc:
        pipe.halt(exc)
    return DeliveryStatus.FAILED


async def _send_one(
    store: Store, send: Sender, chat_id: int, text: str, *, now: Clock, policy: RetryPolicy,
    pipe: _Pipeline, limiter: SlidingWindowLimiter | None,
    chat_limiter: PerKeyLimiter | None,
) -> DeliveryStatus:
    """Send one message with retries; return the status to record."""
    failures = 0
    while True:
        await pipe.wait_open()
        if chat_limiter is not None:
            await chat_limiter.acquire(chat_id)
        if limiter is not None:
            await limiter.acquire(BULK)
        await pipe.wait_open()           # a 429 may have come in while we waited for a slot
        try:
            await send(chat_id, text)
            pipe.succeeded()
            return DeliveryStatus.SENT
        except RetryAfter as exc:
            wait = retry_after_seconds(exc)
            log.info("chat %s: flood limit, every sender waits %.1f s", chat_id, wait)
            await pipe.pause(wait)
        except Forbidden:
            await store.deactivate(chat_id, now())
            return DeliveryStatus.BLOCKED
        except ChatMigrated as exc:
            # A group became a supergroup: the old id is dead. Keep the subscription under
            # the new id (it will get the next message, not this one).
            old = await store.get_subscriber(chat_id)
            await store.deactivate(chat_id, now())
            if old is not None:
                await store.subscribe(exc.new_chat_id, old.language, now())
            return DeliveryStatus.BLOCKED
        except BadRequest as exc:  # before NetworkError: BadRequest subclasses it
            if "chat not found" in exc.message.lower():
                await store.deactivate(chat_id, now())
                return DeliveryStatus.BLOCKED
            log.error("chat %s: Telegram refused the message: %s", chat_id, exc.message)
            return DeliveryStatus.FAILED
        except (InvalidToken, EndPointNotFound):
            raise
        except NetworkError as exc:  # includes TimedOut and HTTP 5xx
            failures += 1
            if pipe.network_failed():
                raise _NetworkDown from exc
            if failures >= policy.max_attempts:
                log.warning("chat %s: giving up after %d attempts: %s", chat_id, failures, exc)
                return DeliveryStatus.FAILED
            wait = min(policy.backoff * 2 ** (failures - 1), policy.max_backoff)
            await sleep_unless_stopped(pipe.sleep, wait, pipe.stop)
        except TelegramError as exc:
            log.error("chat %s: unexpected Telegram error: %s", chat_id, exc)
            return DeliveryStatus.FAILED
        if pipe.stop is not None and pipe.stop.is_set():
            return DeliveryStatus.FAILED  # not delivered; the next pass retries it


def _pass_clock(now: datetime, kw: dict[str, Any]) -> Clock:
    clock = kw.pop("clock", None)
    return clock if clock is not None else (lambda: now)


async def send_due_reminders(
    store: Store, send: Sender, call: ReminderConfig, now: datetime, **kw: Any
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


async def _has_recipients(store: Store, key: str, subscribed_before: datetime) -> bool:
    async with contextlib.aclosing(store.recipients(key, subscribed_before)) as recipients:
        async for _ in recipients:
            return True
    return False


def broadcast_key(broadcast_id: int) -> str:
    return f"broadcast:{broadcast_id}"


async def broadcast_report(store: Store, broadcast_id: int) -> DeliveryReport:
    """The recorded outcome of a broadcast, whichever passes (or processes) delivered it."""
    counts = await store.count_deliveries(broadcast_key(broadcast_id))
    return DeliveryReport(sent=counts.get(DeliveryStatus.SENT, 0),
                          blocked=counts.get(DeliveryStatus.BLOCKED, 0),
                          failed=counts.get(DeliveryStatus.FAILED, 0) + counts.get(DeliveryStatus.PENDING, 0))


async def _deliver_broadcast(store: Store, send: Sender, broadcast_id: int, text: str,
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
        log.warning("%s: closing with undelivered recipients after %s", key, BROADCAST_RETRY_WINDOW)
        await store.finish_broadcast(broadcast_id, clock())
    return report


async def resume_broadcasts(store: Store, send: Sender, now: datetime, **kw: Any) -> DeliveryReport:
    """Deliver every unfinished broadcast: one just recorded (store.create_broadcast, then
    this, is how /broadcast sends), one cut short by a crash, or failed recipients to retry."""
    return (await _resume(store, send, now, kw))[1]


async def _resume(store: Store, send: Sender, now: datetime,
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
    store: Store, send: Sender, call: ReminderConfig, now: datetime, **kw: Any
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

"""deliver / reminders / broadcasts against a real Store on tmp_path and a fake Telegram sender."""
from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from telegram.error import (BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError,
                            RetryAfter, TimedOut)

from bot.clock import STOCKHOLM, parse_now
from bot.reminders.delivery import (IN_FLIGHT, DeliveryReport, RetryPolicy, deliver, delivery_pass,
                                   resume_broadcasts, send_due_reminders)
from bot.reminders.ratelimit import SlidingWindowLimiter
from bot.reminders.schedule import ReminderConfig
from bot.storage import Store
from tests.support import delivered_keys, delivery, delivery_status

CALL = ReminderConfig(date(2020, 3, 15), STOCKHOLM, (30, 14, 7, 3, 1, 0), time(9, 0),
                      "https://icld.se/", "Kommunalt partnerskap", "Municipal Partnership")
JOINED = parse_now("2020-02-01T12:00")
D7 = parse_now("2020-03-08T09:00")


class FakeSend:
    """Records (chat_id, text); raises planned errors per chat, or crashes on call number N."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, str]] = []
        self.plan: dict[int, list[BaseException]] = {}
        self.crash_on: int | None = None
        self.crash_with: type[BaseException] = asyncio.CancelledError

    def fail(self, chat_id: int, *errors: BaseException) -> None:
        self.plan.setdefault(chat_id, []).extend(errors)

    async def __call__(self, chat_id: int, text: str) -> None:
        planned = self.plan.get(chat_id)
        if planned:
            raise planned.pop(0)
        self.calls.append((chat_id, text))   # the message reached the user
        if self.crash_on is not None and len(self.calls) == self.crash_on:
            raise self.crash_with()          # ... but we die before recording it

    def per_chat(self) -> Counter[int]:
        return Counter(chat for chat, _ in self.calls)


class FakeSleep:
    def __init__(self) -> None:
        self.durations: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.durations.append(delay)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(tmp_path / "partnerbot.db")
    yield s
    await s.close()


@pytest.fixture
def send() -> FakeSend:
    return FakeSend()


@pytest.fixture
def sleep() -> FakeSleep:
    return FakeSleep()


async def subscribe(store: Store, chats: range | list[int], when: datetime = JOINED,
                    language: str = "sv") -> None:
    for chat in chats:
        await store.subscribe(chat, language, when)


async def test_each_reminder_exactly_once_over_many_passes(store: Store, send: FakeSend,
                                                           sleep: FakeSleep) -> None:
    await subscribe(store, range(1, 6))
    await store.subscribe(6, "en", JOINED)
    now = parse_now("2020-02-10T00:00")
    while now < parse_now("2020-03-20T00:00"):
        await delivery_pass(store, send, CALL, now, sleep=sleep)
        now += timedelta(hours=5)
    assert send.per_chat() == {chat: 6 for chat in range(1, 7)}
    for chat in range(1, 7):
        keys = await delivered_keys(store, chat)
        assert sorted(keys) == sorted(f"reminder:2020-03-15:d{n}" for n in (30, 14, 7, 3, 1, 0))
    texts_en = [text for chat, text in send.calls if chat == 6]
    assert texts_en[0].startswith("⏰ ") and " days left " in texts_en[0]
    assert all("dagar" not in t and "dag kvar" not in t for t in texts_en)
    texts_sv = [text for chat, text in send.calls if chat == 1]
    assert "dagar kvar till sista ansökningsdag 15 mars 2020 för Kommunalt partnerskap" in texts_sv[0]
    assert texts_sv[-1].startswith("⏰ I dag, 15 mars 2020, är sista ansökningsdagen")


async def test_second_pass_sends_nothing(store: Store, send: FakeSend) -> None:
    await subscribe(store, range(1, 4))
    first = await delivery_pass(store, send, CALL, D7)
    assert str(first) == "reminder reminder:2020-03-15:d7: sent 3, skipped 0, blocked 0, failed 0"
    second = await delivery_pass(store, send, CALL, D7 + timedelta(hours=1))
    assert second.reminder_key == "reminder:2020-03-15:d7"
    assert second.counts == DeliveryReport()
    assert len(send.calls) == 3
    assert send.calls[0] == (1, "⏰ 7 dagar kvar till sista ansökningsdag 15 mars 2020 för "
                                "Kommunalt partnerskap.\nLäs mer: https://icld.se/\n\n"
                                "Vill du inte ha fler påminnelser? Skriv /avsluta.")


async def test_subscriber_after_due_time_skips_that_reminder(store: Store, send: FakeSend) -> None:
    await subscribe(store, [1])
    await subscribe(store, [2], when=D7)                        # exactly at the due time: included
    await subscribe(store, [3], when=D7 + timedelta(minutes=1))  # after: not this one
    await delivery_pass(store, send, CALL, D7 + timedelta(minutes=5))
    assert sorted(send.per_chat()) == [1, 2]
    await delivery_pass(store, send, CALL, parse_now("2020-03-12T09:00"))  # d3
    assert send.per_chat() == {1: 2, 2: 2, 3: 1}


async def test_inactive_subscribers_get_nothing(store: Store, send: FakeSend) -> None:
    await subscribe(store, [1, 2])
    await store.unsubscribe(2, JOINED + timedelta(days=1))
    await delivery_pass(store, send, CALL, D7)
    assert list(send.per_chat()) == [1]


async def test_nothing_after_the_deadline(store: Store, send: FakeSend) -> None:
    await subscribe(store, [1])
    late = await delivery_pass(store, send, CALL, parse_now("2020-03-16T00:00"))
    assert late.reminder_key is None and str(late) == "no reminder due"
    await delivery_pass(store, send, CALL, parse_now("2020-05-01T09:00"))
    assert send.calls == []
    last = await delivery_pass(store, send, CALL, parse_now("2020-03-15T23:59"))
    assert last.reminder_key == "reminder:2020-03-15:d0" and len(send.calls) == 1


async def test_downtime_sends_only_the_latest_with_true_days_left(store: Store,
                                                                  send: FakeSend) -> None:
    await subscribe(store, [1])
    report = await delivery_pass(store, send, CALL, parse_now("2020-03-12T15:00"))  # d7, d3 missed
    assert report.reminder_key == "reminder:2020-03-15:d3"
    assert len(send.calls) == 1 and send.calls[0][1].startswith("⏰ 3 dagar kvar")
    assert await delivered_keys(store, 1) == ["reminder:2020-03-15:d3"]

    await subscribe(store, [2])
    reminder, _ = await send_due_reminders(store, send, CALL, parse_now("2020-03-10T09:00"))
    assert reminder is not None and reminder.days_before == 7
    chat, text = send.calls[-1]
    assert chat == 2 and text.startswith("⏰ 5 dagar kvar")   # d7 caught up on day 5


async def test_changed_deadline_schedules_new_keys_only(store: Store, send: FakeSend) -> None:
    await subscribe(store, [1])
    await delivery_pass(store, send, CALL, D7)
    moved = ReminderConfig(date(2020, 3, 31), STOCKHOLM, CALL.days_before, CALL.at, CALL.url)
    report = await delivery_pass(store, send, moved, D7 + timedelta(hours=1))
    assert report.reminder_key == "reminder:2020-03-31:d30"
    assert send.calls[-1][1].startswith("⏰ 23 dagar kvar till sista ansökningsdag 31 mars 2020")
    await delivery_pass(store, send, moved, D7 + timedelta(hours=2))
    assert len(send.calls) == 2


@pytest.mark.parametrize("crash", [asyncio.CancelledError, SystemExit])
async def test_crash_mid_reminder_one_at_a_time_at_most_one_duplicate(
        store: Store, send: FakeSend, crash: type[BaseException]) -> None:
    await subscribe(store, range(1, 11))
    send.crash_on, send.crash_with = 4, crash
    with pytest.raises(crash):
        await delivery_pass(store, send, CALL, D7, in_flight=1)
    assert await store.count_deliveries("reminder:2020-03-15:d7") == {"sent": 3, "pending": 1}
    send.crash_on = None
    await delivery_pass(store, send, CALL, D7 + timedelta(minutes=10))
    counts = send.per_chat()
    assert set(counts) == set(range(1, 11))
    assert sorted(counts.values()) == [1] * 9 + [2]
    assert await store.count_deliveries("reminder:2020-03-15:d7") == {"sent": 10}


async def test_crash_with_many_in_flight_repeats_only_those_in_flight(
        store: Store, send: FakeSend) -> None:
    """A crash leaves every message in flight 'pending' (maybe delivered): the next pass
    repeats those and only those, each once; nobody is missed."""
    chats = range(1, 61)
    await subscribe(store, chats)
    send.crash_on = 25
    with pytest.raises(asyncio.CancelledError):
        await delivery_pass(store, send, CALL, D7)
    counts = await store.count_deliveries("reminder:2020-03-15:d7")
    assert 1 <= counts["pending"] <= IN_FLIGHT
    delivered_before = send.per_chat()
    send.crash_on = None
    await delivery_pass(store, send, CALL, D7 + timedelta(minutes=10))
    per_chat = send.per_chat()
    assert set(per_chat) == set(chats)                          # nobody missed
    assert max(per_chat.values()) <= 2                          # at most one duplicate each
    duplicates = sum(n - 1 for n in per_chat.values())
    assert duplicates <= counts["pending"] <= IN_FLIGHT         # only those in flight
    assert all(delivered_before[c] == 1 for c, n in per_chat.items() if n == 2)
    assert await store.count_deliveries("reminder:2020-03-15:d7") == {"sent": len(chats)}


async def start_broadcast(store: Store, send: FakeSend, text: str, now: datetime,
                          **kw: Any) -> tuple[int, DeliveryReport]:
    """What /broadcast does once confirmed (bot/telegram/admin.py): record the text, then
    deliver every unfinished broadcast, this one included."""
    broadcast_id = await store.create_broadcast(text, now)
    return broadcast_id, await resume_broadcasts(store, send, now, **kw)


async def test_crash_mid_broadcast_then_resume(store: Store, send: FakeSend) -> None:
    await subscribe(store, range(1, 11))
    send.crash_on = 6
    t0 = parse_now("2020-02-05T10:00")   # no reminder due yet
    with pytest.raises(asyncio.CancelledError):
        await start_broadcast(store, send, "Hej från ICLD-boten!", t0, in_flight=1)
    (unfinished,) = await store.unfinished_broadcasts()
    key = f"broadcast:{unfinished.id}"
    assert await store.count_deliveries(key) == {"sent": 5, "pending": 1}
    send.crash_on = None
    await subscribe(store, [99], when=t0 + timedelta(minutes=1))   # joined after the broadcast
    report = await delivery_pass(store, send, CALL, t0 + timedelta(minutes=5))
    assert report.reminder_key is None and report.broadcast_ids == (unfinished.id,)
    assert str(report) == (f"no reminder due; broadcasts {unfinished.id}: "
                           "sent 5, skipped 0, blocked 0, failed 0")
    counts = send.per_chat()
    assert set(counts) == set(range(1, 11))
    assert sorted(counts.values()) == [1] * 9 + [2]
    assert await store.count_deliveries(key) == {"sent": 10}
    assert await store.unfinished_broadcasts() == []
    assert {text for _, text in send.calls} == {"Hej från ICLD-boten!"}


async def test_broadcast_finishes_in_one_go(store: Store, send: FakeSend) -> None:
    await subscribe(store, range(1, 4))
    broadcast_id, report = await start_broadcast(store, send, "<b>Nyhet</b>", JOINED + timedelta(days=1))
    assert report == DeliveryReport(sent=3)
    assert await store.unfinished_broadcasts() == []
    assert send.calls[0] == (1, "<b>Nyhet</b>")       # already formatted: sent verbatim
    assert await resume_broadcasts(store, send, JOINED + timedelta(days=2)) == DeliveryReport()
    assert broadcast_id >= 1


async def test_forbidden_and_chat_not_found_deactivate(store: Store, send: FakeSend) -> None:
    await subscribe(store, range(1, 5))
    send.fail(2, Forbidden("Forbidden: bot was blocked by the user"))
    send.fail(3, BadRequest("Bad Request: chat not found"))
    send.fail(4, BadRequest("Bad Request: message is too long"))
    report = await delivery_pass(store, send, CALL, D7)
    assert report.reminder == DeliveryReport(sent=1, blocked=2, failed=1)
    assert not (await store.get_subscriber(2)).active
    assert not (await store.get_subscriber(3)).active
    assert (await store.get_subscriber(4)).active
    assert await delivery_status(store, 2, "reminder:2020-03-15:d7") == "blocked"
    again = await delivery_pass(store, send, CALL, D7 + timedelta(hours=1))
    assert again.reminder == DeliveryReport(sent=1)     # only the failed one is retried
    assert send.per_chat() == {1: 1, 4: 1}


async def test_retry_after_is_honoured(store: Store, send: FakeSend, sleep: FakeSleep) -> None:
    await subscribe(store, range(1, 4))
    send.fail(2, RetryAfter(2))
    report = await delivery_pass(store, send, CALL, D7, sleep=sleep)
    assert report.reminder == DeliveryReport(sent=3)
    assert sleep.durations == [2.0]
    assert send.per_chat() == {1: 1, 2: 1, 3: 1}


async def test_retry_after_beyond_budget_stops_the_pass(store: Store, send: FakeSend,
                                                        sleep: FakeSleep) -> None:
    await subscribe(store, range(1, 4))
    send.fail(2, RetryAfter(3600))
    report = await delivery_pass(store, send, CALL, D7, sleep=sleep, in_flight=1,
                                 policy=RetryPolicy(max_retry_wait=600))
    assert report.reminder == DeliveryReport(sent=1, failed=1)
    assert sleep.durations == []
    assert await delivery_status(store, 3, "reminder:2020-03-15:d7") is None
    later = await delivery_pass(store, send, CALL, D7 + timedelta(hours=1), sleep=sleep)
    assert later.reminder == DeliveryReport(sent=2)


@pytest.mark.parametrize("error", [NetworkError("Bad Gateway"), TimedOut("Timed out")])
async def test_network_errors_back_off_then_fail_then_retry_next_pass(
    store: Store, send: FakeSend, sleep: FakeSleep, error: NetworkError
) -> None:
    await subscribe(store, range(1, 4))
    send.fail(2, *([error] * 5))
    report = await delivery_pass(store, send, CALL, D7, sleep=sleep,
                                 policy=RetryPolicy(max_attempts=5, backoff=0.5))
    assert report.reminder == DeliveryReport(sent=2, failed=1)
    assert sleep.durations == [0.5, 1.0, 2.0, 4.0]
    key = "reminder:2020-03-15:d7"
    assert await delivery_status(store, 2, key) == "failed"
    again = await delivery_pass(store, send, CALL, D7 + timedelta(hours=1), sleep=sleep)
    assert again.reminder == DeliveryReport(sent=1)
    assert (await delivery(store, 2, key)).attempts == 2
    assert send.per_chat() == {1: 1, 2: 1, 3: 1}


async def test_backoff_is_capped(store: Store, send: FakeSend, sleep: FakeSleep) -> None:
    await subscribe(store, [1])
    send.fail(1, *([NetworkError("502")] * 7))
    await deliver(store, send, "k", "hej", now=lambda: D7, sleep=sleep,
                  policy=RetryPolicy(max_attempts=8, backoff=1.0, max_backoff=10.0))
    assert sleep.durations == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert send.calls == [(1, "hej")]


async def test_stop_finishes_current_message_and_returns(store: Store, send: FakeSend) -> None:
    await subscribe(store, range(1, 6))
    stop = asyncio.Event()
    original = send.__call__

    async def stopping_send(chat_id: int, text: str) -> None:
        await original(chat_id, text)
        if chat_id == 2:
            stop.set()

    report = await deliver(store, stopping_send, "k", "hej", now=lambda: D7, stop=stop,
                           in_flight=1)
    assert report == DeliveryReport(sent=2)
    assert await store.count_deliveries("k") == {"sent": 2}
    rest = await deliver(store, send, "k", "hej", now=lambda: D7)
    assert rest == DeliveryReport(sent=3)


async def test_own_limiter_paces_a_bare_bot(store: Store, send: FakeSend) -> None:
    clock_now = [0.0]

    async def fake_sleep(delay: float) -> None:
        clock_now[0] += delay

    limiter = SlidingWindowLimiter(2, 1.0, clock=lambda: clock_now[0], sleep=fake_sleep)
    await subscribe(store, range(1, 6))
    report = await deliver(store, send, "k", "hej", now=lambda: D7, limiter=limiter)
    assert report.sent == 5 and clock_now[0] == pytest.approx(2.0)


async def test_reminder_text_is_html_escaped(store: Store, send: FakeSend) -> None:
    call = ReminderConfig(CALL.deadline, STOCKHOLM, (7,), CALL.at, "https://icld.se/?a=1&b=2",
                          "Partnerskap <test> & co")
    await subscribe(store, [1])
    await send_due_reminders(store, send, call, D7)
    text = send.calls[0][1]
    assert "Partnerskap &lt;test&gt; &amp; co" in text and "?a=1&amp;b=2" in text


async def test_chat_migrated_moves_the_subscription(store: Store, send: FakeSend) -> None:
    await subscribe(store, [-100], language="en")
    send.fail(-100, ChatMigrated(-1001234))
    report = await delivery_pass(store, send, CALL, D7)
    assert report.reminder.blocked == 1
    assert not (await store.get_subscriber(-100)).active
    moved = await store.get_subscriber(-1001234)
    assert moved is not None and moved.active and moved.language == "en"


async def test_invalid_token_aborts(store: Store, send: FakeSend) -> None:
    await subscribe(store, [1, 2])
    send.fail(1, InvalidToken())
    with pytest.raises(InvalidToken):
        await delivery_pass(store, send, CALL, D7, in_flight=1)
    assert await delivery_status(store, 1, "reminder:2020-03-15:d7") == "failed"
    assert await delivery_status(store, 2, "reminder:2020-03-15:d7") is None


async def test_stale_broadcast_with_permanent_failures_is_closed(store: Store, send: FakeSend,
                                                                 sleep: FakeSleep) -> None:
    await subscribe(store, [1, 2])
    send.fail(2, *([BadRequest("Bad Request: message is too long")] * 3))
    t0 = parse_now("2020-03-01T10:00")
    _, report = await start_broadcast(store, send, "x", t0)
    assert report == DeliveryReport(sent=1, failed=1)
    assert len(await store.unfinished_broadcasts()) == 1
    await resume_broadcasts(store, send, t0 + timedelta(days=1), sleep=sleep)
    assert len(await store.unfinished_broadcasts()) == 1
    await resume_broadcasts(store, send, t0 + timedelta(days=4), sleep=sleep)
    assert await store.unfinished_broadcasts() == []


def test_report_str_and_merge() -> None:
    a = DeliveryReport(sent=3, skipped=1)
    b = DeliveryReport(sent=1, blocked=2, failed=1)
    assert str(a) == "sent 3, skipped 1, blocked 0, failed 0"
    assert a.merge(b) == DeliveryReport(4, 1, 2, 1) == a + b
    assert a == DeliveryReport(sent=3, skipped=1)   # merge does not mutate


async def test_only_one_delivery_pass_at_a_time_across_processes(store: Store, tmp_path: Path) -> None:
    """The bot's job and an operator's `send-reminders` never deliver at the same time."""
    from bot.reminders.lease import LEASE_TTL, exclusive_pass
    other = await Store.open(tmp_path / "partnerbot.db")      # a second process's connection
    try:
        async with exclusive_pass(store) as first:
            async with exclusive_pass(other, owner="host:1:other-process") as second:
                assert first and not second
        async with exclusive_pass(other) as after_release:
            assert after_release
        # a crashed holder (no release) blocks only until its lease expires
        wall = datetime(2026, 1, 1, tzinfo=STOCKHOLM)
        assert await store.acquire_lease("delivery", "crashed", wall, LEASE_TTL)
        async with exclusive_pass(other, wall_clock=lambda: wall + LEASE_TTL / 2) as blocked:
            assert not blocked
        async with exclusive_pass(other, wall_clock=lambda: wall + LEASE_TTL * 2) as resumed:
            assert resumed
    finally:
        await other.close()


async def test_a_dead_holders_lease_is_taken_over_at_once(store: Store) -> None:
    """After kill -9 the restarted bot resumes delivering without waiting out the lease."""
    import os
    import socket
    import subprocess

    from bot.reminders.lease import LEASE_NAME, LEASE_TTL, exclusive_pass, holder_is_dead
    finished = subprocess.Popen(["true"])
    finished.wait()                                 # exited and reaped: its pid is gone
    dead = f"{socket.gethostname()}:{finished.pid}:abcd1234"
    alive_elsewhere = f"another-host:{os.getpid()}:abcd1234"
    earlier_life = f"{socket.gethostname()}:{os.getpid()}:00000000"      # container restart
    now = datetime.now(STOCKHOLM)
    assert not holder_is_dead(alive_elsewhere)
    assert holder_is_dead(earlier_life)
    assert await store.acquire_lease(LEASE_NAME, dead, now, LEASE_TTL)
    async with exclusive_pass(store) as mine:
        assert mine                                   # the dead holder's lease was taken over
    assert await store.acquire_lease(LEASE_NAME, alive_elsewhere, now, LEASE_TTL)
    async with exclusive_pass(store) as mine:
        assert not mine                               # a live holder on another host is respected


# ----------------------------------------------------------------------------- in flight
class GatedSend(FakeSend):
    """A sender whose requests stay in flight until the test lets them go."""

    def __init__(self) -> None:
        super().__init__()
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, chat_id: int, text: str) -> None:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.01)       # a round trip: the other senders get to run
            await super().__call__(chat_id, text)
        finally:
            self.in_flight -= 1


async def test_several_sends_in_flight_each_chat_once(store: Store) -> None:
    send = GatedSend()
    await subscribe(store, range(1, 101))
    report = await delivery_pass(store, send, CALL, D7)
    assert report.reminder == DeliveryReport(sent=100)
    assert send.per_chat() == {chat: 1 for chat in range(1, 101)}
    assert send.most_in_flight == IN_FLIGHT
    assert await store.count_deliveries("reminder:2020-03-15:d7") == {"sent": 100}


async def test_retry_after_pauses_every_sender(store: Store) -> None:
    send = GatedSend()
    send.fail(30, RetryAfter(2))
    await subscribe(store, range(1, 101))
    during: list[tuple[int, int]] = []

    async def pausing_sleep(delay: float) -> None:
        before = len(send.calls)
        await asyncio.sleep(0.1)         # time for dozens of sends, were the others not paused
        during.append((before, len(send.calls)))

    report = await delivery_pass(store, send, CALL, D7, sleep=pausing_sleep)
    assert report.reminder == DeliveryReport(sent=100)
    assert len(during) == 1
    before, after = during[0]
    # Only requests already on the wire when the 429 came back may still land.
    assert after - before < IN_FLIGHT
    assert send.per_chat() == {chat: 1 for chat in range(1, 101)}


async def test_server_error_backs_off_one_sender_the_others_go_on(store: Store) -> None:
    send = GatedSend()
    send.fail(3, NetworkError("Bad Gateway"), NetworkError("Bad Gateway"))
    await subscribe(store, range(1, 201))
    progress: list[int] = []

    async def backoff_sleep(delay: float) -> None:
        before = len(send.calls)
        await asyncio.sleep(0.1)
        progress.append(len(send.calls) - before)

    report = await delivery_pass(store, send, CALL, D7, sleep=backoff_sleep)
    assert report.reminder == DeliveryReport(sent=200)
    assert len(progress) == 2 and all(n > 0 for n in progress)   # others sent meanwhile
    assert send.per_chat() == {chat: 1 for chat in range(1, 201)}


async def test_a_dead_network_stops_the_pass_instead_of_spinning(store: Store,
                                                                 sleep: FakeSleep) -> None:
    attempts: list[int] = []

    async def unreachable(chat_id: int, text: str) -> None:
        attempts.append(chat_id)
        await asyncio.sleep(0)
        raise NetworkError("httpx.ConnectError: All connection attempts failed")

    await subscribe(store, range(1, 501))
    report = await delivery_pass(store, unreachable, CALL, D7, sleep=sleep,
                                 policy=RetryPolicy(max_attempts=5))
    assert report.reminder.sent == 0
    assert report.reminder.failed <= 2 * IN_FLIGHT
    assert len(attempts) <= 5 * IN_FLIGHT + IN_FLIGHT     # bounded, not 5 x 500
    counts = await store.count_deliveries("reminder:2020-03-15:d7")
    assert counts == {"failed": report.reminder.failed}  # the rest untouched for the next pass
    later = FakeSend()
    again = await delivery_pass(store, later, CALL, D7 + timedelta(minutes=1))
    assert again.reminder == DeliveryReport(sent=500)


async def test_invalid_token_stops_every_sender(store: Store) -> None:
    send = GatedSend()
    await subscribe(store, range(1, 101))
    send.fail(5, InvalidToken())
    with pytest.raises(InvalidToken):
        await delivery_pass(store, send, CALL, D7)
    counts = await store.count_deliveries("reminder:2020-03-15:d7")
    assert counts["failed"] == 1 and counts.get("pending", 0) == 0
    assert sum(counts.values()) <= 5 + 2 * IN_FLIGHT    # the ones in flight finished, no more

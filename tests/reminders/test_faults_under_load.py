"""Faults under load (issue 5): the bot as a real process against the Bot API stand-in.

One scenario, run once per module (the `load_run` fixture), checked by the tests below:
2,000 subscribers are seeded in the database, 5 % of them have blocked the bot (403). The admin
starts a broadcast with /broadcast and the confirm button; while it runs, 200 other chats ask
questions, the stand-in answers 2 % of sendMessage/answerCallbackQuery calls with 500 and a few
with 429 (retry_after=1, seeded), and after ~40 % of the broadcast the bot is killed with
SIGKILL and restarted on the same database.

At the kill, 100 questions have just been fetched and the stand-in answers sendMessage slowly,
so some of them are still being handled. At most 64 updates are handled at once
(PerChatUpdateProcessor), so at least 36 of the 100 cannot have been answered yet.
"""
from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import pytest

from bot.telegram.messages import BROADCAST_FRAME
from bot.clock import STOCKHOLM, to_utc
from bot.reminders.delivery import IN_FLIGHT
from bot.storage import Store
from standin.botrunner import start_bot_process
from standin import Call, Sent, StandIn

T = TypeVar("T")
DATA = Path(__file__).resolve().parents[1] / "data" / "labelled_questions.jsonl"

NOW = "2020-02-01T12:00"            # the call is open and no reminder is due (first: 14 Feb)
JOINED = datetime(2020, 1, 15, 10, 0, tzinfo=STOCKHOLM)
SUBSCRIBERS = range(500_001, 502_001)       # 2,000 subscribed chats
BLOCKED = frozenset(SUBSCRIBERS[::20])      # 5 % of them blocked the bot
ACTIVE = tuple(c for c in SUBSCRIBERS if c not in BLOCKED)
ASKERS = range(700_001, 700_201)            # 200 other chats, one question each
AT_KILL = slice(80, 180)                    # the questions fetched just before the kill
ADMIN = 42
BROADCAST = "Påminnelse från Partnerbot: sista dag för ansökan är den 15 mars 2020."
FRAMED = BROADCAST_FRAME.format(text=BROADCAST)      # who sent it and how to stop, around it
APOLOGY = "Oj, något gick fel hos mig"
# Faults on what the running bot calls. Startup calls (getMe, deleteWebhook, setMyCommands)
# are spared: one 500 on any of them makes `partnerbot run` exit with code 1, so the restart
# would become a coin toss (a separate robustness problem, not what this test is about).
FAULTY = ("sendMessage", "answerCallbackQuery")
SEED = 20200315
KILL_AT = 0.40                               # kill -9 after ~40 % of the broadcast was sent
SLOW_SEND = 1.0                              # stand-in sendMessage delay around the kill
TIME_LIMIT = 45.0


@dataclass
class LoadRun:
    tmp_path: Path
    token: str
    sent: list[Sent]
    calls: list[Call]
    subscribers: dict[int, int]              # chat_id -> active
    deliveries: dict[int, str]               # chat_id -> broadcast delivery status
    claimed_twice: list[int]                 # chats whose delivery row was claimed again
    unfinished_broadcasts: int
    asks: list[tuple[int, str]]
    kill_batch_confirmed: bool               # AT_KILL updates fetched but not all confirmed
    sent_before_kill: int
    elapsed: float

    def broadcast_per_chat(self) -> Counter[int | str | None]:
        return Counter(s.chat_id for s in self.sent
                       if s.method == "sendMessage" and s.plain_text == FRAMED)

    def replies(self, chat: int) -> list[str]:
        return [s.plain_text or "" for s in self.sent
                if s.method == "sendMessage" and s.chat_id == chat]

    def attempts(self, chat: int) -> list[int]:
        return [c.status for c in self.calls
                if c.method == "sendMessage" and c.chat_id == chat]


def wait_until(predicate: Callable[[], T], timeout: float, what: str,
               proc: subprocess.Popen[bytes] | None = None, interval: float = 0.02) -> T:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"bot process exited ({proc.returncode}) while waiting: {what}")
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting: {what}")
        time.sleep(interval)
    return value


def seed_subscribers(db: Path) -> None:
    async def create() -> None:
        store = await Store.open(db)             # the production schema and migrations
        await store.close()

    asyncio.run(create())
    joined = to_utc(JOINED).isoformat(timespec="microseconds")   # Store's time format
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(
            "INSERT INTO subscribers (chat_id, language, subscribed_at, active, unsubscribed_at)"
            " VALUES (?, 'sv', ?, 1, NULL)", [(chat, joined) for chat in SUBSCRIBERS])
    conn.close()


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def questions() -> list[str]:
    lines = DATA.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["q"] for line in lines[: len(ASKERS)]]


def unsettled(api: StandIn, chats: list[int], lost_ok: frozenset[int]) -> list[int]:
    """Chats whose question is not settled yet. Settled: a reply was accepted, or both the
    answer and the apology were refused by injected faults, or (for `lost_ok`) the bot never
    tried to reply at all -- a question lost at the kill stays like that for ever."""
    accepted = {s.chat_id for s in api.sent if s.method == "sendMessage"}
    tries = Counter(c.chat_id for c in api.calls if c.method == "sendMessage")
    return [chat for chat in chats if chat not in accepted and tries[chat] < 2
            and not (chat in lost_ok and tries[chat] == 0)]


@pytest.fixture(scope="module")
def load_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadRun]:
    started = time.monotonic()
    tmp_path = tmp_path_factory.mktemp("faults_under_load")
    db = tmp_path / "partnerbot.db"
    seed_subscribers(db)
    env = {"PARTNERBOT_DELIVERY_INTERVAL": "0.2", "PARTNERBOT_RATE_LIMIT": "off",
           "PARTNERBOT_ADMINS": str(ADMIN), "PARTNERBOT_LOG_LEVEL": "DEBUG"}
    asks = list(zip(ASKERS, questions()))
    procs: list[subprocess.Popen[bytes]] = []

    with StandIn.in_thread() as api:
        for chat in BLOCKED:
            api.block_chat(chat)

        def broadcast_sent() -> int:
            return sum(1 for s in api.sent if s.method == "sendMessage"
                       and s.plain_text == FRAMED)

        def ask(batch: list[tuple[int, str]]) -> list[int]:
            return [api.push_message(chat, text) for chat, text in batch]

        try:
            procs.append(start_bot_process(tmp_path, api, now=NOW, **env))
            # The admin path: /broadcast TEXT, then the confirm button.
            api.push_message(ADMIN, f"/broadcast {BROADCAST}")
            [confirm] = wait_until(lambda: api.messages_to(ADMIN), 20, "the confirm question",
                                   procs[-1])
            assert confirm.reply_markup is not None, confirm
            [yes] = [b["callback_data"] for row in confirm.reply_markup["inline_keyboard"]
                     for b in row if b["callback_data"].endswith(":yes")]
            api.push_callback(ADMIN, yes)
            wait_until(lambda: len(api.messages_to(ADMIN)) >= 2, 10, "broadcast started",
                       procs[-1])
            api.set_random_faults(rate_500=0.02, rate_429=0.003, retry_after=1, seed=SEED,
                                  methods=FAULTY)
            ask(asks[:40])
            wait_until(lambda: broadcast_sent() >= 0.2 * len(ACTIVE), 30, "20 % sent",
                       procs[-1])
            ask(asks[40:80])
            wait_until(lambda: broadcast_sent() >= KILL_AT * len(ACTIVE), 30, "40 % sent",
                       procs[-1])
            api.set_delay(SLOW_SEND, methods=["sendMessage"])
            kill_ids = ask(asks[AT_KILL])
            kill_chats_ = {chat for chat, _ in asks[AT_KILL]}
            wait_until(lambda: any(c.chat_id in kill_chats_
                                   for c in api.calls if c.method == "sendMessage"), 10,
                       "the bot started answering the questions", procs[-1], interval=0.005)
            procs[-1].kill()                                  # kill -9, mid-broadcast
            procs[-1].wait(10)
            confirmed = api.updates_confirmed() <= max(kill_ids)   # fetched, not all confirmed
            api.set_delay(0)
            sent_before_kill = broadcast_sent()
            ask(asks[AT_KILL.stop:])                           # queued while the bot is down
            procs.append(start_bot_process(tmp_path, api, now=NOW, **env))

            kill_chats = frozenset(chat for chat, _ in asks[AT_KILL])

            def finished() -> bool:
                unfinished = query(db, "SELECT COUNT(*) FROM broadcasts"
                                       " WHERE finished_at IS NULL")[0][0]
                return (unfinished == 0 and api.pending_updates() == 0
                        and not unsettled(api, [chat for chat, _ in asks], kill_chats))

            wait_until(finished, 40, "broadcast finished and the questions answered", procs[-1],
                       interval=0.1)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait(10)
        sent, calls = api.sent, api.calls

    run = LoadRun(
        tmp_path=tmp_path, token=api.token, sent=sent, calls=calls,
        subscribers={int(str(c)): int(str(a))
                     for c, a in query(db, "SELECT chat_id, active FROM subscribers")},
        deliveries={int(str(c)): str(s) for c, s in query(
            db, "SELECT chat_id, status FROM deliveries WHERE key LIKE 'broadcast:%'")},
        claimed_twice=[int(str(c)) for (c,) in query(
            db, "SELECT chat_id FROM deliveries WHERE key LIKE 'broadcast:%' AND attempts > 1")],
        unfinished_broadcasts=int(str(query(
            db, "SELECT COUNT(*) FROM broadcasts WHERE finished_at IS NULL")[0][0])),
        asks=asks, kill_batch_confirmed=confirmed, sent_before_kill=sent_before_kill,
        elapsed=time.monotonic() - started)
    per_chat = run.broadcast_per_chat()
    statuses = Counter(c.status for c in calls)
    answered = [chat for chat, _ in asks if run.replies(chat)]
    apology_only = [chat for chat in answered if all(APOLOGY in t for t in run.replies(chat))]
    print(f"\nfaults under load: broadcast sent {sum(per_chat.values())} to {len(per_chat)} "
          f"chats, duplicates {sum(n - 1 for n in per_chat.values() if n > 1)}, "
          f"blocked {len(BLOCKED)} (deactivated "
          f"{sum(1 for c in BLOCKED if run.subscribers[c] == 0)}), "
          f"429s {statuses[429]}, 500s {statuses[500]}, 403s {statuses[403]}, "
          f"killed after {sent_before_kill} broadcast sends ("
          f"rows claimed again after restart: {len(run.claimed_twice)}); "
          f"questions with a reply "
          f"{len(answered)}/{len(asks)} (only the apology: {len(apology_only)}, of the "
          f"{AT_KILL.stop - AT_KILL.start} fetched at the kill: "
          f"{sum(1 for c, _ in asks[AT_KILL] if run.replies(c))}), time {run.elapsed:.1f} s")
    yield run


def test_every_active_subscriber_gets_the_broadcast_exactly_once(load_run: LoadRun) -> None:
    per_chat = load_run.broadcast_per_chat()
    assert load_run.unfinished_broadcasts == 0
    assert 0 < load_run.sent_before_kill < len(ACTIVE)            # the kill was mid-broadcast
    missing = [c for c in ACTIVE if per_chat[c] == 0]
    assert not missing, f"{len(missing)} active subscribers never got it, e.g. {missing[:5]}"
    duplicates = {c: n for c, n in per_chat.items() if n > 1}
    assert max(per_chat.values()) <= 2, duplicates                 # one duplicate at most each
    assert sum(n - 1 for n in duplicates.values()) <= IN_FLIGHT, duplicates
    # The restart resumed where the kill stopped it: only the rows in flight were claimed again.
    assert len(load_run.claimed_twice) <= IN_FLIGHT, load_run.claimed_twice
    assert set(duplicates) <= set(load_run.claimed_twice)
    assert set(per_chat) <= set(ACTIVE)
    assert all(load_run.deliveries.get(c) == "sent" for c in ACTIVE)
    assert all(load_run.subscribers[c] == 1 for c in ACTIVE)


def test_blocked_subscribers_are_deactivated_and_never_marked_sent(load_run: LoadRun) -> None:
    per_chat = load_run.broadcast_per_chat()
    assert [c for c in BLOCKED if load_run.subscribers[c] != 0] == []
    assert [c for c in BLOCKED if per_chat[c] or load_run.deliveries.get(c) == "sent"] == []
    assert all(load_run.deliveries.get(c) == "blocked" for c in BLOCKED)


def test_the_faults_really_happened_and_the_run_stayed_bounded(load_run: LoadRun) -> None:
    statuses = Counter(c.status for c in load_run.calls)
    assert statuses[500] >= 10 and statuses[429] >= 1 and statuses[403] >= len(BLOCKED)
    assert load_run.kill_batch_confirmed
    assert load_run.elapsed < TIME_LIMIT


def test_questions_outside_the_kill_get_a_reply_despite_faults(load_run: LoadRun) -> None:
    """Each got a reply, or its answer AND the apology were both refused by injected faults
    (replies are not retried: see the report)."""
    outside = load_run.asks[:AT_KILL.start] + load_run.asks[AT_KILL.stop:]
    for chat, text in outside:
        if load_run.replies(chat):
            continue
        attempts = load_run.attempts(chat)
        assert len(attempts) >= 2 and all(s in (429, 500) for s in attempts), (chat, text, attempts)


def test_questions_fetched_just_before_the_kill_are_answered_after_restart(
        load_run: LoadRun) -> None:
    lost = [(chat, text) for chat, text in load_run.asks[AT_KILL] if not load_run.attempts(chat)]
    assert not lost, f"{len(lost)} questions never answered, e.g. {lost[:3]}"


def test_the_token_secret_is_not_in_the_log_nor_in_request_parameters(load_run: LoadRun) -> None:
    secret = load_run.token.split(":", 1)[1]
    log = (load_run.tmp_path / "bot.log").read_text(encoding="utf-8", errors="replace")
    assert " DEBUG " in log and "sendMessage" in log        # the DEBUG log really was written
    assert secret not in log
    assert load_run.token.split(":", 1)[0] + "%3A" + secret not in log
    assert [c.method for c in load_run.calls if secret in repr(c.params)] == []

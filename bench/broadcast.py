"""Delivering one reminder (d7 of the bundled call) to many subscribers through the stand-in.

The production path: bot.telegram.app.build_application (the Bot `partnerbot run` uses) and
its `sender`, bot.reminders.delivery.delivery_pass with reminder_config(knowledge), a real SQLite file
seeded with one bulk INSERT, `now` = 2020-03-08 09:00:05 Europe/Stockholm (d7 just due).
The Bot API stand-in (standin/) runs on this process's event loop.

  a) the bot as `partnerbot run` runs it (polling, the scheduled delivery job, the lease,
     PartnerbotRateLimiter at 29 msg/s) against a stand-in that answers every request after
     --latency-ms N (one run per value; default 0, 100 and 300) and answers 429 to the 31st
     send in any one-second window or a 2nd to one chat within a second, while another chat
     asks a question every --ask-every seconds. Prints msg/s (first to last arrival; target
     >= 27 = 0.9 of Telegram's 30/s, >= 25 at 300 ms), its ratio to the cap, the most sends
     in any one-second window (<= 30), the 429s (0), and the p50/p95 reply time of the
     questions (push to reply arrival; target p95 < 2 s). --in-flight 1 gives the old
     one-message-at-a-time pass for comparison.
  b) rate limiter off: the delivery pass (claim/send/finish per chat, one at a time) next to bare
     `bot.send_message` calls in a loop, same stand-in, same run; the bot's own overhead is
     the difference per message (target >= 1,000 msg/s). Cross-check: the pass with a
     sender that does nothing (SQLite work only).
  c) peak RSS of a delivery pass with 100,000 subscribers stored (target <= 150 MB),
     measured in a child process that holds only the bot side (knowledge, Application,
     store); the stand-in stays in this process.

Run: .venv/bin/python bench/broadcast.py [--subscribers 600] [--latency-ms 0 100 300]
     [--ask-every 0.25] [--in-flight N] [--overhead-subscribers 10000]
     [--memory-subscribers 100000] [--repeats 3] [--parts abc]
     (a) ~25 s per latency at 600, ~2 min at 3,000; b) + c) together under 10 min)
     b) measures the pass one message at a time (in_flight=1): it is about per-message cost.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import inspect
import json
import logging
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from _common import ROOT, current_rss_mb, hwm_rss_mb, peak_rss_mb

from bot.live_engine import LiveEngine, reminder_config
from bot.clock import STOCKHOLM, to_utc
from bot.config import load_settings
from bot.reminders import delivery
from bot.reminders.delivery import PassReport, delivery_pass
from bot.reminders.ratelimit import PartnerbotRateLimiter
from bot.reminders.schedule import ReminderConfig, due_reminder
from bot.storage import Store
from bot.telegram.app import build_application, sender
from standin.botrunner import bot_env, running_bot
from standin import StandIn

NOW = datetime(2020, 3, 8, 9, 0, 5, tzinfo=STOCKHOLM)          # d7 reminder due at 09:00
SUBSCRIBED = datetime(2020, 3, 1, 12, 0, tzinfo=STOCKHOLM)     # everyone joined before that
CAP = int(inspect.signature(PartnerbotRateLimiter).parameters["overall_max_rate"].default)
TELEGRAM_LIMIT = 30                    # what the stand-in enforces, like Telegram (~30/s)
FULL_SIZE = 10_000
TARGET_FRACTION, TARGET_OVERHEAD_RATE, TARGET_RSS_MB = 0.9, 1_000.0, 150.0
TARGET_RATE = {300.0: 25.0}            # msg/s; otherwise 0.9 of Telegram's 30/s
TARGET_REPLY_P95 = 2.0                 # seconds
CHATS_A, CHATS_B, CHATS_RAW, CHATS_NULL, CHATS_C = (100_000_000, 200_000_000, 300_000_000,
                                                    400_000_000, 500_000_000)


def say(text: str) -> None:
    print(text, flush=True)


def note(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- database
async def seeded_db(path: Path, subscribers: int, first_chat: int) -> Path:
    """Create the schema through Store (migrations), then one bulk INSERT of subscribers."""
    store = await Store.open(path)
    await store.close()
    stamp = to_utc(SUBSCRIBED).isoformat(timespec="microseconds")   # the Store's text format
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < ?)"
            " INSERT INTO subscribers (chat_id, language, subscribed_at, active, unsubscribed_at)"
            " SELECT ? + i, CASE WHEN i % 10 = 0 THEN 'en' ELSE 'sv' END, ?, 1, NULL FROM seq",
            (subscribers, first_chat, stamp))
    store = await Store.open(path)                    # the Store reads back what we wrote
    try:
        first = await store.get_subscriber(first_chat)
        assert await store.count_active() == subscribers
        assert first is not None and first.subscribed_at == SUBSCRIBED and first.language == "en"
    finally:
        await store.close()
    return path


@contextlib.asynccontextmanager
async def bot_side(api: StandIn, tmp: Path, rate_limit: bool) -> AsyncIterator[Any]:
    """The production Application (initialised, not polling); its store is opened per pass."""
    settings = load_settings(bot_env(tmp, api,
                                     PARTNERBOT_RATE_LIMIT="on" if rate_limit else "off"),
                             env_file=None)
    app = build_application(settings, LIVE, None, clock=lambda: NOW)
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, PartnerbotRateLimiter) if rate_limit else limiter is None
    async with app:                                   # initialize: getMe, HTTP pools
        yield app


def sends(api: StandIn) -> list[Any]:
    return [s for s in api.sent if s.method == "sendMessage"]


@contextlib.asynccontextmanager
async def progress(api: StandIn, total: int, every: float = 30.0) -> AsyncIterator[None]:
    async def report() -> None:
        started = time.monotonic()
        while True:
            await asyncio.sleep(every)
            done = sum(1 for c in api.calls if c.method == "sendMessage" and c.status == 200)
            note(f"{done:,} of {total:,} sent after {time.monotonic() - started:.0f} s")
    task = asyncio.create_task(report())
    try:
        yield
    finally:
        task.cancel()


async def timed_pass(db: Path, send: Callable[[int, str], Awaitable[None]],
                     in_flight: int | None = None) -> tuple[PassReport, float, float]:
    """One delivery pass on the database `db`: (report, wall seconds, CPU seconds)."""
    store = await Store.open(db)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        report = await delivery_pass(store, send, CONFIG, NOW, in_flight=in_flight)
        return report, time.perf_counter() - started, time.process_time() - cpu
    finally:
        await store.close()


# ---------------------------------------------------------------------------- a) rate-limited
QUESTIONS = ROOT / "tests" / "data" / "labelled_questions.jsonl"
ASKERS = 900_000_000                   # chats that ask questions during the pass


def questions() -> list[str]:
    return [json.loads(line)["q"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); nan for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))]


async def part_a(api: StandIn, tmp: Path, n: int, latency_ms: float, ask_every: float,
                 first_chat: int) -> bool:
    """The production bot (polling, scheduled delivery job, PartnerbotRateLimiter) delivering
    the d7 reminder to n subscribers through a stand-in that answers every request after
    `latency_ms` and refuses (429) the 31st send in any 1-s window and a 2nd to one chat in
    1 s; meanwhile another chat asks a question every `ask_every` seconds."""
    db = await seeded_db(tmp / f"a-{latency_ms:g}-{first_chat}.db", n, first_chat)
    in_flight = delivery.IN_FLIGHT
    say(f"a) {n:,} subscribers, {latency_ms:g} ms per request, {in_flight} in flight, rate "
        f"limiter on (cap {CAP}/s); the stand-in answers 429 above {TELEGRAM_LIMIT} sends in "
        f"any 1 s window or 1 per chat; "
        f"{f'a question every {ask_every:g} s' if ask_every > 0 else 'no questions'} during "
        f"the pass")
    api.clear_records()
    api.set_delay(latency_ms / 1000)                 # every method but getUpdates
    api.enforce_rate_limit(TELEGRAM_LIMIT, per_chat_per_second=1)
    chats = range(first_chat, first_chat + n)
    asked: dict[int, float] = {}
    texts = questions()

    def reminders_sent() -> int:
        return sum(1 for s in api.sent if s.method == "sendMessage"
                   and isinstance(s.chat_id, int) and first_chat <= s.chat_id < first_chat + n)

    env = {"PARTNERBOT_DB": str(db), "PARTNERBOT_DELIVERY_INTERVAL": "3600",
           "PARTNERBOT_LOG_LEVEL": "WARNING"}
    try:
        async with running_bot(tmp, api, now=NOW, env=env, rate_limit=True), progress(api, n):
            while reminders_sent() < n:              # the job's first run starts the pass
                if reminders_sent() > 0 and ask_every > 0:
                    chat = ASKERS + (first_chat - CHATS_A) + len(asked)
                    api.push_message(chat, texts[len(asked) % len(texts)])
                    asked[chat] = time.monotonic()
                await asyncio.sleep(ask_every or 0.25)
            await api.wait_for(lambda: all(api.messages_to(c) for c in asked), timeout=30)
            await asyncio.sleep(0.5)                 # anything late would show up now
    finally:
        api.set_delay(0)
        api.enforce_rate_limit(None)
    sent = [s for s in sends(api) if isinstance(s.chat_id, int)
            and first_chat <= s.chat_id < first_chat + n]
    times = sorted(s.ts for s in sent)
    per_chat = Counter(s.chat_id for s in sent)
    too_many = [c for c in api.calls if c.status == 429]
    if api.rate_violations:
        note(f"429s: {[(v.scope, v.chat_id) for v in api.rate_violations][:12]}")
    window_max = api.max_in_any_window(1.0)
    span = times[-1] - times[0]
    rate = (len(times) - 1) / span if span > 0 else float("inf")
    during = [s for s in sends(api) if times[0] <= s.ts <= times[-1]]     # replies too
    total_rate = (len(during) - 1) / span if span > 0 else float("inf")
    replies = [api.messages_to(chat)[0].ts - at for chat, at in asked.items()
               if api.messages_to(chat)]
    p50, p95 = percentile(replies, 50), percentile(replies, 95)
    once = len(per_chat) == n and set(per_chat) == set(chats) and max(per_chat.values()) == 1
    target = TARGET_RATE.get(latency_ms, TARGET_FRACTION * TELEGRAM_LIMIT)
    ok = once and not too_many and rate >= target and (not asked or p95 < TARGET_REPLY_P95)
    say(f"   reminder sends            {len(sent):,} to {len(per_chat):,} chats in {span:,.1f} s "
        f"(first to last arrival)")
    say(f"   msg/s                     {rate:.2f} = {rate / TELEGRAM_LIMIT:.3f} of Telegram's "
        f"{TELEGRAM_LIMIT}/s, {rate / CAP:.3f} of our {CAP}/s cap   (target >= {target:g})  "
        f"{'OK' if rate >= target else 'BELOW'}")
    say(f"   all sends during the pass {total_rate:.2f} msg/s = {total_rate / CAP:.3f} of our cap   "
        f"(reminders + {len(during) - len(sent)} replies)")
    say(f"   max sends in any 1 s      {window_max}   (all sends incl. replies, counted on "
        f"arrival at the stand-in; must be <= {TELEGRAM_LIMIT})  "
        f"{'OK' if window_max <= TELEGRAM_LIMIT else 'TOO MANY'}")
    say(f"   429 answers               {len(too_many)}   (must be 0)  "
        f"{'OK' if not too_many else 'FAIL'}")
    say(f"   reply time during pass    p50 {p50:.3f} s, p95 {p95:.3f} s, max "
        f"{max(replies, default=float('nan')):.3f} s over {len(replies)}/{len(asked)} questions "
        f"(push to reply arrival; target p95 < {TARGET_REPLY_P95:g} s)  "
        f"{'OK' if p95 < TARGET_REPLY_P95 else 'ABOVE'}")
    say(f"   each chat exactly once    {'yes' if once else 'NO'}")
    api.clear_records()
    return ok


# ---------------------------------------------------------------------------- b) overhead
async def raw_loop(app: Any, text: str, n: int, first_chat: int) -> tuple[float, float]:
    """(wall, CPU) seconds of n bare send_message calls, one after another like a pass."""
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        await app.bot.send_message(first_chat + i, text)
    return time.perf_counter() - started, time.process_time() - cpu


async def part_b(api: StandIn, tmp: Path, n: int, repeats: int) -> bool:
    text = sends_text()
    say(f"b) rate limiter off: {n:,} subscribers, delivery pass vs bare send_message loop, "
        f"alternating, {repeats} of each (medians)")
    raws: list[tuple[float, float]] = []
    passes: list[tuple[float, float]] = []
    nulls: list[float] = []
    null_cpus: list[float] = []
    ok = True

    async def nothing(chat_id: int, text: str) -> None:
        return None

    async with bot_side(api, tmp, rate_limit=False) as app:
        await raw_loop(app, text, 50, CHATS_RAW - 100)              # warm-up: connections
        for r in range(repeats):
            first = CHATS_B + r * n
            db = await seeded_db(tmp / f"b{r}.db", n, first)
            api.clear_records()
            raws.append(await raw_loop(app, text, n, CHATS_RAW))
            api.clear_records()                   # equal stand-in bookkeeping for both
            report, wall, cpu = await timed_pass(db, sender(app.bot), in_flight=1)
            passes.append((wall, cpu))
            delivered = Counter(s.chat_id for s in sends(api) if first <= s.chat_id < first + n)
            ok = ok and report.reminder.sent == n and len(delivered) == n \
                and max(delivered.values()) == 1
            null_db = await seeded_db(tmp / f"b-null{r}.db", n, CHATS_NULL + r * n)
            null_report, null_s, null_cpu = await timed_pass(null_db, nothing, in_flight=1)
            nulls.append(null_s)
            null_cpus.append(null_cpu)
            ok = ok and null_report.reminder.sent == n
            note(f"b) round {r + 1}: bare {n / raws[-1][0]:,.0f}/s, pass {n / wall:,.0f}/s, "
                 f"no-op pass {n / null_s:,.0f}/s")
        api.clear_records()
        raws.append(await raw_loop(app, text, n, CHATS_RAW))     # the last pass has one after
    api.clear_records()
    raw_s, raw_cpu = statistics.median(w for w, _ in raws), statistics.median(c for _, c in raws)
    pass_s, pass_cpu = (statistics.median(w for w, _ in passes),
                        statistics.median(c for _, c in passes))
    null_s = statistics.median(nulls)
    overhead = (pass_s - raw_s) / n
    overhead_rate = 1 / overhead if overhead > 0 else float("inf")
    say(f"   bare send_message loop    {n / raw_s:,.0f} msg/s   (baseline; runs: "
        f"{', '.join(f'{n / w:,.0f}' for w, _ in raws)})")
    say(f"   delivery pass             {n / pass_s:,.0f} msg/s   ({n / pass_s / (n / raw_s):.2f} "
        f"of the baseline; runs: {', '.join(f'{n / w:,.0f}' for w, _ in passes)})")
    say(f"   bot's own overhead        {overhead * 1e6:,.0f} us/msg = {overhead_rate:,.0f} msg/s   "
        f"(pass minus baseline per message; target >= {TARGET_OVERHEAD_RATE:,.0f})  "
        f"{'OK' if overhead_rate >= TARGET_OVERHEAD_RATE else 'BELOW'}")
    say(f"   pass with a no-op sender  {n / null_s:,.0f} msg/s   (deliver/claim/finish on SQLite "
        f"alone: {null_s / n * 1e6:,.0f} us/msg; runs: {', '.join(f'{n / w:,.0f}' for w in nulls)})"
        f"  {'OK' if n / null_s >= TARGET_OVERHEAD_RATE else 'BELOW'}")
    say(f"   CPU per message           pass {pass_cpu / n * 1e6:,.0f} us, bare loop "
        f"{raw_cpu / n * 1e6:,.0f} us, no-op pass {statistics.median(null_cpus) / n * 1e6:,.0f} us"
        f"   (this process: bot + stand-in + SQLite thread)")
    say(f"   each chat exactly once    {'yes' if ok else 'NO'}")
    return ok and overhead_rate >= TARGET_OVERHEAD_RATE


def sends_text() -> str:
    """The Swedish reminder text exactly as the pass sends it (escaped HTML)."""
    reminder = due_reminder(NOW, CONFIG.schedule(), CONFIG.deadline_end())
    assert reminder is not None and reminder.key.endswith(":d7"), reminder
    return html.escape(CONFIG.texts(reminder, NOW)["sv"], quote=False)


# ---------------------------------------------------------------------------- c) memory
async def part_c(api: StandIn, tmp: Path, n: int) -> bool:
    started = time.perf_counter()
    db = await seeded_db(tmp / "c.db", n, CHATS_C)
    seed_s = time.perf_counter() - started
    say(f"c) memory: {n:,} subscribers stored (seeded in {seed_s:.1f} s, "
        f"{db.stat().st_size / 2**20:.1f} MB file), delivery pass in a child process")
    api.clear_records()
    env = dict(os.environ)
    env.update(bot_env(tmp, api, PARTNERBOT_DB=str(db), PARTNERBOT_RATE_LIMIT="off"))
    # Linux carries ru_maxrss over fork and exec: a child started directly from this process
    # (stand-in records, parts a and b) would report at least this process's size. A small
    # shell in between forks the child afresh, so its getrusage figure is its own.
    child = await asyncio.create_subprocess_exec(
        "/bin/sh", "-c", '"$0" "$@"; exit $?', sys.executable, str(Path(__file__).resolve()),
        "--memory-child", env=env, cwd=str(ROOT), stdout=asyncio.subprocess.PIPE)
    async with progress(api, n, every=60.0):
        out, _ = await child.communicate()
    if child.returncode != 0:
        say(f"   child process failed with exit code {child.returncode}")
        return False
    figures = json.loads(out.decode().strip().splitlines()[-1])
    delivered = sum(1 for c in api.calls if c.method == "sendMessage" and c.status == 200)
    api.clear_records()
    ok = figures["sent"] == n and delivered == n
    say(f"   pass                      {figures['report']}   in {figures['seconds']:,.1f} s "
        f"({n / figures['seconds']:,.0f} msg/s, rate limiter off)")
    say(f"   RSS before the pass       {figures['rss_before']:.1f} MB   (knowledge, Application, "
        f"store open; getrusage peak so far {figures['peak_before']:.1f} MB, from start-up)")
    say(f"   peak RSS (getrusage)      {figures['peak_after']:.1f} MB   (whole process; target <= "
        f"{TARGET_RSS_MB:.0f} MB)  {'OK' if figures['peak_after'] <= TARGET_RSS_MB else 'ABOVE'}")
    say(f"   RSS during / after pass   max {figures['sampled_max']:.1f} MB (sampled every 50 ms, "
        f"{figures['sampled_max'] - figures['rss_before']:+.1f} MB over before) / "
        f"{figures['rss_after']:.1f} MB after;  /proc VmHWM {figures['hwm']:.1f} MB")
    say(f"   each subscriber once      {'yes' if ok else 'NO'} ({delivered:,} sendMessage)")
    return ok and figures["peak_after"] <= TARGET_RSS_MB


async def memory_child() -> None:
    """Runs in its own process: the bot side only, figures as one JSON line on stdout."""
    settings = load_settings(env_file=None)
    live = LiveEngine.load(settings.knowledge_dir)
    store = await Store.open(settings.db_path)
    app = build_application(settings, live, store, clock=lambda: NOW)
    sampled = [0.0]

    async def sample() -> None:                   # the pass's own high-water mark
        while True:
            sampled[0] = max(sampled[0], current_rss_mb())
            await asyncio.sleep(0.05)

    async with app:
        rss_before, peak_before = current_rss_mb(), peak_rss_mb()
        sampler = asyncio.create_task(sample())
        started = time.perf_counter()
        report = await delivery_pass(store, sender(app.bot), reminder_config(live.knowledge), NOW)
        seconds = time.perf_counter() - started
        sampler.cancel()
    await store.close()
    print(json.dumps({"sent": report.reminder.sent, "report": str(report), "seconds": seconds,
                      "rss_before": rss_before, "peak_before": peak_before,
                      "sampled_max": sampled[0], "peak_after": peak_rss_mb(), "hwm": hwm_rss_mb(),
                      "rss_after": current_rss_mb()}))


# ---------------------------------------------------------------------------- main
LIVE: LiveEngine
CONFIG: ReminderConfig


async def main_async(args: argparse.Namespace) -> int:
    global LIVE, CONFIG
    LIVE = LiveEngine.load(None)
    CONFIG = reminder_config(LIVE.knowledge)
    say(f"reminder {sends_text()!r}")
    say(f"now {NOW.isoformat()}, subscribers joined {SUBSCRIBED.date()}; load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as tmp_name:
        tmp = Path(tmp_name)
        async with StandIn() as api:
            runs: list[tuple[str, Callable[[], Awaitable[bool]]]] = [
                (f"a@{ms:g}ms", lambda ms=ms, i=i: part_a(api, tmp, args.subscribers, ms,
                                                         args.ask_every, CHATS_A + i * 10**6))
                for i, ms in enumerate(args.latency_ms)]
            runs += [("b", lambda: part_b(api, tmp, args.overhead_subscribers, args.repeats)),
                     ("c", lambda: part_c(api, tmp, args.memory_subscribers))]
            for part, run in runs:
                if part[0] in args.parts:
                    started = time.perf_counter()
                    results[part] = await run()
                    say(f"   ({part} took {time.perf_counter() - started:,.0f} s)")
            if api.internal_errors:
                say(f"stand-in internal errors: {api.internal_errors[:3]}")
                return 1
    say("targets: " + ", ".join(f"{p}) {'met' if ok else 'NOT met'}" for p, ok in results.items()))
    return 0 if all(results.values()) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=600,
                        help="subscribers for part a) (default 600, ~21 s per latency)")
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0.0, 100.0, 300.0],
                        help="part a): the stand-in's answer time per request, one run each")
    parser.add_argument("--ask-every", type=float, default=1.0,
                        help="part a): seconds between questions asked during the pass "
                             "(each reply takes one of the 29 slots/s; 0 = no questions)")
    parser.add_argument("--in-flight", type=int, default=None,
                        help="part a): sends in flight (default bot.reminders.delivery.IN_FLIGHT;"
                             " 1 = the old one-at-a-time pass)")
    parser.add_argument("--overhead-subscribers", type=int, default=FULL_SIZE,
                        help="subscribers for part b) (default 10,000)")
    parser.add_argument("--memory-subscribers", type=int, default=100_000,
                        help="subscribers stored for part c) (default 100,000)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="part b): rounds of bare loop / pass / no-op pass (medians)")
    parser.add_argument("--parts", default="abc", help="which parts to run, e.g. 'bc'")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.memory_child:
        asyncio.run(memory_child())
        return
    if args.in_flight is not None:
        delivery.IN_FLIGHT = args.in_flight
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()

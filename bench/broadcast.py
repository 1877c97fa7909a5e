"""Delivering one reminder (d7 of the bundled call) to many subscribers through the stand-in.

The production path: bot.telegram.app.build_application (the Bot `partnerbot run` uses) and
its `sender`, bot.reminders.delivery.delivery_pass with reminder_config(knowledge), a real SQLite file
seeded with one bulk INSERT, `now` = 2020-03-08 09:00:05 Europe/Stockholm (d7 just due).
The Bot API stand-in (tests/standin.py) runs on this process's event loop.

  a) rate limiter on (PartnerbotRateLimiter, 29 msg/s) against a stand-in that answers 429
     to the 31st send in any one-second window: achieved rate / configured cap (target
     >= 0.9), most sends in any one-second window (<= 30) and 429s (0). 10,000 subscribers
     take about 6 minutes; --subscribers N for quicker runs (figures projected to 10,000).
  b) rate limiter off: the delivery pass (claim/send/finish per chat) next to bare
     `bot.send_message` calls in a loop, same stand-in, same run; the bot's own overhead is
     the difference per message (target >= 1,000 msg/s). Cross-check: the pass with a
     sender that does nothing (SQLite work only).
  c) peak RSS of a delivery pass with 100,000 subscribers stored (target <= 150 MB),
     measured in a child process that holds only the bot side (knowledge, Application,
     store); the stand-in stays in this process.

Run: .venv/bin/python bench/broadcast.py [--subscribers 10000] [--memory-subscribers 100000]
     [--repeats 3] [--parts abc]   (a) about 6 minutes at 10,000; b) + c) together under 10)
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

from bot.brain import Brain, reminder_config
from bot.clock import STOCKHOLM, to_utc
from bot.config import load_settings
from bot.reminders.delivery import PassReport, delivery_pass
from bot.reminders.ratelimit import PartnerbotRateLimiter
from bot.reminders.schedule import ReminderConfig, due_reminder
from bot.storage import Store
from bot.telegram.app import build_application, sender
from tests.botrunner import bot_env
from tests.standin import StandIn

NOW = datetime(2020, 3, 8, 9, 0, 5, tzinfo=STOCKHOLM)          # d7 reminder due at 09:00
SUBSCRIBED = datetime(2020, 3, 1, 12, 0, tzinfo=STOCKHOLM)     # everyone joined before that
CAP = int(inspect.signature(PartnerbotRateLimiter).parameters["overall_max_rate"].default)
TELEGRAM_LIMIT = 30                    # what the stand-in enforces, like Telegram (~30/s)
FULL_SIZE = 10_000
TARGET_FRACTION, TARGET_OVERHEAD_RATE, TARGET_RSS_MB = 0.9, 1_000.0, 150.0
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
    app = build_application(settings, BRAIN, None, clock=lambda: NOW)
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


async def timed_pass(db: Path, send: Callable[[int, str], Awaitable[None]]) -> tuple[
        PassReport, float, float]:
    """One delivery pass on the database `db`: (report, wall seconds, CPU seconds)."""
    store = await Store.open(db)
    try:
        started, cpu = time.perf_counter(), time.process_time()
        report = await delivery_pass(store, send, CONFIG, NOW)
        return report, time.perf_counter() - started, time.process_time() - cpu
    finally:
        await store.close()


# ---------------------------------------------------------------------------- a) rate-limited
async def part_a(api: StandIn, tmp: Path, n: int) -> bool:
    db = await seeded_db(tmp / "a.db", n, CHATS_A)
    say(f"a) rate limiter on: {n:,} subscribers, PartnerbotRateLimiter cap {CAP}/s, stand-in "
        f"answers 429 above {TELEGRAM_LIMIT} sends in any 1 s window")
    api.clear_records()
    api.enforce_rate_limit(TELEGRAM_LIMIT)
    try:
        async with bot_side(api, tmp, rate_limit=True) as app, progress(api, n):
            report, seconds, _ = await timed_pass(db, sender(app))
    finally:
        api.enforce_rate_limit(None)
    sent = sends(api)
    times = sorted(s.ts for s in sent)
    per_chat = Counter(s.chat_id for s in sent)
    too_many = sum(1 for c in api.calls if c.status == 429) + len(api.rate_violations)
    window_max = api.max_in_any_window(1.0)
    rate = report.reminder.sent / seconds
    sustained = sustained_rate(times)
    # The stand-in refuses a send when 30 others arrived less than 1 s before it: the
    # tightest span of 31 consecutive sends shows how far from a 429 the run stayed.
    k = TELEGRAM_LIMIT
    tightest = min((times[i + k] - times[i] for i in range(len(times) - k)), default=float("inf"))
    at_limit = sum(1 for i in range(len(times) - k + 1) if times[i + k - 1] - times[i] < 1.0)
    ok = (report.reminder.sent == n and len(per_chat) == n and max(per_chat.values()) == 1
          and too_many == 0 and window_max <= TELEGRAM_LIMIT)
    say(f"   pass                      {report}   in {seconds:,.1f} s")
    say(f"   achieved rate             {rate:.2f} msg/s = {rate / CAP:.3f} of the {CAP}/s cap   "
        f"(sent / pass time; target >= {TARGET_FRACTION})  "
        f"{'OK' if rate / CAP >= TARGET_FRACTION else 'BELOW'}")
    say(f"   sustained rate            {sustained:.2f} msg/s = {sustained / CAP:.3f} of the cap   "
        f"(slope of sends over time; the first {CAP} go out at once)")
    say(f"   max sends in any 1 s      {window_max}   (must be <= {TELEGRAM_LIMIT})  "
        f"{'OK' if window_max <= TELEGRAM_LIMIT else 'TOO MANY'};  1 s windows holding "
        f"{TELEGRAM_LIMIT}: {at_limit:,}; tightest {k + 1} consecutive sends: {tightest:.3f} s "
        f"(a 429 needs < 1 s)")
    say(f"   429 answers               {too_many}   (must be 0)  {'OK' if not too_many else 'FAIL'}")
    say(f"   each chat exactly once    {'yes' if ok else 'NO'} ({len(per_chat):,} chats, "
        f"{len(sent):,} messages)")
    if n < FULL_SIZE:
        projected = (FULL_SIZE - CAP) / sustained
        say(f"   projected for {FULL_SIZE:,}     {projected / 60:.1f} min, "
            f"{FULL_SIZE / projected:.2f} msg/s = {FULL_SIZE / projected / CAP:.3f} of the cap")
    api.clear_records()
    return ok and rate / CAP >= TARGET_FRACTION


def sustained_rate(times: list[float]) -> float:
    """Least-squares slope of send number over send time (sends/s); exact for the limiter's
    staircase (bursts of CAP once a second) where first-to-last would count one burst extra."""
    n = len(times)
    if n < 2 or times[-1] == times[0]:
        return float("nan")
    mean_t, mean_i = sum(times) / n, (n - 1) / 2
    cov = sum((t - mean_t) * (i - mean_i) for i, t in enumerate(times))
    return cov / sum((t - mean_t) ** 2 for t in times)


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
            report, wall, cpu = await timed_pass(db, sender(app))
            passes.append((wall, cpu))
            delivered = Counter(s.chat_id for s in sends(api) if first <= s.chat_id < first + n)
            ok = ok and report.reminder.sent == n and len(delivered) == n \
                and max(delivered.values()) == 1
            null_db = await seeded_db(tmp / f"b-null{r}.db", n, CHATS_NULL + r * n)
            null_report, null_s, null_cpu = await timed_pass(null_db, nothing)
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
    brain = Brain.load(settings.knowledge_dir)
    store = await Store.open(settings.db_path)
    app = build_application(settings, brain, store, clock=lambda: NOW)
    sampled = [0.0]

    async def sample() -> None:                   # the pass's own high-water mark
        while True:
            sampled[0] = max(sampled[0], current_rss_mb())
            await asyncio.sleep(0.05)

    async with app:
        rss_before, peak_before = current_rss_mb(), peak_rss_mb()
        sampler = asyncio.create_task(sample())
        started = time.perf_counter()
        report = await delivery_pass(store, sender(app), reminder_config(brain.knowledge), NOW)
        seconds = time.perf_counter() - started
        sampler.cancel()
    await store.close()
    print(json.dumps({"sent": report.reminder.sent, "report": str(report), "seconds": seconds,
                      "rss_before": rss_before, "peak_before": peak_before,
                      "sampled_max": sampled[0], "peak_after": peak_rss_mb(), "hwm": hwm_rss_mb(),
                      "rss_after": current_rss_mb()}))


# ---------------------------------------------------------------------------- main
BRAIN: Brain
CONFIG: ReminderConfig


async def main_async(args: argparse.Namespace) -> int:
    global BRAIN, CONFIG
    BRAIN = Brain.load(None)
    CONFIG = reminder_config(BRAIN.knowledge)
    say(f"reminder {sends_text()!r}")
    say(f"now {NOW.isoformat()}, subscribers joined {SUBSCRIBED.date()}; load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    results = {}
    with tempfile.TemporaryDirectory(prefix="bench-broadcast-") as tmp_name:
        tmp = Path(tmp_name)
        async with StandIn() as api:
            for part, run in (("a", lambda: part_a(api, tmp, args.subscribers)),
                              ("b", lambda: part_b(api, tmp, args.subscribers, args.repeats)),
                              ("c", lambda: part_c(api, tmp, args.memory_subscribers))):
                if part in args.parts:
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
    parser.add_argument("--subscribers", type=int, default=FULL_SIZE,
                        help="subscribers for parts a) and b) (default 10,000; a) takes ~6 min)")
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
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()

"""Replies per second of the real Partnerbot Application next to a minimal echo bot (the floor).

2,000 questions (tests/data/labelled_questions.jsonl, cycled) from 500 private chats are pushed
into the Bot API stand-in (standin/) at once; the clock runs from the first push until
the stand-in records the last reply. Both systems poll the same stand-in in the same run,
alternately, each run on a fresh Application (Partnerbot: fresh SQLite file,
PARTNERBOT_RATE_LIMIT off, the production delivery interval of 60 s).

The stand-in runs on the bots' own event loop by default: in a thread (--standin thread) the
GIL hand-over adds up to a switch interval to each round trip, which punishes the echo bot's
one-update-at-a-time processing most and makes its figures swing by 2x between runs. CPU time
per reply (whole process: bot, stand-in, SQLite thread) is printed too: it is much less
sensitive than wall time to other work on the machine.

  Partnerbot  tests/botrunner.py `running_bot`: builder, handlers, per-chat ordering, store.
  echo        ApplicationBuilder defaults + one MessageHandler replying with the same text.

Target: Partnerbot rate >= 0.7 x the echo bot's rate. Also checked: every question got its
reply (exactly the expected message(s), in order per chat). Figures are medians over --runs.
Exit status 1 when the target or a reply check fails.
Run: .venv/bin/python bench/conversation.py [--questions 2000] [--chats 500] [--runs 5]
(1 to 3 minutes with the default sizes, depending on how fast Partnerbot is)
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from _common import labelled_questions, peak_rss_mb, percentile

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from bot.telegram import messages as msg
from bot.clock import STOCKHOLM
from bot.answers.engine import Answer, Engine
from bot.telegram.formatting import escape, split_message
from bot.telegram.handlers import answer_html, written_language
from bot.knowledge.loader import load_knowledge
from bot.answers.normalize import MAX_QUESTION_CHARS
from standin.botrunner import running_bot
from standin import StandIn

NOW = datetime(2020, 3, 1, 12, 0, tzinfo=STOCKHOLM)   # the call is open
FIRST_CHAT = 710_000_000
WRONG_EXAMPLES: list[tuple[str, str]] = []
TARGET_RATIO = 0.7


@dataclass
class RunResult:
    system: str
    questions: int
    seconds: float
    cpu_seconds: float              # process CPU time (bot + stand-in + SQLite thread)
    latencies: list[float]          # sorted, seconds from push to (last part of) the reply
    missing: int                    # chats with fewer messages than expected
    extra: int                      # chats with more messages than expected
    wrong_text: int                 # replies whose text is not the expected one

    @property
    def rate(self) -> float:
        return self.questions / self.seconds

    @property
    def cpu_per_reply(self) -> float:
        return self.cpu_seconds / self.questions

    @property
    def ok(self) -> bool:
        return not (self.missing or self.extra or self.wrong_text)


# ---------------------------------------------------------------------------- the two systems
@asynccontextmanager
async def partnerbot(api: StandIn) -> AsyncIterator[None]:
    with tempfile.TemporaryDirectory(prefix="bench-conv-") as tmp:
        async with running_bot(Path(tmp), api, now=NOW, rate_limit=False,
                               env={"PARTNERBOT_DELIVERY_INTERVAL": "60"}):
            yield


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message is not None and update.message.text is not None:
        await update.message.reply_text(update.message.text)


@asynccontextmanager
async def echo_bot(api: StandIn) -> AsyncIterator[None]:
    """The floor: python-telegram-bot with default settings and one handler."""
    app: Application = (ApplicationBuilder().token(api.token).base_url(api.base_url)
                        .base_file_url(api.base_file_url).build())
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    async with app:
        await app.start()
        # the same polling arguments running_bot uses for Partnerbot
        await app.updater.start_polling(poll_interval=0.0, timeout=1)   # type: ignore[union-attr]
        try:
            yield
        finally:
            await app.updater.stop()                                    # type: ignore[union-attr]
            await app.stop()


# ---------------------------------------------------------------------------- one measured run
def expected_partnerbot(plan: list[tuple[int, str]]) -> dict[tuple[int, int], list[str]]:
    """The HTML message(s) Partnerbot sends for the n-th question of each chat at NOW: a short
    follow-up is read against the chat's previous answer, as the bot does."""
    engine = Engine(load_knowledge())
    out: dict[tuple[int, int], list[str]] = {}
    previous: dict[int, Answer] = {}
    talking: dict[int, str] = {}            # the chat's language (stand-in users have none: sv)
    asked: dict[int, int] = defaultdict(int)
    for chat, q in plan:
        answer = engine.answer_question(q[: MAX_QUESTION_CHARS * 4], NOW, previous.get(chat))
        written, lang = written_language(q), talking.get(chat, "sv")
        if written is not None and written != lang:
            talking[chat] = written
        elif written is None and answer.lang != lang and answer.match in engine.knowledge.faq_by_id:
            answer = engine.answer_entry(answer.match, NOW, lang)    # as handlers.question does
        previous[chat] = answer
        out[(chat, asked[chat])] = split_message(answer_html(answer)) or [escape(msg.NON_TEXT)]
        asked[chat] += 1
    return out


async def measure(api: StandIn, system: str,
                  start: Callable[[StandIn], AbstractAsyncContextManager[None]],
                  plan: list[tuple[int, str]], expected: Callable[[int, int, str], list[str]],
                  timeout: float) -> RunResult:
    async with start(api):
        await asyncio.sleep(0.3)                # let start-up requests (getMe, commands) settle
        if api.pending_updates():
            raise RuntimeError("stand-in still holds updates from an earlier run")
        api.clear_records()
        want = sum(len(expected(chat, n, text)) for chat, n, text in _numbered(plan))
        pushed_at: dict[int, list[float]] = defaultdict(list)
        cpu0, t0 = time.process_time(), time.monotonic()
        for chat, text in plan:
            pushed_at[chat].append(time.monotonic())
            api.push_message(chat, text)
        await api.wait_for(lambda: len(_replies(api)) >= want, timeout=timeout, interval=0.02)
        cpu = time.process_time() - cpu0
        await asyncio.sleep(0.5)                # a grace period to catch extra replies
        replies = _replies(api)
    by_chat: dict[int, list] = defaultdict(list)
    for sent in replies:
        by_chat[int(sent.chat_id)].append(sent)
    questions_of: dict[int, list[str]] = defaultdict(list)
    for chat, text in plan:
        questions_of[chat].append(text)
    latencies, missing, extra, wrong = [], 0, 0, 0
    for chat, texts in questions_of.items():
        got = by_chat.get(chat, [])
        want_texts = [part for n, text in enumerate(texts) for part in expected(chat, n, text)]
        missing += len(got) < len(want_texts)
        extra += len(got) > len(want_texts)
        for g, w in zip(got, want_texts):
            if g.text != w:
                wrong += 1
                if len(WRONG_EXAMPLES) < 3:          # shown under a failed reply check
                    WRONG_EXAMPLES.append((w, g.text or ""))
        i = 0
        for n, (text, pushed) in enumerate(zip(texts, pushed_at[chat])):
            i += len(expected(chat, n, text))
            if i <= len(got):
                latencies.append(got[i - 1].ts - pushed)
    end = max(s.ts for s in replies)
    return RunResult(system, len(plan), end - t0, cpu, sorted(latencies), missing, extra, wrong)


def _numbered(plan: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
    """(chat, n, question): the n-th question each chat asks."""
    asked: dict[int, int] = defaultdict(int)
    out = []
    for chat, text in plan:
        out.append((chat, asked[chat], text))
        asked[chat] += 1
    return out


def _replies(api: StandIn) -> list:
    return [s for s in api.sent if s.method == "sendMessage"]


@asynccontextmanager
async def _standin(where: str) -> AsyncIterator[StandIn]:
    if where == "loop":
        async with StandIn() as api:
            yield api
    else:
        with StandIn.in_thread() as api:
            yield api


# ---------------------------------------------------------------------------- report
def summary(results: list[RunResult]) -> tuple[float, float, float, float]:
    """Medians over the runs: replies/s, p50 and p99 push->reply, CPU seconds per reply."""
    rate = statistics.median(r.rate for r in results)
    p50 = statistics.median(percentile(r.latencies, 50) for r in results)
    p99 = statistics.median(percentile(r.latencies, 99) for r in results)
    return rate, p50, p99, statistics.median(r.cpu_per_reply for r in results)


async def main_async(args: argparse.Namespace) -> int:
    mix = [case["q"] for case in labelled_questions()]
    plan = [(FIRST_CHAT + i % args.chats, mix[i % len(mix)]) for i in range(args.questions)]
    answers = expected_partnerbot(plan)
    systems = {
        "partnerbot": (partnerbot, lambda chat, n, text: answers[(chat, n)]),
        "echo": (echo_bot, lambda chat, n, text: [text]),
    }
    results: dict[str, list[RunResult]] = defaultdict(list)
    async with _standin(args.standin) as api:
        if args.api_delay:
            api.set_delay(args.api_delay, methods=["sendMessage"])
        for run in range(args.runs):
            for name, (start, expected) in systems.items():   # interleaved: same conditions
                result = await measure(api, name, start, plan, expected, args.timeout)
                results[name].append(result)
                print(f"run {run + 1} {name:<10} {result.rate:8,.0f} replies/s  "
                      f"{result.seconds:6.2f} s  p50 {percentile(result.latencies, 50) * 1e3:7.1f} ms"
                      f"  p99 {percentile(result.latencies, 99) * 1e3:7.1f} ms"
                      f"  cpu {result.cpu_per_reply * 1e6:5.0f} us/reply"
                      f"{'' if result.ok else '  REPLY CHECK FAILED'}", flush=True)
        internal = list(api.internal_errors)
    pb_rate, pb50, pb99, pb_cpu = summary(results["partnerbot"])
    echo_rate, e50, e99, e_cpu = summary(results["echo"])
    split = sum(1 for parts in answers.values() if len(parts) > 1)
    ratio = pb_rate / echo_rate
    print(f"questions                 {args.questions:,} from {args.chats} chats "
          f"({len(mix)} distinct, cycled); median of {args.runs} runs each; stand-in: "
          f"{args.standin}, sendMessage delay {args.api_delay * 1e3:.0f} ms; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"partnerbot replies/s      {pb_rate:,.0f}   (real Application, rate limiter off)")
    print(f"partnerbot push->reply    p50 {pb50 * 1e3:.1f} ms   p99 {pb99 * 1e3:.1f} ms   "
          f"(all pushed at once: mostly time spent queued)")
    print(f"echo bot   replies/s      {echo_rate:,.0f}   (PTB defaults, one MessageHandler)")
    print(f"echo bot   push->reply    p50 {e50 * 1e3:.1f} ms   p99 {e99 * 1e3:.1f} ms")
    print(f"ratio partnerbot/echo     {ratio:.2f}   (target >= {TARGET_RATIO})  "
          f"{'OK' if ratio >= TARGET_RATIO else 'BELOW TARGET'}")
    print(f"CPU per reply             partnerbot {pb_cpu * 1e6:,.0f} us, echo {e_cpu * 1e6:,.0f} us"
          f"   (one process: bot + stand-in + SQLite thread; echo/partnerbot "
          f"{e_cpu / pb_cpu:.2f}, less sensitive to other load on the machine)")
    checks = []
    for name, runs in results.items():
        bad = [r for r in runs if not r.ok]
        detail = ", ".join(f"missing {r.missing} extra {r.extra} wrong {r.wrong_text}" for r in bad)
        checks.append(f"{name}: {'all ok' if not bad else detail}")
    print(f"reply check (per chat)    {'; '.join(checks)}   "
          f"({split} of the questions expect a split answer)")
    for want, got in WRONG_EXAMPLES:
        print(f"  expected {want[:120]!r}\n  got      {got[:120]!r}")
    if internal:
        print(f"stand-in internal errors  {len(internal)}: {internal[:3]}")
    print(f"peak RSS (all, 1 process) {peak_rss_mb():.1f} MB")
    all_ok = all(r.ok for runs in results.values() for r in runs) and not internal
    return 0 if all_ok and ratio >= TARGET_RATIO else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--chats", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5, help="runs per system (median reported)")
    parser.add_argument("--standin", choices=("loop", "thread"), default="loop",
                        help="run the stand-in on the bots' event loop or in its own thread")
    parser.add_argument("--api-delay", type=float, default=0.0, metavar="SECONDS",
                        help="stand-in answers sendMessage after this delay (e.g. 0.05 for a "
                             "real Telegram round trip; default 0: the bots' own overhead)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()

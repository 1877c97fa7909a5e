"""Operator commands: run the bot, one delivery pass, unanswered questions, backup, health."""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from datetime import datetime
from pathlib import Path

from bot.clock import STOCKHOLM, system_clock
from bot.config import ConfigError, Settings, load_settings
from bot.knowledge.model import KnowledgeError, knowledge_warnings
from bot.logsafe import setup_logging
from bot.storage import StorageError, Store

log = logging.getLogger(__name__)

EXIT_CONFIG = 2
HEALTHY_WITHIN = 90.0    # seconds since the last heartbeat


def _fail(message: str, code: int = EXIT_CONFIG) -> int:
    print(f"partnerbot: {message}", file=sys.stderr)
    return code


def run_operation(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        return _fail(str(exc))
    if args.knowledge:
        settings = _with_knowledge(settings, args.knowledge)
    setup_logging(settings.log_level, settings.secret_values())
    try:
        if args.command == "run":
            return run_bot(settings)
        if args.command == "send-reminders":
            return asyncio.run(send_reminders(settings, args.now))
        if args.command == "unanswered":
            return asyncio.run(list_unanswered(settings))
        if args.command == "feedback":
            return asyncio.run(list_feedback(settings))
        if args.command == "cases":
            return asyncio.run(cases(settings, args.export))
        if args.command == "backup":
            return asyncio.run(backup(settings, args.file))
        return health(settings)
    except StorageError as exc:
        return _fail(f"database problem: {exc}")


def _with_knowledge(settings: Settings, directory: Path) -> Settings:
    from dataclasses import replace
    return replace(settings, knowledge_dir=directory)


def _load_live_engine(settings: Settings):  # noqa: ANN202 - LiveEngine, imported lazily with the engine
    from bot.live_engine import LiveEngine
    return LiveEngine.load(settings.knowledge_dir)


def run_bot(settings: Settings) -> int:
    """`partnerbot run`: refuse to start on a missing token, bad knowledge or a foreign db."""
    if settings.token is None:
        return _fail("TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather and set it in "
                     "the environment or in .env (or run `partnerbot chat` to try the bot locally).")
    try:
        live = _load_live_engine(settings)
    except KnowledgeError as exc:
        return _fail(f"the knowledge is invalid; not starting:\n{exc}")
    for warning in knowledge_warnings(live.knowledge, settings.pretend_now or system_clock()):
        print(f"warning: {warning}", file=sys.stderr)
    asyncio.run(_check_store(settings.db_path, settings.busy_timeout))
    from telegram.error import InvalidToken

    from bot.telegram.app import run
    from bot.telegram.webhook import WebhookError
    print(f"Partnerbot startar (databas: {settings.db_path}). Avsluta med Ctrl-C.", file=sys.stderr)
    try:
        run(settings, live)
    except InvalidToken:
        # PTB's message and traceback contain the token: say what happened without them.
        return _fail("Telegram rejected TELEGRAM_BOT_TOKEN (revoked or mistyped?). "
                     "Get a valid token from @BotFather.")
    except WebhookError as exc:
        return _fail(str(exc))
    except Exception:  # noqa: BLE001 - last resort: a redacted log line instead of a raw traceback
        log.exception("the bot stopped because of an unexpected error")
        return 1
    return 0


async def _check_store(path: Path, busy_timeout: float) -> None:
    """Create/migrate the database, or fail with a clear message, before going online."""
    store = await Store.open(path, busy_timeout=busy_timeout)
    await store.close()


async def send_reminders(settings: Settings, now_arg) -> int:  # noqa: ANN001 - datetime | None
    """`partnerbot send-reminders`: one delivery pass with the same code the bot runs."""
    from telegram import Bot

    from bot.reminders.delivery import IN_FLIGHT, delivery_pass
    from bot.reminders.lease import exclusive_pass
    from bot.reminders.ratelimit import PerKeyLimiter, SlidingWindowLimiter
    from bot.telegram.subscriptions import sender
    from bot.telegram.transport import JsonRequest
    if settings.token is None:
        return _fail("TELEGRAM_BOT_TOKEN is not set")
    try:
        live = _load_live_engine(settings)
    except KnowledgeError as exc:
        return _fail(f"the knowledge is invalid:\n{exc}")
    now = now_arg or system_clock()
    base_url, base_file_url = settings.bot_api_urls
    store = await Store.open(settings.db_path, busy_timeout=settings.busy_timeout)
    # A bare Bot has no rate limiter: the pass paces itself with the same windows, 29/s
    # overall (evenly spaced, like PartnerbotRateLimiter) and 1/s per chat.
    limiter = SlidingWindowLimiter(29, 1.0, even=True) if settings.rate_limit else None
    chat_limiter = PerKeyLimiter(1, 1.0) if settings.rate_limit else None
    request = JsonRequest(connection_pool_size=IN_FLIGHT + 2)    # one per send in flight
    try:
        async with Bot(settings.token.reveal(), base_url=base_url, base_file_url=base_file_url,
                       request=request) as bot:
            send = sender(bot, store)       # the bot's own: buttons, broadcast framing
            clock = (lambda: now) if now_arg else system_clock
            async with exclusive_pass(store) as mine:
                if not mine:
                    print("Another delivery pass is running (the bot?); nothing done.")
                    return 0
                report = await delivery_pass(store, send, live.reminders, now, clock=clock,
                                             limiter=limiter, chat_limiter=chat_limiter)
    finally:
        await store.close()
    counts = report.counts
    print(f"{report}\nsent {counts.sent}, skipped {counts.skipped}, blocked {counts.blocked}, "
          f"failed {counts.failed}")
    return 0


async def list_unanswered(settings: Settings) -> int:
    store = await Store.open(settings.db_path, busy_timeout=settings.busy_timeout)
    try:
        rows = await store.top_unanswered(100)
    finally:
        await store.close()
    if not rows:
        print("No unanswered questions stored.")
    for text, count, last in rows:
        print(f"{count:>5}  {last:%Y-%m-%d}  {text}")
    return 0


async def list_feedback(settings: Settings) -> int:
    """Questions whose answer got 👎, with the answer given, most frequent first."""
    store = await Store.open(settings.db_path, busy_timeout=settings.busy_timeout)
    try:
        rows = await store.top_feedback(100)
    finally:
        await store.close()
    if not rows:
        print("No 👎 feedback stored.")
    for text, answer, count, last in rows:
        print(f"{count:>5}  {last:%Y-%m-%d}  {answer or '-'}  {text}")
    return 0


def _local_time(when: datetime) -> str:
    return when.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")


async def cases(settings: Settings, export: Path | None) -> int:
    """`partnerbot cases`: open cases (oldest first), then answered ones; with --export the
    answered ones as draft FAQ entries for a curator to review and merge."""
    store = await Store.open(settings.db_path, busy_timeout=settings.busy_timeout)
    try:
        if export is not None:
            answered = await store.answered_cases()
        else:
            listed = await store.list_cases()
    finally:
        await store.close()
    if export is not None:
        try:
            export.write_text(draft_faq(answered, system_clock()), encoding="utf-8")
        except OSError as exc:
            return _fail(f"cannot write {export}: {exc.strerror}", 1)
        print(f"Wrote {len(answered)} draft FAQ entr{'y' if len(answered) == 1 else 'ies'} "
              f"to {export}; review them before merging into knowledge/faq.yaml.")
        return 0
    if not listed:
        print("No open or answered cases.")
    for case in listed:
        answered_at = f"  (first answer {_local_time(case.answered_at)})" if case.answered_at else ""
        print(f"{case.state:<9} #{case.id:<5} {_local_time(case.asked_at)}  {case.language}  "
              f"{' '.join(case.question.split())}{answered_at}")
    return 0


def draft_faq(answered: list, now: datetime) -> str:  # noqa: ANN001 - [(Case, [CaseAnswer])]
    """YAML drafts in the shape of knowledge/faq.yaml entries, one per answered case, each with
    `source: "handläggare, DATE"` (a person's answer, not the announcement's)."""
    import yaml

    class Dumper(yaml.SafeDumper):
        def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
            super().increase_indent(flow, False)          # "  - id:" as in knowledge/faq.yaml

    class Quoted(str):
        pass

    def text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
        style = '"' if isinstance(value, Quoted) else "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    Dumper.add_representer(Quoted, text)
    entries = []
    for case, answers in answered:
        staff = [a for a in answers if a.author == "staff"]
        if not staff:
            continue
        day = staff[0].at.astimezone(STOCKHOLM).date().isoformat()
        title = " ".join(case.question.split())
        entries.append({
            "id": f"case_{case.id}",
            "title": title if len(title) <= 60 else title[:59].rsplit(" ", 1)[0] + "…",
            "questions": [title],
            "answer": "\n\n".join(a.text.strip() for a in staff),
            "source": Quoted(f"handläggare, {day}"),
        })
    head = (f"# Draft FAQ entries from answered cases (partnerbot cases --export, "
            f"{now.astimezone(STOCKHOLM):%Y-%m-%d %H:%M}).\n"
            "# For a curator: check each answer, add phrasings (at least five), title_en and "
            "answer_en,\n# then merge the entries you keep into knowledge/faq.yaml. `source` "
            "says who answered:\n# a case officer, not the call announcement.\n")
    body = yaml.dump({"entries": entries}, Dumper=Dumper, allow_unicode=True, sort_keys=False,
                     width=100, default_flow_style=False)
    return head + body


async def backup(settings: Settings, dest: Path) -> int:
    store = await Store.open(settings.db_path, busy_timeout=settings.busy_timeout)
    try:
        await store.backup(dest)
    finally:
        await store.close()
    print(f"Backed up {settings.db_path} to {dest}")
    return 0


def health(settings: Settings) -> int:
    """Docker HEALTHCHECK: healthy while the bot keeps writing its heartbeat."""
    from bot.telegram.app import heartbeat_path
    path = heartbeat_path(settings)
    try:
        age = time.time() - int(path.read_text(encoding="ascii"))
    except (OSError, ValueError):
        return _fail(f"no heartbeat at {path}", 1)
    if age > HEALTHY_WITHIN:
        return _fail(f"last heartbeat {age:.0f} s ago: the bot has stopped polling", 1)
    print(f"healthy (heartbeat {age:.0f} s ago)")
    return 0

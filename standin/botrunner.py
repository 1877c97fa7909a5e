"""Run the real Partnerbot Application against the Bot API stand-in, in-process or as a process.

In-process (most end-to-end tests)::

    async with StandIn() as api, running_bot(tmp_path, api, now=...) as bot:
        api.push_message(1001, "Kenya?")
        [reply] = await api.wait_messages(1001, 1)

As a separate process (restarts, kill -9)::

    with StandIn.in_thread() as api:
        proc = start_bot_process(tmp_path, api, now="2020-03-08T08:59:58")
        ...
        proc.kill()
"""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bot.live_engine import LiveEngine
from bot.config import Settings, load_settings
from bot.telegram.services import Services
from bot.storage import Store
from bot.telegram.app import App, build_application, serve
from standin import Sent, StandIn

ROOT = Path(__file__).resolve().parent.parent


class FakeClock:
    """A clock tests move by hand: ``clock.now = ...`` or ``clock.advance(minutes=5)``."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def bot_env(tmp_path: Path, api: StandIn, **extra: str) -> dict[str, str]:
    """The environment a Partnerbot process needs to talk to the stand-in."""
    env = {
        "TELEGRAM_BOT_TOKEN": api.token,
        "TELEGRAM_API_BASE_URL": api.base_url,
        "PARTNERBOT_DB": str(tmp_path / "partnerbot.db"),
        "PARTNERBOT_RATE_LIMIT": "off",
        "PARTNERBOT_DELIVERY_INTERVAL": "0.2",
        "PARTNERBOT_LOG_LEVEL": "INFO",
    }
    env.update(extra)
    return env


@dataclass
class RunningBot:
    app: App
    store: Store
    clock: FakeClock
    settings: Settings

    @property
    def services(self) -> Services:
        return self.app.bot_data.services


@asynccontextmanager
async def running_bot(tmp_path: Path, api: StandIn, *, now: datetime,
                      admins: str = "", knowledge_dir: Path | None = None,
                      env: Mapping[str, str] | None = None,
                      rate_limit: bool = False) -> AsyncIterator[RunningBot]:
    """The production Application (same builder, handlers, post_init) polling the stand-in."""
    extra = dict(env or {})
    extra["PARTNERBOT_ADMINS"] = admins
    extra["PARTNERBOT_RATE_LIMIT"] = "on" if rate_limit else "off"
    if knowledge_dir is not None:
        extra["PARTNERBOT_KNOWLEDGE"] = str(knowledge_dir)
    settings = load_settings(bot_env(tmp_path, api, **extra), env_file=None)
    clock = FakeClock(now)
    store = await Store.open(settings.db_path, busy_timeout=settings.busy_timeout)
    app = build_application(settings, LiveEngine.load(settings.knowledge_dir), store, clock=clock)
    started = asyncio.Event()
    serving = asyncio.create_task(serve(app, started))     # the production polling path
    try:
        await asyncio.wait({serving, asyncio.create_task(started.wait())},
                           return_when=asyncio.FIRST_COMPLETED)
        if serving.done():
            serving.result()                                # startup failed: raise it here
        yield RunningBot(app, store, clock, settings)
    finally:
        app.bot_data.stop.set()
        await serving
        await store.close()


def start_bot_process(tmp_path: Path, api: StandIn, *, now: str | None = None,
                      **extra: str) -> subprocess.Popen[bytes]:
    """`python -m bot run` as its own process, logging to tmp_path/bot.log."""
    env = dict(os.environ)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.update(bot_env(tmp_path, api, **extra))
    if now:
        env["PARTNERBOT_NOW"] = now
    env["PYTHONPATH"] = str(ROOT)
    log = (tmp_path / "bot.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=tmp_path, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


class PassCounter:
    """Counts finished delivery passes of an in-process bot (each one releases the lease).

    `await passes.wait(2)` returns once two more passes have finished, so at least one whole
    pass ran after whatever the test changed just before (e.g. the FakeClock).
    """

    def __init__(self, bot: RunningBot) -> None:
        self.count = 0
        release = bot.store.release_lease

        async def counted(name: str, owner: str) -> None:
            await release(name, owner)
            self.count += 1

        bot.store.release_lease = counted  # type: ignore[method-assign]

    async def wait(self, api: StandIn, n: int = 2, timeout: float = 5.0) -> None:
        target = self.count + n
        await api.wait_for(lambda: self.count >= target, timeout)


async def seed(store: Store, chats: Iterable[int], when: datetime,
               language: str = "sv") -> None:
    """Subscribe ``chats`` directly in the store, as if they had sent /prenumerera at ``when``."""
    for chat in chats:
        await store.subscribe(chat, language, when)


async def settle(api: StandIn, bot: RunningBot) -> None:
    """Wait until every pushed update was fetched and fully handled (twice in a row)."""
    def idle() -> bool:
        return (api.pending_updates() == 0 and bot.app.update_queue.empty()
                and bot.app.update_processor.current_concurrent_updates == 0)
    for _ in range(2):
        await api.wait_for(idle, timeout=5)
        await asyncio.sleep(0.05)


async def run_heartbeat(bot: RunningBot) -> None:
    """Run the scheduled heartbeat job now (it writes the question log), as the JobQueue would."""
    [job] = bot.app.job_queue.get_jobs_by_name("heartbeat")   # type: ignore[union-attr]
    await job.run(bot.app)


async def ask(api: StandIn, chat: int, text: str, n: int = 1, **kw: object) -> list[Sent]:
    """Push a message and return the `n` new messages sent to the chat."""
    before = len(api.messages_to(chat))
    api.push_message(chat, text, **kw)  # type: ignore[arg-type]
    return (await api.wait_messages(chat, before + n))[before:]


def buttons(sent: Sent) -> list[tuple[str, str]]:
    """(label, callback data or URL) of every inline button under a sent message."""
    rows = (sent.reply_markup or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data") or b.get("url", "")) for row in rows for b in row]


async def press(api: StandIn, chat: int, data: str, message: Sent, n: int = 1) -> list[Sent]:
    """Press the button with ``data`` under ``message``; the `n` new messages sent to the chat."""
    before = len(api.messages_to(chat))
    api.push_callback(chat, data, message_id=message.message_id)
    return (await api.wait_messages(chat, before + n))[before:]

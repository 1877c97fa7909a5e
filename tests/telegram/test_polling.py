"""Confirm-after-handling polling and retries: a hiccup at Telegram costs nobody an answer."""
from __future__ import annotations

import asyncio
import signal
import time
from datetime import datetime
from pathlib import Path

from bot.clock import STOCKHOLM
from standin.botrunner import running_bot, start_bot_process
from standin import StandIn

NOW = datetime(2020, 3, 1, 10, 0, tzinfo=STOCKHOLM)


async def test_a_failed_reply_is_retried_and_the_real_answer_arrives(tmp_path: Path) -> None:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW):
        api.fail_next("sendMessage", 500, count=2)
        api.push_message(11, "Kan vi samarbeta med Kenya?", user_id=11)
        [reply] = await api.wait_messages(11, 1, timeout=10)
        assert reply.plain_text.startswith("Ja! Kenya")
        assert [c.status for c in api.calls if c.method == "sendMessage"] == [500, 500, 200]


async def test_updates_are_confirmed_only_after_they_were_handled(tmp_path: Path) -> None:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW):
        api.set_delay(1.0, methods=["sendMessage"])      # the answer takes a second to send
        pushed_at = time.monotonic()
        first = api.push_message(12, "hej", user_id=12)
        # the bot fetched it (a getUpdates finished after the push) and is answering it ...
        await api.wait_for(lambda: any(c.method == "getUpdates" and c.ts > pushed_at
                                       for c in api.calls), timeout=5)
        await asyncio.sleep(0.3)
        assert not any(c.method == "sendMessage" for c in api.calls)
        assert api.updates_confirmed() <= first          # ... but has not confirmed it yet
        await api.wait_messages(12, 1, timeout=5)
        await api.wait_for(lambda: api.updates_confirmed() > first, timeout=5)


def test_startup_survives_transient_telegram_errors(tmp_path: Path) -> None:
    with StandIn.in_thread() as api:
        api.fail_next("getMe", 500, count=2)
        api.fail_next("setMyCommands", 500)
        api.fail_next("deleteWebhook", 502)
        proc = start_bot_process(tmp_path, api, now="2020-03-01T10:00")
        try:
            api.push_message(13, "/deadline", user_id=13)
            [reply] = api.wait_messages_sync(13, 1, timeout=20)
            assert "15 mars 2020" in reply.plain_text
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0

"""Hostile and odd input through the real bot: handled or ignored on purpose, never a crash."""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.clock import STOCKHOLM
from standin.botrunner import running_bot
from standin import StandIn

NOW = datetime(2020, 3, 1, 10, 0, tzinfo=STOCKHOLM)
ODD = [
    "", " ", "\u200b", "\u202eKenya", "😀" * 10_000, "a" * 100_000, "<b>", "</b>&", "&amp;&#0;",
    "'; DROP TABLE subscribers; --", "/start " + "x" * 5000, "/lander ; rm -rf /",
    "/deadline@partnerbot_test_bot extra args", "/glom_mig now", "/broadcast <b>x</b>",
    "**fet** __kursiv__ [länk](javascript:alert(1))", "\x00\x07\x1b[2J", "Kenya" + "\u0301" * 300,
]


def bot_message(chat_id: int, text: str) -> dict:
    sender = {"id": 777000 + chat_id, "is_bot": True, "first_name": "Annan bot"}
    chat = {"id": chat_id, "type": "group", "title": "Grupp"}
    return {"message": {"message_id": 1, "date": int(time.time()), "chat": chat, "from": sender,
                        "text": text}}


@pytest.fixture
def errors(caplog):
    caplog.set_level(logging.ERROR)
    return lambda: [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_odd_messages_and_commands_always_get_a_valid_reply(tmp_path: Path, errors) -> None:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW) as bot:
        for i, text in enumerate(ODD):
            chat = 5000 + i
            api.push_message(chat, text, user_id=chat)
        for i, text in enumerate(ODD):
            if text.strip() and text != "\u200b":
                await api.wait_messages(5000 + i, 1, timeout=10)
        await asyncio.sleep(0.3)
        rejected = [c for c in api.calls if c.method == "sendMessage" and c.status != 200]
        assert not rejected, rejected[:3]
        assert not errors() and not api.internal_errors
        assert await bot.store.count_active() == 0      # "/broadcast" from a non-admin did nothing


async def test_messages_from_other_bots_are_ignored(tmp_path: Path) -> None:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW):
        api.push_raw(bot_message(-42, "@partnerbot_test_bot kenya?"))
        api.push_raw(bot_message(-42, "/lander@partnerbot_test_bot"))
        api.push_message(-43, "@partnerbot_test_bot kenya?", user_id=9, chat_type="group")
        await api.wait_messages(-43, 1)                 # a person in another group: answered
        await asyncio.sleep(0.3)
        assert api.messages_to(-42) == []


async def test_forged_and_oversized_callback_data_is_answered_not_crashed(tmp_path: Path,
                                                                          errors) -> None:
    forged = ["", "a", "a::", "a:../../etc:sv", "a:countries:xx", "forget:maybe", "bc:::",
              "bc:deadbeef:yes", "x" * 64, "a:countries:sv:extra"]
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW):
        for data in forged:
            api.push_callback(6001, data, user_id=6001)
        await api.wait_for(lambda: len(api.callback_answers) >= len(forged), timeout=10)
        assert not errors() and not api.internal_errors


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=st.text(max_size=300))
def test_any_inline_query_gets_valid_cards(tmp_path_factory, query: str) -> None:
    async def scenario() -> None:
        tmp = tmp_path_factory.mktemp("inline")
        async with StandIn() as api, running_bot(tmp, api, now=NOW):
            api.push_inline_query(7001, query)
            await api.wait_for(lambda: api.inline_answers or
                               any(c.method == "answerInlineQuery" for c in api.calls), timeout=10)
            calls = [c for c in api.calls if c.method == "answerInlineQuery"]
            assert calls and all(c.status == 200 for c in calls), calls
    asyncio.run(scenario())


async def test_admin_rights_follow_the_user_not_the_group(tmp_path: Path) -> None:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, admins="42"):
        api.push_message(-900, "/stats", user_id=43, chat_type="group")      # not an admin
        [refused] = await api.wait_messages(-900, 1)
        assert "inte tillgängligt" in refused.plain_text and "prenumeranter" not in refused.plain_text
        api.push_message(-900, "/stats", user_id=42, chat_type="group")      # the admin
        replies = await api.wait_messages(-900, 2)
        assert "Aktiva prenumeranter" in replies[1].plain_text

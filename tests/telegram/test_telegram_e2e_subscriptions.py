"""End-to-end: what the bot stores, and how it protects itself (issue 3).

Unanswered questions (text and time only) and `partnerbot unanswered`; subscribe →
/mina_uppgifter → /avsluta → /glom_mig; /kalender; per-chat flood control; over-long input;
channel posts and edited messages. Run against the Bot API stand-in on a real SQLite file.
"""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import icalendar
import pytest

from bot import cli
from bot.telegram import messages as msg
from bot.clock import STOCKHOLM
from standin.botrunner import RunningBot, ask, run_heartbeat, running_bot, settle
from standin import StandIn

NOW = datetime(2020, 3, 8, 8, 0, tzinfo=STOCKHOLM)   # one hour before the 7-days-left reminder
CHAT, USER = 555000111, 555000222


@pytest.fixture()
async def tg(tmp_path: Path) -> AsyncIterator[tuple[StandIn, RunningBot]]:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW) as bot:
        yield api, bot





def table_rows(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read with the sqlite3 module (not through the Store)."""
    with sqlite3.connect(db) as con:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: con.execute(f'SELECT * FROM "{t}"').fetchall() for t in tables}


def rows_holding(db: Path, *values: int) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of any table in which some column holds one of `values` (also inside text)."""
    def holds(cell: object) -> bool:
        return cell in values or (isinstance(cell, str | bytes)
                                  and any(str(v) in str(cell) for v in values))
    return {t: hits for t, rows in table_rows(db).items()
            if (hits := [r for r in rows if any(holds(c) for c in r)])}


# ---- unanswered questions ----------------------------------------------------------------
UNANSWERED = {"När hämtas soporna i Ale?": 3, "Hur många invånare har Kiruna?": 2,
              "Vad kostar en pizza i Umeå?": 1}


async def test_unanswered_questions_stored_without_who_asked(tmp_path, tg, capsys, monkeypatch,
                                                             keep_logging) -> None:
    api, bot = tg
    engine = bot.services.live.engine
    assert all(engine.answer_question(q, NOW).match is None for q in UNANSWERED)
    for question, times in UNANSWERED.items():
        for _ in range(times):
            [reply] = await ask(api, CHAT, question, user_id=USER)
            assert "icld.se" in reply.plain_text
    [answered] = await ask(api, CHAT, "Kan vi samarbeta med Kenya?", user_id=USER)
    assert "Kenya" in answered.plain_text
    await settle(api, bot)

    db = bot.settings.db_path
    assert table_rows(db)["unanswered"] == []           # kept in memory between heartbeats
    await run_heartbeat(bot)
    rows = table_rows(db)
    texts = sorted(r[1] for r in rows["unanswered"])
    assert texts == sorted(q for q, n in UNANSWERED.items() for _ in range(n))
    assert rows_holding(db, CHAT, USER) == {}
    with sqlite3.connect(db) as con:
        columns = {c[1] for c in con.execute("PRAGMA table_info(unanswered)")}
    assert not {c for c in columns if "chat" in c or "user" in c}

    monkeypatch.setenv("PARTNERBOT_DB", str(db))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    assert await asyncio.to_thread(cli.main, ["unanswered"]) == 0     # it runs its own loop
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    listed = [(int(line.split()[0]), line.split(maxsplit=2)[2]) for line in lines]
    assert listed == sorted(((n, q) for q, n in UNANSWERED.items()), reverse=True)
    assert all("2020-03-08" in line for line in lines)


# ---- subscriptions and GDPR --------------------------------------------------------------
async def test_subscribe_my_data_unsubscribe_forget_me(tg) -> None:
    api, bot = tg
    [done] = await ask(api, CHAT, "/prenumerera")
    assert "påminnelser" in done.plain_text and "15 mars 2020" in done.plain_text
    sub = await bot.store.get_subscriber(CHAT)
    assert sub is not None and sub.active
    [again] = await ask(api, CHAT, "/prenumerera")
    assert again.plain_text == msg.ALREADY_SUBSCRIBED

    bot.clock.now = datetime(2020, 3, 8, 9, 0, 30, tzinfo=STOCKHOLM)   # the reminder falls due
    reminder = (await api.wait_messages(CHAT, 3))[2]
    assert "15 mars 2020" in reminder.plain_text
    [mine] = await ask(api, CHAT, "/mina_uppgifter")
    assert "Prenumeration: aktiv" in mine.plain_text and "svenska" in mine.plain_text
    assert "2020-03-08 08:00" in mine.plain_text
    assert "påminnelser och utskick: 1 st" in mine.plain_text

    [stopped] = await ask(api, CHAT, "/avsluta")
    assert stopped.plain_text == msg.UNSUBSCRIBED
    sub = await bot.store.get_subscriber(CHAT)
    assert sub is not None and not sub.active
    [mine] = await ask(api, CHAT, "/mina_uppgifter")
    assert "Prenumeration: avslutad" in mine.plain_text

    [confirm] = await ask(api, CHAT, "/glom_mig")
    markup = confirm.reply_markup or {}
    datas = [b["callback_data"] for row in markup["inline_keyboard"] for b in row]
    assert datas == ["forget:yes", "forget:no"]
    held = rows_holding(bot.settings.db_path, CHAT)                 # still there until confirmed
    assert set(held) == {"subscribers", "deliveries"}
    query_id = api.push_callback(CHAT, "forget:yes", message_id=confirm.message_id)
    edit = await api.wait_for(lambda: [s for s in api.sent if s.method == "editMessageText"
                                       and s.chat_id == CHAT])
    assert edit[0].plain_text == msg.FORGET_DONE and not edit[0].reply_markup
    assert query_id in [a["callback_query_id"] for a in api.callback_answers]
    await settle(api, bot)
    assert rows_holding(bot.settings.db_path, CHAT) == {}
    assert await bot.store.get_subscriber(CHAT) is None
    [mine] = await ask(api, CHAT, "/mina_uppgifter")
    assert mine.plain_text.startswith(msg.MY_DATA_NONE)


async def test_forget_me_cancel_keeps_the_subscription(tg) -> None:
    api, bot = tg
    await ask(api, CHAT, "/prenumerera")
    [confirm] = await ask(api, CHAT, "/glom_mig")
    api.push_callback(CHAT, "forget:no", message_id=confirm.message_id)
    edit = await api.wait_for(lambda: [s for s in api.sent if s.method == "editMessageText"])
    assert edit[0].plain_text == msg.FORGET_CANCELLED
    sub = await bot.store.get_subscriber(CHAT)
    assert sub is not None and sub.active


async def test_english_aliases_and_stopp(tg) -> None:
    api, bot = tg
    [done] = await ask(api, 1002, "/subscribe")            # an English command: English reply
    assert done.plain_text.startswith("Done!")
    assert (await bot.store.get_subscriber(1002)).active  # type: ignore[union-attr]
    [stopped] = await ask(api, 1002, "/stopp")               # the conversation stays English
    assert stopped.plain_text == msg.EN["UNSUBSCRIBED"]
    [again] = await ask(api, 1002, "/stopp")
    assert again.plain_text == msg.EN["NOT_SUBSCRIBED"]
    await ask(api, 1002, "/subscribe")
    [off] = await ask(api, 1002, "/unsubscribe")
    assert off.plain_text == msg.EN["UNSUBSCRIBED"]
    assert not (await bot.store.get_subscriber(1002)).active  # type: ignore[union-attr]


async def test_subscribing_after_the_deadline_says_the_call_has_closed(tg) -> None:
    api, bot = tg
    bot.clock.now = datetime(2020, 4, 1, 12, 0, tzinfo=STOCKHOLM)
    [reply] = await ask(api, CHAT, "/prenumerera")
    assert "stängde den 15 mars 2020" in reply.plain_text
    assert "Klart!" not in reply.plain_text


async def test_calendar_is_an_ics_file_with_the_deadline(tg) -> None:
    api, _ = tg
    [doc] = await ask(api, CHAT, "/kalender")
    assert doc.method == "sendDocument"
    assert doc.document_name and doc.document_name.endswith(".ics")
    assert doc.plain_text and "kalenderfil" in doc.plain_text
    calendar = icalendar.Calendar.from_ical(doc.document_bytes)
    starts = [e.decoded("dtstart") for e in calendar.walk("VEVENT")]
    days = [s if not isinstance(s, datetime) else s.astimezone(STOCKHOLM).date() for s in starts]
    assert date(2020, 3, 15) in days
    assert list(calendar.walk("VALARM"))                     # the reminder times come along


async def test_calendar_after_the_deadline_says_there_is_nothing_left(tg) -> None:
    api, bot = tg
    bot.clock.now = datetime(2020, 3, 20, 12, 0, tzinfo=STOCKHOLM)
    [reply] = await ask(api, CHAT, "/kalender")
    assert reply.method == "sendMessage"                     # no calendar file
    assert "stängde den 15 mars 2020" in reply.plain_text and "inget kvar" in reply.plain_text
    [reply] = await ask(api, CHAT, "/calendar")
    assert "nothing left to put in a calendar" in reply.plain_text


# ---- flood control, long input, ignored update kinds -------------------------------------
async def test_flood_gets_one_slow_down_and_other_chats_are_unaffected(tg) -> None:
    api, bot = tg
    for i in range(45):
        api.push_message(CHAT, f"Kan vi samarbeta med Kenya? ({i})")
    await api.wait_for(lambda: any(s.plain_text == msg.SLOW_DOWN for s in api.messages_to(CHAT)))
    await settle(api, bot)
    sent = api.messages_to(CHAT)
    assert [s.plain_text for s in sent].count(msg.SLOW_DOWN) == 1
    assert sent[-1].plain_text == msg.SLOW_DOWN            # nothing after it: the rest ignored
    assert 35 <= len(sent) - 1 <= 42                       # "40 a minute" were answered
    [other] = await ask(api, 1002, "Kan vi samarbeta med Kenya?")
    assert "Kenya" in other.plain_text
    api.push_message(CHAT, "Kan vi samarbeta med Kenya?")   # still paused
    await settle(api, bot)
    assert len(api.messages_to(CHAT)) == len(sent)


async def test_over_long_input_gets_a_normal_quick_reply(tg) -> None:
    api, bot = tg
    huge = ("Kan vi samarbeta med Kenya? " * 4000)[:100_000]
    started = time.monotonic()
    [reply] = await ask(api, CHAT, huge)
    assert time.monotonic() - started < 2.0
    assert "Kenya" in reply.plain_text and len(reply.plain_text) < 1000
    noise = ("qwrtzp " * 20_000)[:100_000]
    [unknown] = await ask(api, CHAT, noise)
    assert "icld.se" in unknown.plain_text
    await settle(api, bot)
    await run_heartbeat(bot)
    stored = table_rows(bot.settings.db_path)["unanswered"]
    assert stored and all(len(r[1]) <= 500 for r in stored)


async def test_channel_posts_and_edited_messages_are_ignored(tg, caplog) -> None:
    caplog.set_level(logging.WARNING)
    api, bot = tg
    api.push_channel_post(-100555, "Kan vi samarbeta med Kenya?")
    await ask(api, CHAT, "Kan vi samarbeta med Kenya?")
    api.push_message(CHAT, "Kan vi samarbeta med Namibia?", edited=True)
    await ask(api, CHAT, "/vem")
    api.push_message(CHAT, "/lander", edited=True)      # an edited command is an edit too
    api.push_channel_post(-100555, "/lander")
    api.push_message(CHAT, "/deadline")                # per chat in order: a reply to the edit
    await api.wait_for(lambda: any("15 mars 2020" in (s.plain_text or "")   # would come first
                                   for s in api.messages_to(CHAT)))
    await settle(api, bot)
    assert api.messages_to(-100555) == []
    assert len(api.messages_to(CHAT)) == 3
    assert not [s for s in api.sent if "19 samarbetsländer:" in (s.plain_text or "")]
    assert not [s for s in api.sent if "Namibia" in (s.plain_text or "")]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

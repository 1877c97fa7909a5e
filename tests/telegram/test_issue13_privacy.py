"""Issue 13, part 1: say only what is true about storage, and store no contact details.

Through the Bot API stand-in: what a user reads in /start and /mina_uppgifter, and what ends up
in the database (and in /stats) when someone writes their name and phone number into a question.
"""
from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import STOCKHOLM
from standin.botrunner import RunningBot, ask, run_heartbeat, running_bot, settle
from standin import StandIn

NOW = datetime(2020, 3, 8, 10, 0, tzinfo=STOCKHOLM)
ADMIN = 42
KARIN = ("Gäller det 2021 också? Jag heter Karin Svensson på Ånge kommun, "
         "ring mig 070-123 45 67")
OTHERS = ("Vad kostar en pizza i Umeå? Mejla karin.svensson@ange.se eller fråga @karin_s",
          "Hur många invånare har Kiruna? Mitt personnummer är 19850101-1234\nMvh Karin Svensson")
IDENTIFYING = ("Karin", "Svensson", "070", "123 45 67", "ange.se", "@karin_s", "850101", "1234")


@pytest.fixture()
async def tg(tmp_path: Path) -> AsyncIterator[tuple[StandIn, RunningBot]]:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, admins=str(ADMIN)) as bot:
        yield api, bot


def stored_texts(db: Path, table: str = "unanswered") -> list[str]:
    with sqlite3.connect(db) as con:
        return [r[0] for r in con.execute(f"SELECT text FROM {table}")]  # noqa: S608


async def test_unanswered_question_is_stored_without_name_phone_or_email(tg) -> None:
    api, bot = tg
    for question in (KARIN, *OTHERS):
        assert bot.services.live.engine.answer_question(question, NOW).match is None
        [reply] = await ask(api, 1001, question)
        assert "icld.se" in reply.plain_text            # the user still gets the usual answer
    await settle(api, bot)
    await run_heartbeat(bot)
    texts = stored_texts(bot.settings.db_path)
    assert "Gäller det 2021 också? Jag heter [namn] på Ånge kommun, ring mig [telefon]" in texts
    joined = " ".join(texts)
    assert "[e-post]" in joined and "[användarnamn]" in joined and "[personnummer]" in joined
    assert not [word for word in IDENTIFYING if word in joined], texts

    [stats] = await ask(api, ADMIN, "/stats")
    assert "Gäller det 2021 också?" in stats.plain_text
    assert not [word for word in IDENTIFYING if word in stats.plain_text]


async def test_stored_question_texts_are_deleted_after_90_days(tg) -> None:
    api, bot = tg
    await ask(api, 1001, "När hämtas soporna i Ale?")
    await settle(api, bot)
    await run_heartbeat(bot)
    assert stored_texts(bot.settings.db_path) == ["När hämtas soporna i Ale?"]
    bot.clock.now = NOW + timedelta(days=89)
    [stats] = await ask(api, ADMIN, "/stats")
    assert "soporna i Ale" in stats.plain_text                 # still within 90 days
    bot.clock.now = NOW + timedelta(days=91)
    [stats] = await ask(api, ADMIN, "/stats")
    assert "soporna" not in stats.plain_text
    assert stored_texts(bot.settings.db_path) == []


async def test_old_texts_are_pruned_by_the_running_bot_without_anyone_asking(tg) -> None:
    api, bot = tg
    await bot.store.record_questions([], [("Vad kostar en pizza i Umeå?", NOW - timedelta(days=100))])
    await bot.store.record_questions([], [("När hämtas soporna i Ale?", NOW - timedelta(days=10))])
    bot.app.bot_data.last_prune = None
    await run_heartbeat(bot)
    assert stored_texts(bot.settings.db_path) == ["När hämtas soporna i Ale?"]


async def test_start_and_my_data_say_what_is_stored_why_and_how_long(tg) -> None:
    api, _ = tg
    [start] = await ask(api, 1001, "/start")
    for words in ("/prenumerera", "chattens id, språk och datum", "/glom_mig", "90 dagar",
                  "/mina_uppgifter"):
        assert words in start.plain_text
    [mine] = await ask(api, 1001, "/mina_uppgifter")
    assert "aldrig namn eller meddelanden" not in mine.plain_text
    for words in ("inget sparat", "chattens id, språk och datum", "påminna dig", "/glom_mig",
                  "utan koppling till dig", "telefonnummer", "raderas efter 90 dagar"):
        assert words in mine.plain_text
    await ask(api, 1001, "/prenumerera")
    [mine] = await ask(api, 1001, "/mina_uppgifter")
    assert "Prenumeration: aktiv" in mine.plain_text and "raderas efter 90 dagar" in mine.plain_text

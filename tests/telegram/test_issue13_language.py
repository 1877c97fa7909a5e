"""Issue 13, part 5: one language all the way. The whole conversation follows the user's
language - confirmations, /mina_uppgifter, buttons, reminders and the .ics - and the stored
language follows the user's latest choice (Telegram language, or the language they write in)."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import icalendar
import pytest

from bot.clock import STOCKHOLM
from bot.telegram import messages as msg
from standin.botrunner import RunningBot, ask, buttons, running_bot
from standin import StandIn

NOW = datetime(2020, 3, 8, 8, 0, tzinfo=STOCKHOLM)      # an hour before the 7-days reminder
ENGLISH_USER, SWEDISH_USER = 3001, 3002


@pytest.fixture()
async def tg(tmp_path: Path) -> AsyncIterator[tuple[StandIn, RunningBot]]:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW) as bot:
        api.set_user_language(ENGLISH_USER, "en-GB")
        yield api, bot



async def test_english_telegram_user_gets_english_all_the_way(tg) -> None:
    api, bot = tg
    [start] = await ask(api, ENGLISH_USER, "/start")
    assert "About your data" in start.plain_text and ("🔔 Remind me", "do:sub:en") in buttons(start)
    [done] = await ask(api, ENGLISH_USER, "/subscribe")
    assert done.plain_text.startswith("Done! You will get reminders") and "15 March 2020" in done.plain_text
    assert (await bot.store.get_subscriber(ENGLISH_USER)).language == "en"  # type: ignore[union-attr]
    [mine] = await ask(api, ENGLISH_USER, "/mina_uppgifter")   # a Swedish command from a text
    assert "Subscription: active, language English" in mine.plain_text
    assert "svenska" not in mine.plain_text and "engelska" not in mine.plain_text
    [doc] = await ask(api, ENGLISH_USER, "/calendar")
    assert "calendar file" in (doc.plain_text or "")
    calendar = icalendar.Calendar.from_ical(doc.document_bytes)
    summaries = [str(e.get("summary")) for e in calendar.walk("VEVENT")]
    assert summaries[0].startswith("Application deadline") and "Sista" not in " ".join(summaries)

    bot.clock.now = datetime(2020, 3, 8, 9, 0, 30, tzinfo=STOCKHOLM)   # the reminder falls due
    reminder = await api.wait_for(lambda: [s for s in api.messages_to(ENGLISH_USER)
                                           if (s.plain_text or "").startswith("⏰")])
    assert "days left" in reminder[0].plain_text and "/unsubscribe" in reminder[0].plain_text
    assert buttons(reminder[0]) == [("🔕 Stop reminders", "do:unsub:en")]
    before = len(api.messages_to(ENGLISH_USER))
    api.push_callback(ENGLISH_USER, "do:unsub:en", message_id=reminder[0].message_id)
    [stopped] = (await api.wait_messages(ENGLISH_USER, before + 1))[before:]
    assert stopped.plain_text == msg.EN["UNSUBSCRIBED"]


async def test_writing_english_switches_the_conversation_and_the_stored_language(tg) -> None:
    api, bot = tg
    [done] = await ask(api, SWEDISH_USER, "/prenumerera")
    assert done.plain_text.startswith("Klart!")
    [answer] = await ask(api, SWEDISH_USER, "Which countries can we partner with?")
    assert "partner countries" in answer.plain_text
    assert ("Who can apply?", "a:who_can_apply:en") in buttons(answer)
    assert (await bot.store.get_subscriber(SWEDISH_USER)).language == "en"  # type: ignore[union-attr]
    [deadline] = await ask(api, SWEDISH_USER, "/deadline")
    assert "15 March 2020" in deadline.plain_text
    [again] = await ask(api, SWEDISH_USER, "/prenumerera")
    assert again.plain_text == msg.EN["ALREADY_SUBSCRIBED"]
    [swedish] = await ask(api, SWEDISH_USER, "Kan vi samarbeta med Kenya?")
    assert "Kenya är ett av de 19 samarbetsländerna" in swedish.plain_text
    assert (await bot.store.get_subscriber(SWEDISH_USER)).language == "sv"  # type: ignore[union-attr]
    [mine] = await ask(api, SWEDISH_USER, "/mina_uppgifter")
    assert "språk svenska" in mine.plain_text


async def test_english_command_aliases_exist_for_every_command(tg) -> None:
    api, _ = tg
    english = {c["command"] for c in api.commands(language_code="en")}
    assert english == {"start", "help", "countries", "deadline", "areas", "who", "subscribe",
                       "unsubscribe", "calendar", "mydata", "forgetme"}
    for command, words in (("/help", "/"), ("/countries", "19"), ("/areas", "Participation"),
                           ("/who", "Municipalities"), ("/mydata", "How I handle data"),
                           ("/forgetme", "erase everything")):
        [reply] = await ask(api, ENGLISH_USER, command)
        assert words in reply.plain_text, (command, reply.plain_text)

"""Issue 13, part 7: the bot's description, broadcasts that say who sent them and how to stop
them (in each subscriber's language), a second press on an old confirm button, inline results
with titles cut at a word and a button to a private chat."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import STOCKHOLM
from bot.telegram import messages as msg
from standin.botrunner import RunningBot, ask, running_bot, seed
from standin import StandIn

NOW = datetime(2020, 2, 1, 12, 0, tzinfo=STOCKHOLM)        # no reminder due
ADMIN = 42


@pytest.fixture()
async def tg(tmp_path: Path) -> AsyncIterator[tuple[StandIn, RunningBot]]:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, admins=str(ADMIN),
                                             env={"PARTNERBOT_DELIVERY_INTERVAL": "0.1"}) as bot:
        yield api, bot


async def test_description_says_what_it_is_that_it_is_automatic_and_its_source(tg) -> None:
    api, _ = tg
    for code in ("", "sv"):
        long, short = api.description("description", code), api.description("short_description", code)
        assert long and "automatisk assistent" in long and "utlysningstexten" in long
        assert short and "ICLD" in short and len(short) <= 120
    english = api.description("description", "en")
    assert english and "automatic assistant" in english and "call announcement" in english
    assert "Automatic" in (api.description("short_description", "en") or "")


async def test_broadcast_says_who_sent_it_and_how_to_stop_in_each_language(tg) -> None:
    api, bot = tg
    await seed(bot.store, [501], NOW)
    await seed(bot.store, [502], NOW, language="en")
    [confirm] = await ask(api, ADMIN, "/broadcast Nytt webbinarium <b>i morgon</b> & mer")
    data = [b["callback_data"] for row in confirm.reply_markup["inline_keyboard"] for b in row]
    api.push_callback(ADMIN, data[0], user_id=ADMIN, message_id=confirm.message_id)
    [sv] = await api.wait_messages(501, 1)
    [en] = await api.wait_messages(502, 1)
    text = "Nytt webbinarium <b>i morgon</b> & mer"             # escaped: shows as typed
    assert sv.plain_text == msg.BROADCAST_FRAME.format(text=text)
    assert sv.plain_text.startswith("📣 Meddelande från dem som driver Partnerbot")
    assert "/avsluta" in sv.plain_text
    assert en.plain_text == msg.EN["BROADCAST_FRAME"].format(text=text)
    assert "/unsubscribe" in en.plain_text
    assert en.reply_markup["inline_keyboard"][0][0]["text"] == "🔕 Stop reminders"

    done = await api.wait_for(lambda: [m.plain_text for m in api.messages_to(ADMIN)
                                       if m.plain_text.startswith("Utskicket är klart")])
    assert done[0].startswith("Utskicket är klart. Skickat: 2.") and "skickade" not in done[0]
    before = len(api.messages_to(ADMIN))
    api.push_callback(ADMIN, data[0], user_id=ADMIN, message_id=confirm.message_id)   # again
    [again] = (await api.wait_messages(ADMIN, before + 1))[before:]
    assert again.plain_text == msg.BROADCAST_ALREADY_SENT
    assert len(api.messages_to(501)) == 1 and len(api.messages_to(502)) == 1
    assert [s for s in api.sent if s.method == "editMessageReplyMarkup"
            and s.chat_id == ADMIN and not s.reply_markup]    # the confirm buttons went


async def test_inline_titles_are_cut_at_a_word_with_a_button_to_a_private_chat(tg) -> None:
    api, _ = tg
    query_id = api.push_inline_query(5, "Hur många invånare har Kiruna kommun egentligen?")
    english_id = api.push_inline_query(6, "Which countries can we partner with?")
    await api.wait_for(lambda: len(api.inline_answers) >= 2)
    answers = {a["inline_query_id"]: a for a in api.inline_answers}
    title = answers[query_id]["results"][0]["title"]
    assert len(title) <= 60 and title.endswith("…")
    assert title == "Det vet jag tyvärr inte – det står inget om det i…"
    assert answers[query_id]["button"] == {"text": "Fråga mig i en privat chatt",
                                           "start_parameter": "inline"}
    assert answers[english_id]["button"]["text"] == "Ask me in a private chat"

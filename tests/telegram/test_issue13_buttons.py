"""Issue 13, part 4: buttons that act. 🔔 subscribes, 🔕 under every reminder unsubscribes,
"Mina uppgifter" shows the data; answers offer what comes next and a link to ICLD; 👍/👎 under
free-text answers, 👎 recorded (scrubbed) for `partnerbot feedback` and counted in /stats."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot import cli
from bot.clock import STOCKHOLM
from bot.telegram import messages as msg
from standin.botrunner import RunningBot, ask, buttons, press, running_bot, seed, settle
from standin import StandIn

NOW = datetime(2020, 3, 8, 8, 0, tzinfo=STOCKHOLM)      # an hour before the 7-days reminder
ADMIN = 42


@pytest.fixture()
async def tg(tmp_path: Path) -> AsyncIterator[tuple[StandIn, RunningBot]]:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, admins=str(ADMIN)) as bot:
        yield api, bot




async def test_remind_me_button_on_start_and_in_free_text_subscribes(tg) -> None:
    api, bot = tg
    [start] = await ask(api, 1001, "/start")
    assert ("🔔 Påminn mig", "do:sub:sv") in buttons(start)
    [done] = await press(api, 1001, "do:sub:sv", start)
    assert done.plain_text.startswith("Klart! Du får påminnelser")
    assert (await bot.store.get_subscriber(1001)).active  # type: ignore[union-attr]

    [offer] = await ask(api, 1002, "påminn mig om deadline")
    assert buttons(offer)[0] == ("🔔 Påminn mig", "do:sub:sv")
    [done] = await press(api, 1002, "do:sub:sv", offer)
    assert done.plain_text.startswith("Klart!")
    assert (await bot.store.get_subscriber(1002)).active  # type: ignore[union-attr]
    [mine] = await press(api, 1002, "do:mydata:sv", offer)       # "Mina uppgifter" shows them
    assert ("Mina uppgifter", "do:mydata:sv") in buttons(offer)
    assert "Prenumeration: aktiv" in mine.plain_text


async def test_every_reminder_carries_a_stop_button_that_works(tg) -> None:
    api, bot = tg
    await seed(bot.store, [2001], NOW)
    bot.clock.now = datetime(2020, 3, 8, 9, 0, 30, tzinfo=STOCKHOLM)
    [reminder] = await api.wait_messages(2001, 1)
    assert "15 mars 2020" in reminder.plain_text
    assert buttons(reminder) == [("🔕 Avsluta påminnelser", "do:unsub:sv")]
    [stopped] = await press(api, 2001, "do:unsub:sv", reminder)
    assert stopped.plain_text == msg.UNSUBSCRIBED
    assert not (await bot.store.get_subscriber(2001)).active  # type: ignore[union-attr]


async def test_answers_offer_what_comes_next_and_a_link_to_icld(tg) -> None:
    api, _ = tg
    [yes] = await ask(api, 1001, "Kan vi samarbeta med Kenya?")
    assert [b for b in buttons(yes) if not b[1].startswith(("fb:", "src:"))] == [
        ("Sista ansökningsdag", "a:deadline:sv"), ("Kärnområden", "a:core_areas:sv"),
        ("🔔 Påminn mig", "do:sub:sv")]
    [no] = await ask(api, 1001, "Kan vi samarbeta med Norge?")
    assert "a:countries:sv" in [d for _, d in buttons(no)]
    assert buttons(no)[:3] != buttons(yes)[:3]
    [areas] = await ask(api, 1001, "Vilka är kärnområdena?")
    assert buttons(areas)[0] == ("Vilket passar vårt projekt?", "a:core_areas_choice:sv")
    [unknown] = await ask(api, 1001, "Hur många invånare har Kiruna?")
    assert "icld.se" in unknown.plain_text
    assert ("🌐 Läs mer hos ICLD", "https://icld.se/") in buttons(unknown)
    assert not [b for b in buttons(yes) if b[1].startswith("https://")]


async def test_thumbs_down_is_recorded_listed_and_counted(tg, tmp_path, capsys, monkeypatch,
                                                          keep_logging) -> None:
    api, bot = tg
    answers = []
    for question in ("Hur mycket pengar kan vi få? /Karin",
                     "Hur mycket pengar kan vi få? /Karin",
                     "Kan vi samarbeta med Kenya?", "Vilka är kärnområdena?"):
        [reply] = await ask(api, 1001, question)
        assert ("👍", "fb:up") in buttons(reply) and ("👎", "fb:down") in buttons(reply)
        answers.append(reply)
    for reply in answers[:3]:
        api.push_callback(1001, "fb:down", message_id=reply.message_id)
    api.push_callback(1001, "fb:down", message_id=answers[0].message_id)   # twice: counted once
    api.push_callback(1001, "fb:up", message_id=answers[3].message_id)     # 👍 stores nothing
    await api.wait_for(lambda: len(api.callback_answers) >= 5)
    await settle(api, bot)
    thanks = [a["text"] for a in api.callback_answers]
    assert thanks.count(msg.FEEDBACK_THANKS) == 4 and thanks.count(msg.FEEDBACK_ALREADY) == 1
    edits = [s for s in api.sent if s.method == "editMessageReplyMarkup"]
    assert len(edits) == 4 and not [b for e in edits for b in buttons(e) if b[1].startswith("fb:")]

    [stats] = await ask(api, ADMIN, "/stats")
    assert "👎 på svar (senaste 90 dagarna): 3" in stats.plain_text
    monkeypatch.setenv("PARTNERBOT_DB", str(bot.settings.db_path))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    assert await asyncio.to_thread(cli.main, ["feedback"]) == 0
    lines = [line.split(maxsplit=3) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert [(int(n), answer, text) for n, _, answer, text in lines] == [
        (2, "amount", "Hur mycket pengar kan vi få?"),
        (1, "country", "Kan vi samarbeta med Kenya?")]

"""Where an answer comes from: the Källa button quotes the announcement, word for word."""
from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from standin.botrunner import RunningBot, ask, buttons, press, running_bot
from tests.support import BEFORE_DEADLINE, KNOWLEDGE_DIR
from standin import StandIn

ANNOUNCEMENT = " ".join((KNOWLEDGE_DIR / "announcement.txt").read_text(encoding="utf-8").split())


@pytest.fixture()
async def tg(tmp_path: Path) -> AsyncIterator[tuple[StandIn, RunningBot]]:
    async with StandIn() as api, running_bot(tmp_path, api, now=BEFORE_DEADLINE) as bot:
        yield api, bot




async def test_the_source_button_quotes_the_announcement_under_the_answer(tg) -> None:
    api, _ = tg
    [answer] = await ask(api, 1001, "Kan vi samarbeta med Kenya?")
    label, data = next(b for b in buttons(answer) if b[1].startswith("src:"))
    assert label == "📄 Källa"
    [quote] = await press(api, 1001, data, answer)
    assert "<blockquote>" in (quote.text or "")
    assert "Stärk arbetet med Agenda 2030 genom Kommunala Partnerskap" in quote.plain_text
    assert "Kenya" in quote.plain_text
    body = quote.plain_text.split("\n", 1)[1]
    for line in filter(None, (part.strip() for part in body.split("\n"))):
        assert " ".join(line.split()) in ANNOUNCEMENT, line        # verbatim
    assert api.messages_to(1001)[0].text == answer.text            # the answer is unchanged


async def test_an_honest_unknown_has_no_source_button(tg) -> None:
    api, _ = tg
    [answer] = await ask(api, 1001, "Hur mycket pengar kan vi få?")
    assert not [b for b in buttons(answer) if b[1].startswith("src:")]


async def test_a_source_button_still_works_after_the_answer_is_forgotten(tg) -> None:
    api, bot = tg
    [answer] = await ask(api, 1001, "vilka är kärnområdena?")
    bot.services.recent = type(bot.services.recent)()                 # as after a restart
    [quote] = await press(api, 1001, "src:core_areas:sv", answer)
    assert "Transparens och insynsmöjligheter" in quote.plain_text


async def test_english_source_and_inline_results_carry_the_quote(tg) -> None:
    api, _ = tg
    [answer] = await ask(api, 1001, "When is the deadline?")
    label, data = next(b for b in buttons(answer) if b[1].startswith("src:"))
    assert label == "📄 Source"
    [quote] = await press(api, 1001, data, answer)
    assert "15 mars 2020" in quote.plain_text and quote.plain_text.startswith("This is what")
    query_id = api.push_inline_query(2001, "kan vi samarbeta med kenya")
    await api.wait_for(lambda: any(a["inline_query_id"] == query_id for a in api.inline_answers))
    [card] = [a for a in api.inline_answers if a["inline_query_id"] == query_id][0]["results"][:1]
    assert "<blockquote>" in card["input_message_content"]["message_text"]

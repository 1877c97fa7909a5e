"""End-to-end: the real Partnerbot Application against the Bot API stand-in (issue 3).

Commands, free text, buttons and callbacks, group behaviour, non-text messages and inline mode,
asserted as a user would see them: reply text, buttons, what was (not) sent. Storage, flood
control and the process/log tests live in test_telegram_e2e_subscriptions.py and _process.py.
"""
from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.telegram import messages as msg
from bot.clock import STOCKHOLM
from standin.botrunner import RunningBot, ask, buttons, running_bot, settle
from standin import BOT_USERNAME, Sent, StandIn

NOW = datetime(2020, 3, 8, 10, 0, tzinfo=STOCKHOLM)      # one week before the 2020-03-15 deadline
COUNTRIES = ("Bosnien och Hercegovina", "Georgien", "Kosovo", "Nordmakedonien", "Moldavien",
             "Serbien", "Turkiet", "Ukraina", "Indonesien", "Kina", "Vietnam", "Botswana",
             "Kenya", "Moçambique", "Namibia", "Sydafrika", "Tanzania", "Uganda", "Zambia")
GROUP = -100777


@pytest.fixture()
async def tg(tmp_path: Path) -> AsyncIterator[tuple[StandIn, RunningBot]]:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, admins="42") as bot:
        yield api, bot






def assert_html_reply(sent: Sent) -> None:
    assert sent.parse_mode == "HTML"
    assert sent.link_preview_disabled
    assert sent.plain_text and len(sent.plain_text) <= 4096


# ---- commands ----------------------------------------------------------------------------
async def test_start_says_automated_assistant_with_topic_keyboard(tg) -> None:
    api, _ = tg
    [reply] = await ask(api, 1001, "/start")
    assert_html_reply(reply)
    assert "automatisk assistent" in reply.plain_text
    assert [data for _, data in buttons(reply)] == [
        f"a:{t}:sv" for t in ("countries", "deadline", "who_can_apply", "core_areas")] + [
        "do:sub:sv"]
    assert ("Vilka länder?", "a:countries:sv") in buttons(reply)


async def test_topic_commands_answer_their_topic(tg) -> None:
    api, _ = tg
    [help_] = await ask(api, 1001, "/hjalp")
    for command in ("/lander", "/deadline", "/omraden", "/vem", "/prenumerera", "/glom_mig"):
        assert command in help_.plain_text
    [countries] = await ask(api, 1001, "/lander")
    assert "19 samarbetsländer" in countries.plain_text
    listed = [c for c in COUNTRIES if c in countries.plain_text]
    assert listed == list(COUNTRIES)
    [areas] = await ask(api, 1001, "/omraden")
    for area in ("Deltagande och delaktighet", "Transparens och insynsmöjligheter",
                 "Möjlighet till ansvarsutkrävande", "inkluderande behandling"):
        assert area in areas.plain_text
    [who] = await ask(api, 1001, "/vem")
    assert "Kommuner, regioner och regionala kommunalförbund i Sverige" in who.plain_text
    for sent in (help_, countries, areas, who):
        assert_html_reply(sent)


async def test_deadline_counts_down_with_the_clock(tg) -> None:
    api, bot = tg
    [week] = await ask(api, 1001, "/deadline")
    assert "15 mars 2020" in week.plain_text and "7 dagar kvar" in week.plain_text
    bot.clock.now = datetime(2020, 3, 14, 12, 0, tzinfo=STOCKHOLM)
    [tomorrow] = await ask(api, 1001, "/deadline")
    assert "1 dag kvar" in tomorrow.plain_text and "i morgon" in tomorrow.plain_text
    bot.clock.now = datetime(2020, 3, 15, 23, 30, tzinfo=STOCKHOLM)
    [today] = await ask(api, 1001, "/deadline")
    assert "I dag" in today.plain_text and "kvar" not in today.plain_text
    bot.clock.now = datetime(2020, 3, 16, 0, 30, tzinfo=STOCKHOLM)
    [closed] = await ask(api, 1001, "/deadline")
    assert "stängde den 15 mars 2020" in closed.plain_text
    assert "I dag" not in closed.plain_text and "kvar" not in closed.plain_text


async def test_commands_registered_with_swedish_descriptions(tg) -> None:
    api, _ = tg
    registered = {c["command"]: c["description"] for c in api.commands()}
    for command in ("start", "hjalp", "lander", "deadline", "omraden", "vem", "prenumerera",
                    "avsluta", "kalender", "mina_uppgifter", "glom_mig"):
        assert registered.get(command), command
    assert registered["lander"].startswith("Samarbetsländerna")
    assert "Sista ansökningsdag" in registered["deadline"]
    assert any(ch in "".join(registered.values()) for ch in "åäö")


# ---- free text and buttons ---------------------------------------------------------------
async def test_free_text_gets_engine_answer_with_related_buttons(tg) -> None:
    api, bot = tg
    [reply] = await ask(api, 1001, "Kan vi samarbeta med Kenya?")
    assert_html_reply(reply)
    assert "Kenya är ett av de 19 samarbetsländerna" in reply.plain_text
    assert [data for _, data in buttons(reply)] == [
        "a:deadline:sv", "a:core_areas:sv", "do:sub:sv", "src:country:sv", "fb:up", "fb:down"]
    label, data = next(b for b in buttons(reply) if b[1] == "a:deadline:sv")
    assert label == "Sista ansökningsdag"

    before = len(api.messages_to(1001))
    query_id = api.push_callback(1001, data, message_id=reply.message_id)
    [answer] = (await api.wait_messages(1001, before + 1))[before:]
    assert "Sista dag att ansöka är den 15 mars 2020" in answer.plain_text
    assert query_id in [a["callback_query_id"] for a in api.callback_answers]


async def test_did_you_mean_suggestions_become_buttons(tg) -> None:
    api, bot = tg
    question = "när hämtas soporna i Ale?"
    expected = bot.services.live.engine.answer_question(question, NOW)
    assert expected.match is None and expected.suggestions       # the premise of this test
    [reply] = await ask(api, 1001, question)
    assert "Menade du" in reply.plain_text
    assert "<b>Menade du" in (reply.text or "")
    assert buttons(reply)[:len(expected.suggestions)] == [
        (s.title, f"a:{s.id}:sv") for s in expected.suggestions]

    before = len(api.messages_to(1001))
    query_id = api.push_callback(1001, buttons(reply)[0][1], message_id=reply.message_id)
    [answer] = (await api.wait_messages(1001, before + 1))[before:]
    entry = expected.suggestions[0].id
    assert answer.plain_text == bot.services.live.engine.answer_entry(entry, NOW, "sv").text
    assert query_id in [a["callback_query_id"] for a in api.callback_answers]


async def test_stale_and_forged_callbacks_are_answered_gracefully(tg, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    api, bot = tg
    await ask(api, 1001, "/start")
    ids = [api.push_callback(1001, data) for data in
           ("a:nonexistent:sv", "garbage", "bc:x:yes", "forget:yes", "forget:yes", "a:x", "")]
    await api.wait_for(lambda: len(api.callback_answers) >= len(ids))
    await settle(api, bot)
    answers = {a["callback_query_id"]: a for a in api.callback_answers}
    assert set(ids) <= set(answers)
    assert answers[ids[0]]["text"] == msg.STALE_BUTTON
    assert answers[ids[1]]["text"] == msg.STALE_BUTTON
    assert answers[ids[2]]["text"] == msg.NOT_AVAILABLE                # bc:… from a non-admin
    assert not [s for s in api.messages_to(1001) if "Utskick" in (s.plain_text or "")]
    assert not [c for c in api.calls if c.method == "answerCallbackQuery" and c.status != 200]
    # "forget:yes" twice: nothing was stored, and the second press says so again
    outcomes = [s.plain_text for s in api.sent if s.method in ("sendMessage", "editMessageText")
                and s.chat_id == 1001 and s.plain_text == msg.FORGET_NOTHING]
    assert len(outcomes) == 2
    assert not any("Oj, något gick fel" in (s.plain_text or "") for s in api.messages_to(1001))
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not api.internal_errors


# ---- groups ------------------------------------------------------------------------------
async def test_group_silent_on_chatter_answers_mentions_replies_and_commands(tg) -> None:
    api, bot = tg
    api.push_message(GROUP, "hej alla, lunch kl 12?", chat_type="supergroup")
    api.push_message(GROUP, "Kan vi samarbeta med Kenya?", chat_type="supergroup")
    await settle(api, bot)
    assert api.messages_to(GROUP) == []

    [mention] = await ask(api, GROUP, f"@{BOT_USERNAME} kan vi samarbeta med Kenya?",
                          chat_type="supergroup")
    assert "Kenya är ett av de 19 samarbetsländerna" in mention.plain_text
    [reply] = await ask(api, GROUP, "och Namibia?", chat_type="supergroup", reply_to_bot=True)
    assert "Namibia" in reply.plain_text
    [countries] = await ask(api, GROUP, f"/lander@{BOT_USERNAME}", chat_type="supergroup")
    assert "19 samarbetsländer" in countries.plain_text
    [deadline] = await ask(api, GROUP, "/deadline", chat_type="supergroup")
    assert "15 mars 2020" in deadline.plain_text


async def test_group_ignores_commands_meant_for_other_bots(tg) -> None:
    api, bot = tg
    for text in ("/lander@some_other_bot", "/start@some_other_bot", "/weather"):
        api.push_message(GROUP, text, chat_type="supergroup")
    await settle(api, bot)
    assert api.messages_to(GROUP) == []
    [own] = await ask(api, GROUP, f"/vem@{BOT_USERNAME}", chat_type="supergroup")
    assert "Kommuner, regioner" in own.plain_text


# ---- non-text ----------------------------------------------------------------------------
async def test_non_text_gets_polite_reply_in_private_and_silence_in_groups(tg) -> None:
    api, bot = tg
    api.push_sticker(1005)
    api.push_photo(1005)
    api.push_voice(1005)
    api.push_document(1005)
    replies = await api.wait_messages(1005, 4)
    for reply in replies:
        assert_html_reply(reply)
        assert "textfrågor" in reply.plain_text and len(reply.plain_text) < 200
    for push in (api.push_sticker, api.push_photo, api.push_voice, api.push_document):
        push(GROUP, chat_type="supergroup")
    await settle(api, bot)
    assert len(api.messages_to(1005)) == 4
    assert api.messages_to(GROUP) == []


# ---- inline mode -------------------------------------------------------------------------
async def test_inline_query_returns_answer_cards(tg) -> None:
    api, _ = tg
    query_id = api.push_inline_query(5, "Kan vi samarbeta med Kenya & <b>Namibia</b>?")
    empty_id = api.push_inline_query(6, "")
    await api.wait_for(lambda: len(api.inline_answers) >= 2)
    answers = {a["inline_query_id"]: a for a in api.inline_answers}
    cards = answers[query_id]["results"]
    assert cards and "Kenya" in cards[0]["input_message_content"]["message_text"]
    topics = answers[empty_id]["results"]
    assert [c["title"] for c in topics][:2] == ["Vilka länder?", "Sista ansökningsdag"]
    for card in cards + topics:
        content = card["input_message_content"]
        assert content["parse_mode"] == "HTML"
        assert 0 < len(content["message_text"]) <= 4096
        assert card["title"]
    assert not [c for c in api.calls if c.method == "answerInlineQuery" and c.status != 200]


# ---- HTML safety and long answers ---------------------------------------------------------
MARKUP_QUESTIONS = ("<b>Kenya</b>?", "Kan vi & Namibia samarbeta?",
                    "<script>alert(1)</script> vem kan söka", "a < b > c & d",
                    "</b></i><a href='x'>", "&lt;&amp;&#0;", "<pre>Vietnam")


async def test_markup_in_questions_never_breaks_a_reply(tg) -> None:
    api, _ = tg
    for question in MARKUP_QUESTIONS:
        [reply] = await ask(api, 1001, question)
        [group] = await ask(api, GROUP, f"@{BOT_USERNAME} {question}", chat_type="supergroup")
        for sent in (reply, group):
            assert_html_reply(sent)
    assert not [c for c in api.calls if c.method == "sendMessage" and c.status != 200]


async def test_knowledge_text_is_escaped_and_long_answers_are_split(tmp_path, knowledge_copy) -> None:
    import yaml
    faq_path = knowledge_copy / "faq.yaml"
    data = yaml.safe_load(faq_path.read_text(encoding="utf-8"))
    tricky = "Forskning & utveckling <i>kursivt</i> <script>x</script> a<b"
    paragraph = ("Det här är ett mycket långt svar om kommunalt partnerskap som testar "
                 "uppdelningen i flera meddelanden. ") * 8
    long_answer = "\n\n".join(f"Stycke {i}: {paragraph}" for i in range(20)) + "\nSLUT"
    for entry in data["entries"]:
        if entry["id"] == "greeting":
            entry["answer"] += "\n" + tricky
        if entry["id"] == "help":
            entry["answer"] = long_answer
    faq_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                        encoding="utf-8")
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW,
                                              knowledge_dir=knowledge_copy) as bot:
        [start] = await ask(api, 1001, "/start")
        assert tricky in start.plain_text
        api.push_message(1001, "/hjalp")
        await api.wait_for(lambda: any("SLUT" in (s.plain_text or "")
                                       for s in api.messages_to(1001)))
        await settle(api, bot)
        parts = api.messages_to(1001)[1:]
        assert len(parts) >= 4
        for part in parts:
            assert_html_reply(part)
        joined = " ".join(p.plain_text or "" for p in parts)
        for i in range(20):
            assert f"Stycke {i}:" in joined
        assert [bool(p.reply_markup) for p in parts] == [False] * (len(parts) - 1) + [True]
        words = re.findall(r"\S+", long_answer)
        assert re.findall(r"\S+", joined) == words

        query_id = api.push_inline_query(5, "")      # inline cards also stay within the limit
        api.push_inline_query(5, "vad kan jag fråga dig om")
        await api.wait_for(lambda: len(api.inline_answers) >= 2)
        assert query_id in [a["inline_query_id"] for a in api.inline_answers]
        assert not [c for c in api.calls if c.status != 200 and c.method != "getUpdates"]


async def test_follow_ups_are_read_against_the_last_answer_or_the_replied_one(tg) -> None:
    api, bot = tg
    [areas] = await ask(api, 1001, "/omraden")
    [third] = await ask(api, 1001, "vad betyder det tredje?")
    assert "Transparens och insynsmöjligheter" in third.plain_text
    [countries] = await ask(api, 1001, "vilka länder kan vi samarbeta med?")
    await ask(api, 1001, "när stänger ansökan?")
    # a reply to the core-area answer is read against it, not against the last answer
    [count] = await ask(api, 1001, "hur många är det?", reply_to_message_id=areas.message_id)
    assert "fyra" in count.plain_text and "19" not in count.plain_text
    [count] = await ask(api, 1001, "hur många är det?", reply_to_message_id=countries.message_id)
    assert "19" in count.plain_text
    # another chat has no previous answer to lean on
    [other] = await ask(api, 1002, "vad betyder det tredje?")
    assert "Transparens" not in other.plain_text

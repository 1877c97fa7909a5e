"""Issue 12, part 2: a person to ask (PARTNERBOT_HANDOFF_CHAT).

Through the Bot API stand-in: "Fråga en handläggare" under honest answers and /hjalp, the
confirm step, the case posted to the staff group without who asked, staff replies relayed (and
replies elsewhere not), the user's reply going back, /stang, and the bad-input cases.
"""
from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from bot import cli

from bot.clock import STOCKHOLM
from bot.telegram import messages as msg
from standin.botrunner import RunningBot, ask, running_bot, settle
from standin import StandIn
from tests.support import stored_case

NOW = datetime(2020, 3, 8, 10, 0, tzinfo=STOCKHOLM)
STAFF = -1001234567890
STAFF_MEMBER = 777
USER = 864209
ADMIN = 42
HONEST = "Hur mycket pengar kan vi få?"


def buttons(sent) -> list[tuple[str, str]]:                     # noqa: ANN001
    markup = sent.reply_markup or {}
    return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", [])
            for b in row]


def data_of(sent, label: str) -> str:                         # noqa: ANN001
    [data] = [d for text, d in buttons(sent) if text == label]
    return data


def edits(api: StandIn, chat: int) -> list:
    return [s for s in api.sent if s.method == "editMessageText" and s.chat_id == chat]


@pytest.fixture()
async def tg(tmp_path: Path) -> AsyncIterator[tuple[StandIn, RunningBot]]:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, admins=str(ADMIN),
                                             env={"PARTNERBOT_HANDOFF_CHAT": str(STAFF)}) as bot:
        yield api, bot


async def press(api: StandIn, chat: int, sent, label: str, n: int = 1) -> list:  # noqa: ANN001
    before = len(api.messages_to(chat))
    api.push_callback(chat, data_of(sent, label), message_id=sent.message_id)
    return (await api.wait_messages(chat, before + n))[before:]


async def hand_over(api: StandIn, chat: int = USER, question: str = HONEST):  # noqa: ANN201
    """Ask, press the button, confirm; returns (the staff post, the user's confirmation)."""
    [answer] = await ask(api, chat, question)
    [offer] = await press(api, chat, answer, msg.HANDOFF_BUTTON)
    staff_before = len(api.messages_to(STAFF))
    api.push_callback(chat, data_of(offer, msg.HANDOFF_YES), message_id=offer.message_id)
    [post] = (await api.wait_messages(STAFF, staff_before + 1))[staff_before:]
    return post, offer


async def test_a_question_reaches_the_staff_group_and_the_answer_comes_back(tg) -> None:
    api, bot = tg
    [answer] = await ask(api, USER, HONEST)
    assert (msg.HANDOFF_BUTTON, "ho:ask:sv") in buttons(answer)
    [offer] = await press(api, USER, answer, msg.HANDOFF_BUTTON)
    assert HONEST in offer.plain_text and "ärendenummer, inget annat" in offer.plain_text
    assert "tagit bort" in offer.plain_text                       # says it is scrubbed
    assert api.messages_to(STAFF) == []                           # nothing before the confirm
    api.push_callback(USER, data_of(offer, msg.HANDOFF_YES), message_id=offer.message_id)
    [post] = await api.wait_messages(STAFF, 1)
    assert post.plain_text.startswith("#1 · ny fråga · 2020-03-08 10:00 · svenska")
    assert HONEST in post.plain_text
    for who in (str(USER), "Testare"):                            # the user's id and name
        assert who not in post.plain_text and who not in str(post.params)  # incl. the raw request
    [edit] = await api.wait_for(lambda: edits(api, USER))          # the offer becomes the outcome
    assert edit.plain_text == msg.HANDOFF_SENT.format(case=1)
    assert edit.params["message_id"] == offer.message_id and not edit.reply_markup

    before = len(api.messages_to(USER))
    api.push_message(STAFF, "Det beror på budgeten – hör av dig till ICLD.", chat_type="supergroup",
                     user_id=STAFF_MEMBER, reply_to_message_id=post.message_id)
    [relayed] = (await api.wait_messages(USER, before + 1))[before:]
    assert relayed.plain_text.startswith("💬 Svar från en handläggare (ärende #1):")
    assert "Det beror på budgeten" in relayed.plain_text
    assert "skrev en människa, inte jag" in relayed.plain_text
    [note] = (await api.wait_messages(STAFF, 2))[1:]
    assert note.plain_text == msg.STAFF_RELAYED.format(case=1)
    case = await stored_case(bot.store, 1)
    assert case is not None and case.state == "answered"

    # A later reply on the same case is relayed too.
    api.push_message(STAFF, "Tillägg: se även icld.se.", chat_type="supergroup",
                     user_id=STAFF_MEMBER, reply_to_message_id=post.message_id)
    [later] = (await api.wait_messages(USER, before + 2))[before + 1:]
    assert "Tillägg" in later.plain_text
    # Every relay is confirmed to the staff; wait for this one so the count below is settled.
    [second_note] = (await api.wait_messages(STAFF, 3))[2:]
    assert second_note.plain_text == msg.STAFF_RELAYED.format(case=1)

    # The user's reply to a relayed answer goes back to the case, scrubbed.
    staff_before = len(api.messages_to(STAFF))
    [ack] = await ask(api, USER, "Tack! Ring mig på 070-123 45 67", reply_to_message_id=relayed.message_id)
    assert ack.plain_text == msg.HANDOFF_FOLLOWUP_SENT.format(case=1)
    [followup] = (await api.wait_messages(STAFF, staff_before + 1))[staff_before:]
    assert followup.plain_text.startswith("#1 · den som frågade svarar")
    assert "[telefon]" in followup.plain_text and "070" not in followup.plain_text
    assert followup.params["reply_parameters"]["message_id"] == post.message_id
    # ... and a staff reply to that follow-up reaches the user as well.
    before = len(api.messages_to(USER))
    api.push_message(STAFF, "Vi ringer inte, men svarar här.", chat_type="supergroup",
                     user_id=STAFF_MEMBER, reply_to_message_id=followup.message_id)
    [third] = (await api.wait_messages(USER, before + 1))[before:]
    assert "Vi ringer inte" in third.plain_text


async def test_replies_elsewhere_relay_nothing(tg) -> None:
    api, bot = tg
    post, _ = await hand_over(api)
    other_group = -1009999
    await settle(api, bot)
    before = len(api.messages_to(USER))
    # The same message id in another group, a reply to another message, a plain message.
    api.push_message(other_group, "svar", chat_type="supergroup", user_id=STAFF_MEMBER,
                     reply_to_bot=True)
    replied = api.pushed_updates[-1]["message"]["reply_to_message"]
    assert replied["message_id"] == post.message_id          # same message id, another chat
    api.push_message(STAFF, "Hej alla", chat_type="supergroup", user_id=STAFF_MEMBER)
    api.push_message(STAFF, "svar på fel meddelande", chat_type="supergroup", user_id=STAFF_MEMBER,
                     reply_to_message_id=post.message_id + 1)          # the "Hej alla" above
    await settle(api, bot)
    assert len(api.messages_to(USER)) == before
    assert not any("svar" == (m.plain_text or "") for m in api.messages_to(USER))
    case = await stored_case(bot.store, 1)
    assert case is not None and case.state == "open"


async def test_pressing_twice_makes_one_case(tg) -> None:
    api, bot = tg
    [answer] = await ask(api, USER, HONEST)
    [offer] = await press(api, USER, answer, msg.HANDOFF_BUTTON)
    [offer2] = await press(api, USER, answer, msg.HANDOFF_BUTTON)     # the button again
    for sent in (offer, offer, offer2):                               # confirm three times
        api.push_callback(USER, data_of(offer, msg.HANDOFF_YES), message_id=sent.message_id)
    await settle(api, bot)
    assert len(api.messages_to(STAFF)) == 1
    assert [c.id for c in await bot.store.list_cases()] == [1]
    [again] = await press(api, USER, answer, msg.HANDOFF_BUTTON)      # after it was sent
    assert again.plain_text == msg.HANDOFF_ALREADY.format(case=1)


async def test_help_offers_the_button_and_the_next_message_is_the_question(tg) -> None:
    api, bot = tg
    [help_] = await ask(api, USER, "/hjalp")
    [write] = await press(api, USER, help_, msg.HANDOFF_BUTTON)
    assert write.plain_text == msg.HANDOFF_WRITE
    [offer] = await ask(api, USER, "Får vi ha två partner samtidigt? Mvh Karin Svensson")
    assert "Karin" not in offer.plain_text and "två partner" in offer.plain_text
    api.push_callback(USER, data_of(offer, msg.HANDOFF_NO), message_id=offer.message_id)
    await settle(api, bot)
    assert api.messages_to(STAFF) == [] and await bot.store.list_cases() == []
    assert edits(api, USER)[-1].plain_text == msg.HANDOFF_CANCELLED
    # A normal answer (not honest) has no button.
    [kenya] = await ask(api, USER, "Kan vi samarbeta med Kenya?")
    assert msg.HANDOFF_BUTTON not in [t for t, _ in buttons(kenya)]


async def test_english_user_gets_english_texts(tg) -> None:
    api, bot = tg
    api.set_user_language(2002, "en")
    [answer] = await ask(api, 2002, "How much money can we get?")
    [offer] = await press(api, 2002, answer, msg.EN["HANDOFF_BUTTON"])
    assert "a case number, nothing else" in offer.plain_text
    api.push_callback(2002, data_of(offer, msg.EN["HANDOFF_YES"]), message_id=offer.message_id)
    [post] = await api.wait_messages(STAFF, 1)
    assert "· engelska" in post.plain_text


async def test_stang_closes_and_blocked_chat_closes_with_a_note(tg) -> None:
    api, bot = tg
    post, _ = await hand_over(api)
    api.push_message(STAFF, "Svar", chat_type="supergroup", user_id=STAFF_MEMBER,
                     reply_to_message_id=post.message_id)
    [relayed] = (await api.wait_messages(USER, 3))[2:]      # answer, offer, relayed
    api.push_message(STAFF, "/stang", chat_type="supergroup", user_id=STAFF_MEMBER,
                     reply_to_message_id=post.message_id)
    await api.wait_for(lambda: api.messages_to(STAFF)[-1].plain_text == msg.STAFF_CLOSED.format(case=1))
    case = await stored_case(bot.store, 1)
    assert case is not None and case.state == "closed"
    # After closing: the user's reply and a staff reply are not passed on, and both are told.
    [told] = await ask(api, USER, "En sak till", reply_to_message_id=relayed.message_id)
    assert told.plain_text == msg.HANDOFF_CASE_CLOSED.format(case=1)
    api.push_message(STAFF, "Ett sent svar", chat_type="supergroup", user_id=STAFF_MEMBER,
                     reply_to_message_id=post.message_id)
    await api.wait_for(lambda: api.messages_to(STAFF)[-1].plain_text
                       == msg.STAFF_CASE_IS_CLOSED.format(case=1))
    assert not [m for m in api.messages_to(USER) if "Ett sent svar" in (m.plain_text or "")]
    api.push_message(STAFF, "/stang", chat_type="supergroup", user_id=STAFF_MEMBER)
    await api.wait_for(lambda: api.messages_to(STAFF)[-1].plain_text == msg.STAFF_CLOSE_USAGE)

    post2, _ = await hand_over(api, 3003)
    api.block_chat(3003)
    api.push_message(STAFF, "Här är svaret.", chat_type="supergroup", user_id=STAFF_MEMBER,
                     reply_to_message_id=post2.message_id)
    await api.wait_for(lambda: api.messages_to(STAFF)[-1].plain_text == msg.STAFF_BLOCKED.format(case=2))
    case = await stored_case(bot.store, 2)
    assert case is not None and case.state == "closed" and case.note == "blocked"


async def test_a_long_answer_is_split(tg) -> None:
    api, bot = tg
    post, _ = await hand_over(api)
    long = " ".join(["Ett långt svar från en handläggare."] * 300)        # ~10,800 characters
    before = len(api.messages_to(USER))
    api.push_message(STAFF, long, chat_type="supergroup", user_id=STAFF_MEMBER,
                     reply_to_message_id=post.message_id)
    await api.wait_for(lambda: api.messages_to(STAFF)[-1].plain_text == msg.STAFF_RELAYED.format(case=1))
    parts = api.messages_to(USER)[before:]
    assert len(parts) >= 3 and all(len(p.text or "") <= 4096 for p in parts)
    joined = " ".join(p.plain_text or "" for p in parts)
    assert joined.count("Ett långt svar") == 300
    # Every part routes a reply back to the case.
    staff_before = len(api.messages_to(STAFF))
    await ask(api, USER, "Tack!", reply_to_message_id=parts[1].message_id)
    await api.wait_messages(STAFF, staff_before + 1)


async def test_my_data_shows_cases_forget_erases_them_and_closed_ones_expire(tg) -> None:
    api, bot = tg
    post, _ = await hand_over(api)
    [data] = await ask(api, USER, "/mina_uppgifter")
    assert "ärende #1 (väntar på svar)" in data.plain_text and HONEST in data.plain_text
    [confirm] = await ask(api, USER, "/glom_mig")
    api.push_callback(USER, "forget:yes", message_id=confirm.message_id)
    await settle(api, bot)
    assert await stored_case(bot.store, 1) is None
    with sqlite3.connect(bot.settings.db_path) as con:
        assert con.execute("SELECT COUNT(*) FROM case_messages").fetchone()[0] == 0
    before = len(api.messages_to(USER))
    api.push_message(STAFF, "svar", chat_type="supergroup", user_id=STAFF_MEMBER,
                     reply_to_message_id=post.message_id)
    await settle(api, bot)
    assert len(api.messages_to(USER)) == before              # an erased case relays nothing

    # Retention: a closed case goes 90 days after closing; an open one stays.
    await hand_over(api, 4004)
    await hand_over(api, 5005)
    await bot.store.close_case(3, NOW)
    await bot.store.prune(NOW + timedelta(days=89) - timedelta(days=90))
    assert await stored_case(bot.store, 3) is not None
    await bot.store.prune(NOW + timedelta(days=91) - timedelta(days=90))
    assert await stored_case(bot.store, 3) is None and await stored_case(bot.store, 2) is not None


async def test_stats_show_open_cases_and_the_median_time_to_answer(tg) -> None:
    api, bot = tg
    post, _ = await hand_over(api)
    await hand_over(api, 3003)
    bot.clock.advance(minutes=90)
    api.push_message(STAFF, "Svar", chat_type="supergroup", user_id=STAFF_MEMBER,
                     reply_to_message_id=post.message_id)
    await api.wait_for(lambda: api.messages_to(STAFF)[-1].plain_text == msg.STAFF_RELAYED.format(case=1))
    [stats] = await ask(api, ADMIN, "/stats")
    assert "Ärenden hos handläggare: 1 öppna; mediantid till första svar: 1 h 30 min" in stats.plain_text


async def test_without_the_setting_there_is_no_button(tmp_path: Path) -> None:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW) as bot:
        [answer] = await ask(api, USER, HONEST)
        [help_] = await ask(api, USER, "/hjalp")
        for sent in (answer, help_):
            assert not [d for _, d in buttons(sent) if d.startswith("ho:")]
        api.push_callback(USER, "ho:ask:sv", message_id=answer.message_id)   # an old button
        [said] = await api.wait_for(lambda: api.callback_answers)
        assert said["text"] == msg.HANDOFF_OFF
        await settle(api, bot)
        assert api.messages_to(STAFF) == []


async def test_partnerbot_cases_lists_them_and_exports_answered_ones_as_drafts(
        tg, tmp_path: Path, monkeypatch, capsys) -> None:
    api, bot = tg
    post, _ = await hand_over(api)                                 # case 1: answered below
    bot.clock.advance(hours=1)
    await hand_over(api, 3003, "Behöver kommunfullmäktige besluta om ansökan?")   # case 2: open
    bot.clock.advance(hours=1)
    await hand_over(api, 4004, "Kan vi få pengar för resor?")      # case 3: open, newer
    api.push_message(STAFF, "Nej, det finns inget fast belopp.\nFråga ICLD om budgeten.",
                     chat_type="supergroup", user_id=STAFF_MEMBER,
                     reply_to_message_id=post.message_id)
    await api.wait_for(lambda: api.messages_to(STAFF)[-1].plain_text == msg.STAFF_RELAYED.format(case=1))
    await settle(api, bot)

    monkeypatch.setenv("PARTNERBOT_DB", str(bot.settings.db_path))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    assert await asyncio.to_thread(cli.main, ["cases"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [["open", "#2"], ["open", "#3"],
                                                    ["answered", "#1"]]
    assert "Behöver kommunfullmäktige besluta om ansökan?" in lines[0]
    assert "2020-03-08 10:00" in lines[2] and "first answer 2020-03-08 12:00" in lines[2]

    drafts = tmp_path / "drafts.yaml"
    assert await asyncio.to_thread(cli.main, ["cases", "--export", str(drafts)]) == 0
    text = drafts.read_text(encoding="utf-8")
    assert 'source: "handläggare, 2020-03-08"' in text
    [entry] = yaml.safe_load(text)["entries"]
    assert entry == {"id": "case_1", "title": HONEST, "questions": [HONEST],
                     "answer": "Nej, det finns inget fast belopp.\nFråga ICLD om budgeten.",
                     "source": "handläggare, 2020-03-08"}


async def test_a_failed_post_to_the_staff_group_loses_nothing(tg) -> None:
    api, bot = tg
    [answer] = await ask(api, USER, HONEST)
    [offer] = await press(api, USER, answer, msg.HANDOFF_BUTTON)
    api.block_chat(STAFF)                                  # the bot was removed from the group
    before = len(api.messages_to(USER))
    api.push_callback(USER, data_of(offer, msg.HANDOFF_YES), message_id=offer.message_id)
    [failed] = (await api.wait_messages(USER, before + 1))[before:]
    assert failed.plain_text == msg.HANDOFF_FAILED
    assert await bot.store.list_cases() == []                       # no case without a post
    api.unblock_chat(STAFF)
    api.push_callback(USER, data_of(offer, msg.HANDOFF_YES), message_id=offer.message_id)
    [post] = await api.wait_messages(STAFF, 1)                      # the same offer, again
    assert HONEST in post.plain_text and len(await bot.store.list_cases()) == 1


async def test_a_restart_loses_neither_the_case_nor_its_route(tmp_path: Path) -> None:
    env = {"PARTNERBOT_HANDOFF_CHAT": str(STAFF)}
    async with StandIn() as api:
        async with running_bot(tmp_path, api, now=NOW, env=env) as first:
            post, _ = await hand_over(api)
            await settle(api, first)
        async with running_bot(tmp_path, api, now=NOW, env=env) as bot:   # the same database
            before = len(api.messages_to(USER))
            api.push_message(STAFF, "Svar efter omstart", chat_type="supergroup",
                             user_id=STAFF_MEMBER, reply_to_message_id=post.message_id)
            [relayed] = (await api.wait_messages(USER, before + 1))[before:]
            assert "Svar efter omstart" in relayed.plain_text
            await settle(api, bot)          # the case is marked answered after the relay is sent
            assert (await stored_case(bot.store, 1)).state == "answered"    # type: ignore[union-attr]


async def test_a_case_whose_post_was_not_recorded_is_posted_again_on_the_next_press(tg) -> None:
    api, bot = tg
    [answer] = await ask(api, USER, HONEST)
    [offer] = await press(api, USER, answer, msg.HANDOFF_BUTTON)
    # As if the bot died after storing the case and before posting it (memory gone too).
    case, _ = await bot.store.open_case(f"{USER}:m{answer.message_id}", USER, "sv", HONEST, NOW)
    bot.services.handoff.release(USER, f"m{answer.message_id}")
    api.push_callback(USER, data_of(offer, msg.HANDOFF_YES), message_id=offer.message_id)
    [post] = await api.wait_messages(STAFF, 1)
    assert post.plain_text.startswith(f"#{case.id} · ny fråga")
    await api.wait_for(lambda: edits(api, USER))
    assert edits(api, USER)[-1].plain_text == msg.HANDOFF_SENT.format(case=case.id)
    api.push_callback(USER, data_of(offer, msg.HANDOFF_YES), message_id=offer.message_id)
    await settle(api, bot)
    assert len(api.messages_to(STAFF)) == 1                      # posted once

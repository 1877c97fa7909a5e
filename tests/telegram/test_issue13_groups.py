"""Issue 13, part 2: groups. Only administrators change a group's subscription or erase its
data; answers quote the question they answer; only messages meant for the bot count toward
the flood limit, and the first question after the pause is answered."""
from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import pytest

from bot.clock import STOCKHOLM
from bot.telegram import messages as msg
from standin.botrunner import RunningBot, ask, running_bot, settle
from standin import BOT_USERNAME, StandIn

NOW = datetime(2020, 3, 8, 10, 0, tzinfo=STOCKHOLM)
GROUP, ADMIN, MEMBER = -100777, 7001, 7002


@pytest.fixture()
async def tg(tmp_path: Path) -> AsyncIterator[tuple[StandIn, RunningBot]]:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW) as bot:
        api.set_member_status(GROUP, ADMIN, "administrator")
        yield api, bot


def in_group(**kw: object) -> dict[str, object]:
    return {"chat_type": "supergroup", **kw}


async def test_only_group_admins_subscribe_unsubscribe_or_erase_the_group(tg) -> None:
    api, bot = tg
    [refused] = await ask(api, GROUP, "/prenumerera", **in_group(user_id=MEMBER))
    assert refused.plain_text == msg.GROUP_ADMINS_ONLY
    assert await bot.store.get_subscriber(GROUP) is None
    [done] = await ask(api, GROUP, "/prenumerera", **in_group(user_id=ADMIN))
    assert done.plain_text.startswith("Klart!")
    [refused] = await ask(api, GROUP, "/avsluta", **in_group(user_id=MEMBER))
    assert refused.plain_text == msg.GROUP_ADMINS_ONLY
    [refused] = await ask(api, GROUP, "/glom_mig", **in_group(user_id=MEMBER))
    assert refused.plain_text == msg.GROUP_ADMINS_ONLY
    assert (await bot.store.get_subscriber(GROUP)).active  # type: ignore[union-attr]

    [confirm] = await ask(api, GROUP, "/glom_mig", **in_group(user_id=ADMIN))
    query = api.push_callback(GROUP, "forget:yes", user_id=MEMBER, message_id=confirm.message_id)
    await api.wait_for(lambda: query in [a["callback_query_id"] for a in api.callback_answers])
    await settle(api, bot)
    [answer] = [a for a in api.callback_answers if a["callback_query_id"] == query]
    assert answer["text"] == msg.GROUP_ADMINS_ONLY and answer["show_alert"]
    assert not [s for s in api.sent if s.method == "editMessageText"]
    assert (await bot.store.get_subscriber(GROUP)).active  # type: ignore[union-attr]

    api.push_callback(GROUP, "forget:yes", user_id=ADMIN, message_id=confirm.message_id)
    edit = await api.wait_for(lambda: [s for s in api.sent if s.method == "editMessageText"])
    assert edit[0].plain_text == msg.FORGET_DONE
    assert await bot.store.get_subscriber(GROUP) is None


async def test_group_creator_and_private_chats_need_no_admin_check(tg) -> None:
    api, bot = tg
    api.set_member_status(GROUP, 7003, "creator")
    [done] = await ask(api, GROUP, "/prenumerera", **in_group(user_id=7003))
    assert done.plain_text.startswith("Klart!")
    [done] = await ask(api, 1001, "/prenumerera")
    assert done.plain_text.startswith("Klart!")
    assert not [c for c in api.calls if c.method == "getChatMember" and c.chat_id == 1001]


async def test_group_answers_quote_the_question_they_answer(tg) -> None:
    api, _ = tg
    question = f"@{BOT_USERNAME} kan vi samarbeta med Kenya?"
    api.push_message(GROUP, "hej alla", **in_group(user_id=MEMBER))
    [answer] = await ask(api, GROUP, question, **in_group(user_id=ADMIN))
    asked = [u["message"] for u in api.pushed_updates if u.get("message", {}).get("text") == question]
    assert "Kenya" in answer.plain_text
    assert answer.params["reply_parameters"]["message_id"] == asked[0]["message_id"]
    [command] = await ask(api, GROUP, "/deadline", **in_group(user_id=MEMBER))
    assert command.params.get("reply_parameters")
    [private] = await ask(api, 1001, "Kan vi samarbeta med Kenya?")
    assert not private.params.get("reply_parameters")


async def test_group_chatter_never_trips_the_flood_limit(tg) -> None:
    api, bot = tg
    for i in range(60):
        api.push_message(GROUP, f"rad {i}: vi ses på mötet", **in_group(user_id=7100 + i % 3))
    await settle(api, bot)
    [answer] = await ask(api, GROUP, f"@{BOT_USERNAME} när är sista dagen?",
                         **in_group(user_id=7100))
    assert "15 mars 2020" in answer.plain_text
    assert not [s for s in api.sent if s.plain_text == msg.SLOW_DOWN]


async def test_flood_one_notice_buttons_still_work_and_first_question_after_pause(tg) -> None:
    api, bot = tg
    ticks = [1000.0]
    bot.services.flood.clock = lambda: ticks[0]
    for i in range(45):
        api.push_message(1001, f"Kan vi samarbeta med Kenya? ({i})")
    await api.wait_for(lambda: any(s.plain_text == msg.SLOW_DOWN for s in api.messages_to(1001)))
    await settle(api, bot)
    sent = api.messages_to(1001)
    assert [s.plain_text for s in sent].count(msg.SLOW_DOWN) == 1
    assert len(sent) == 41 and sent[-1].plain_text == msg.SLOW_DOWN
    api.push_callback(1001, "a:deadline:sv")                   # a button press is not counted
    [deadline] = (await api.wait_messages(1001, 42))[41:]
    assert "15 mars 2020" in deadline.plain_text
    api.push_message(1001, "Kan vi samarbeta med Namibia?")     # still paused: ignored
    await settle(api, bot)
    assert len(api.messages_to(1001)) == 42
    ticks[0] += 31
    [after] = await ask(api, 1001, "Kan vi samarbeta med Namibia?")
    assert "Namibia" in after.plain_text

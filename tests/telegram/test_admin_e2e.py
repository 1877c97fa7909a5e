"""Admin commands and broadcasts end to end on the Bot API stand-in (issue 4).

/stats, /broadcast (confirm button, delivered once to every active subscriber, HTML-escaped,
also across SIGTERM and kill -9 of the bot process), /reload, and the plain refusal for
everyone who is not in PARTNERBOT_ADMINS (rights go by user id, never by chat).
"""
from __future__ import annotations

import asyncio
import subprocess
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.telegram import messages as msg
from bot.clock import parse_now
from bot.reminders.delivery import IN_FLIGHT
from bot.storage import Store
from standin.botrunner import PassCounter, running_bot, start_bot_process
from standin.botrunner import seed as seed_at
from standin import Sent, StandIn

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*retry_after.*:telegram.warnings.PTBDeprecationWarning")

ADMIN = 42
NOW = parse_now("2020-02-01T12:00")        # call open; the first reminder (d30) is 14 Feb
JOINED = parse_now("2020-01-15T10:00")
FAST = {"PARTNERBOT_DELIVERY_INTERVAL": "0.05"}
NOT_AVAILABLE = "Det kommandot är inte tillgängligt."


async def seed(store: Store, chats: Iterable[int], when: datetime = JOINED) -> None:
    await seed_at(store, chats, when)





def received(api: StandIn, chats: Iterable[int], needle: str) -> Counter[int]:
    wanted = set(chats)
    return Counter(m.chat_id for m in api.sent  # type: ignore[misc]
                   if m.method == "sendMessage" and m.chat_id in wanted
                   and needle in (m.plain_text or ""))


def confirm_data(ask: Sent, choice: str) -> str:
    """callback_data of the "Ja, skicka" / "Avbryt" button on the confirmation message."""
    assert ask.reply_markup is not None
    [buttons] = ask.reply_markup["inline_keyboard"]
    labels = {b["text"]: b["callback_data"] for b in buttons}
    assert set(labels) == {msg.BROADCAST_SEND, msg.BROADCAST_CANCEL}
    return labels[msg.BROADCAST_SEND if choice == "yes" else msg.BROADCAST_CANCEL]


async def ask_broadcast(api: StandIn, text: str, chat: int = ADMIN,
                        user_id: int = ADMIN, chat_type: str = "private") -> Sent:
    before = len(api.messages_to(chat))
    api.push_message(chat, f"/broadcast {text}", user_id=user_id, chat_type=chat_type)
    return (await api.wait_messages(chat, before + 1))[-1]


# ----------------------------------------------------------------------------- /stats
async def test_stats_shows_subscribers_questions_today_and_top_unanswered(tmp_path: Path) -> None:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, admins=str(ADMIN)) as bot:
        await seed(bot.store, [101, 102, 103, 104])
        await bot.store.unsubscribe(104, NOW)
        bot.clock.now = NOW - timedelta(days=1)             # yesterday's question: not today
        api.push_message(600, "Vilken färg har kaffemaskinen?")
        await api.wait_messages(600, 1)
        bot.clock.now = NOW
        questions = ["Kan vi samarbeta med Kenya?", "Vilken färg har kaffemaskinen?",
                     "vilken  färg har KAFFEMASKINEN?", "Vilken färg har planeten Mars?"]
        for i, question in enumerate(questions, start=2):
            api.push_message(600, question)
            await api.wait_messages(600, i)

        api.push_message(ADMIN, "/stats")
        [stats] = await api.wait_messages(ADMIN, 1)
        lines = stats.plain_text.splitlines()
        assert "• Aktiva prenumeranter: 3" in lines
        assert "• Frågor i dag: 4" in lines
        unanswered = lines[lines.index("• Obesvarade frågor (vanligast först):") + 1:]
        assert unanswered[0].strip().startswith("3 × ") and "kaffemaskinen" in unanswered[0].lower()
        assert unanswered[1].strip() == "1 × Vilken färg har planeten Mars?"
        assert not any("Kenya" in line for line in unanswered)


# ----------------------------------------------------------------------------- /broadcast
async def test_broadcast_after_confirm_reaches_every_active_subscriber_once(tmp_path: Path) -> None:
    text = 'Viktigt: <b>inte fet</b> & "citat" <script>\nRad två – med å ä ö'
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, admins=str(ADMIN),
                                             env=FAST) as bot:
        passes = PassCounter(bot)
        active = [201, 202, 203]
        await seed(bot.store, [*active, 204])
        await bot.store.unsubscribe(204, NOW)

        api.push_message(ADMIN, f"/broadcast\n{text}")    # the text may start on a new line
        [ask] = await api.wait_messages(ADMIN, 1)
        assert ask.plain_text == msg.BROADCAST_ASK.format(count=3, text=text)
        await passes.wait(api)
        assert received(api, [*active, 204], "Rad två") == Counter()   # nothing before yes

        yes = confirm_data(ask, "yes")
        api.push_callback(ADMIN, yes, user_id=ADMIN)
        api.push_callback(ADMIN, yes, user_id=ADMIN)      # a double tap sends nothing more
        await api.wait_for(lambda: len(received(api, active, "Rad två")) == 3)
        admin_texts = [m.plain_text for m in await api.wait_messages(ADMIN, 4)]
        assert msg.BROADCAST_STARTED.format(count=3) in admin_texts
        assert msg.BROADCAST_ALREADY_SENT in admin_texts      # the second tap says so
        done = await api.wait_for(lambda: [t for t in (m.plain_text for m in
                                                       api.messages_to(ADMIN))
                                           if t.startswith("Utskicket är klart")])
        assert "3" in done[0].removeprefix(msg.BROADCAST_DONE.split("{")[0]), done[0]
        await passes.wait(api, 3)                          # later passes resend nothing

        for chat in active:
            [got] = api.messages_to(chat)
            assert got.plain_text == msg.BROADCAST_FRAME.format(text=text)   # as written,
            assert [b["callback_data"] for row in got.reply_markup["inline_keyboard"]  # framed
                    for b in row] == ["do:unsub:sv"]
            assert got.parse_mode == "HTML" and "<b>" not in got.text
            assert "&lt;b&gt;inte fet&lt;/b&gt; &amp;" in got.text
        assert api.messages_to(204) == []                  # unsubscribed
        assert await bot.store.unfinished_broadcasts() == []


async def test_broadcast_confirmed_during_a_reminder_pass_reports_the_real_count(
        tmp_path: Path) -> None:
    """The scheduled pass that is running when the admin confirms delivers the broadcast
    too (it resumes unfinished broadcasts); the admin's "done" must still count them."""
    chats = range(250, 260)
    d30 = parse_now("2020-02-14T09:00")
    async with StandIn() as api, running_bot(tmp_path, api, now=d30 - timedelta(minutes=1),
                                             admins=str(ADMIN), env=FAST) as bot:
        await seed(bot.store, chats)
        ask = await ask_broadcast(api, "Utskick under påminnelsen")
        api.set_delay(0.08, methods=["sendMessage"])       # the reminder pass takes ~0.8 s
        bot.clock.now = d30
        await api.wait_for(lambda: len(received(api, chats, "⏰")) >= 2)
        api.push_callback(ADMIN, confirm_data(ask, "yes"), user_id=ADMIN)
        await api.wait_for(lambda: len(received(api, chats, "Utskick under")) == 10, timeout=10)
        done = await api.wait_for(lambda: [m.plain_text for m in api.messages_to(ADMIN)
                                           if m.plain_text.startswith("Utskicket är klart")])
    assert received(api, chats, "Utskick under") == Counter({c: 1 for c in chats})
    assert "10" in done[0].removeprefix(msg.BROADCAST_DONE.split("{")[0]), done[0]


async def test_broadcast_cancel_sends_nothing(tmp_path: Path) -> None:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, admins=str(ADMIN),
                                             env=FAST) as bot:
        passes = PassCounter(bot)
        await seed(bot.store, [301, 302])
        ask = await ask_broadcast(api, "Ska inte skickas")
        api.push_callback(ADMIN, confirm_data(ask, "no"), user_id=ADMIN)
        await api.wait_messages(ADMIN, 2)
        assert api.messages_to(ADMIN)[-1].plain_text == msg.BROADCAST_CANCELLED
        api.push_callback(ADMIN, confirm_data(ask, "yes"), user_id=ADMIN)   # too late
        await api.wait_messages(ADMIN, 3)
        assert api.messages_to(ADMIN)[-1].plain_text == msg.BROADCAST_ALREADY_CANCELLED
        await passes.wait(api, 3)
        assert api.messages_to(301) == [] and api.messages_to(302) == []
        assert await bot.store.unfinished_broadcasts() == []


async def test_non_admins_get_a_plain_not_available(tmp_path: Path) -> None:
    group = -1001234567
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, admins=str(ADMIN),
                                             env=FAST) as bot:
        passes = PassCounter(bot)
        await seed(bot.store, [401, 402])
        for command in ("/stats", "/broadcast Hej alla", "/reload"):
            before = len(api.messages_to(555))
            api.push_message(555, command)
            [reply] = (await api.wait_messages(555, before + 1))[before:]
            assert reply.plain_text == NOT_AVAILABLE and reply.reply_markup is None

        # A group with the admin in it: the admin's rights are the admin's, not the group's.
        ask = await ask_broadcast(api, "Från gruppen", chat=group, user_id=ADMIN,
                                  chat_type="supergroup")
        assert ask.plain_text.startswith("Skicka det här till 2 aktiva prenumeranter?")
        for command in ("/stats", "/broadcast@partnerbot_test_bot Hej", "/reload"):
            before = len(api.messages_to(group))
            api.push_message(group, command, user_id=555, chat_type="supergroup")
            [reply] = (await api.wait_messages(group, before + 1))[before:]
            assert reply.plain_text == NOT_AVAILABLE
        # ... and a member pressing the admin's confirm button is refused, nothing is sent.
        query = api.push_callback(group, confirm_data(ask, "yes"), user_id=555,
                                  message_id=ask.message_id)
        answer = await api.wait_for(lambda: [a for a in api.callback_answers
                                             if a["callback_query_id"] == query])
        assert answer[0]["text"] == NOT_AVAILABLE
        await passes.wait(api)
        assert api.messages_to(401) == [] and api.messages_to(402) == []
        # The admin's own press still works afterwards.
        api.push_callback(group, confirm_data(ask, "yes"), user_id=ADMIN,
                          message_id=ask.message_id)
        await api.wait_for(lambda: len(received(api, [401, 402], "Från gruppen")) == 2)


# ----------------------------------------------------------------------------- /reload
def deadline_line(call_yaml: str) -> int:
    """The 1-based line of `deadline:` in call.yaml."""
    return 1 + next(n for n, line in enumerate(call_yaml.splitlines())
                    if line.startswith("deadline:"))


async def test_reload_valid_and_invalid_knowledge(tmp_path: Path, knowledge_copy: Path) -> None:
    call = knowledge_copy / "call.yaml"
    original = call.read_text(encoding="utf-8")
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, admins=str(ADMIN),
                                             knowledge_dir=knowledge_copy):
        async def say(chat: int, text: str) -> str:
            before = len(api.messages_to(chat))
            api.push_message(chat, text)
            return (await api.wait_messages(chat, before + 1))[-1].plain_text

        call.write_text(original.replace("deadline: 2020-03-15", "deadline: snart"),
                        encoding="utf-8")
        failed = await say(ADMIN, "/reload")
        assert failed.startswith("Kunskapsbasen laddades inte om – den gamla används fortfarande.")
        assert f"call.yaml:{deadline_line(original)}:" in failed and "deadline" in failed
        assert "15 mars 2020" in await say(700, "/deadline")   # the old knowledge answers

        call.write_text(original.replace("deadline: 2020-03-15", "deadline: 2020-04-05"),
                        encoding="utf-8")
        ok = await say(ADMIN, "/reload")
        assert ok.startswith("Kunskapsbasen är omladdad (sista ansökningsdag 5 april 2020).")
        assert "5 april 2020" in await say(700, "/deadline")

        # Valid but out of date: reloaded, with the warning on a line of its own.
        call.write_text(original.replace("deadline: 2020-03-15", "deadline: 2020-01-20"),
                        encoding="utf-8")
        stale = await say(ADMIN, "/reload")
        assert stale.startswith("Kunskapsbasen är omladdad (sista ansökningsdag 20 januari 2020).")
        assert "\nwarning: " in stale and "call.yaml: the deadline 2020-01-20 has passed" in stale


async def test_reload_with_an_impossible_date_names_file_and_line(
        tmp_path: Path, knowledge_copy: Path) -> None:
    call = knowledge_copy / "call.yaml"
    original = call.read_text(encoding="utf-8")
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, admins=str(ADMIN),
                                             knowledge_dir=knowledge_copy):
        call.write_text(original.replace("deadline: 2020-03-15", "deadline: 2020-13-45"),
                        encoding="utf-8")
        api.push_message(ADMIN, "/reload")
        [reply] = await api.wait_messages(ADMIN, 1)
        assert reply.plain_text.startswith("Kunskapsbasen laddades inte om")
        assert f"call.yaml:{deadline_line(original)}:" in reply.plain_text
        api.push_message(700, "/deadline")
        [answer] = await api.wait_messages(700, 1)
        assert "15 mars 2020" in answer.plain_text            # the old knowledge answers


async def test_broadcast_done_message_is_swedish(tmp_path: Path) -> None:
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, admins=str(ADMIN)) as bot:
        await seed(bot.store, [501])
        ask = await ask_broadcast(api, "Hej")
        api.push_callback(ADMIN, confirm_data(ask, "yes"), user_id=ADMIN)
        await api.wait_messages(ADMIN, 3)
        done = api.messages_to(ADMIN)[-1].plain_text
        assert done.startswith("Utskicket är klart")
        assert not any(word in done for word in ("sent", "skipped", "blocked", "failed"))


# ----------------------------------------------------------------------------- rate limits
async def test_rate_limited_broadcast_to_200_never_exceeds_30_per_second(tmp_path: Path) -> None:
    chats = range(10_000, 10_200)
    async with StandIn() as api, running_bot(tmp_path, api, now=NOW, admins=str(ADMIN),
                                             env=FAST, rate_limit=True) as bot:
        api.enforce_rate_limit(30)
        await seed(bot.store, chats)
        ask = await ask_broadcast(api, "Sista chansen att söka!")
        api.push_callback(ADMIN, confirm_data(ask, "yes"), user_id=ADMIN)
        await api.wait_for(lambda: len(received(api, chats, "Sista chansen")) == 200,
                           timeout=20)
        await api.wait_for(lambda: api.messages_to(ADMIN)[-1].plain_text.startswith(
            "Utskicket är klart"), timeout=5)
    assert received(api, chats, "Sista chansen") == Counter({c: 1 for c in chats})
    assert [c for c in api.calls if c.status == 429] == []
    assert api.rate_violations == []
    assert api.max_in_any_window(1.0) <= 30


# ----------------------------------------------------------------------------- processes
@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Bot processes a test started; any still running at teardown are killed."""
    running: list[subprocess.Popen[bytes]] = []
    try:
        yield running
    finally:
        for proc in running:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


def test_broadcast_survives_sigterm_and_kill_9(
        tmp_path: Path, processes: list[subprocess.Popen[bytes]]) -> None:
    db = tmp_path / "partnerbot.db"
    chats = range(20_000, 20_200)
    text = "Utskick: ICLD svarar på frågor om kommunalt partnerskap"

    async def prepare() -> None:
        store = await Store.open(db)
        try:
            await seed(store, chats)
        finally:
            await store.close()
    asyncio.run(prepare())

    def start() -> subprocess.Popen[bytes]:
        before = sum(1 for s in api.sent if s.method == "setMyCommands")
        proc = start_bot_process(tmp_path, api, now="2020-02-01T12:00",
                                 PARTNERBOT_ADMINS=str(ADMIN), PARTNERBOT_DELIVERY_INTERVAL="0.1")
        processes.append(proc)
        api.wait_for_sync(lambda: proc.poll() is not None or sum(
            1 for s in api.sent if s.method == "setMyCommands") > before, timeout=15)
        assert proc.poll() is None, (tmp_path / "bot.log").read_text()
        return proc

    def delivered() -> int:
        return len(received(api, chats, "Utskick:"))

    with StandIn.in_thread() as api:
        proc = start()
        api.push_message(ADMIN, f"/broadcast {text}")
        [ask] = api.wait_messages_sync(ADMIN, 1)
        api.set_delay(0.1, methods=["sendMessage"])         # IN_FLIGHT at a time: ~2 s
        api.push_callback(ADMIN, confirm_data(ask, "yes"), user_id=ADMIN)
        api.wait_for_sync(lambda: delivered() >= 50, timeout=10)

        at_sigterm = delivered()                            # SIGTERM: stop after the
        proc.terminate()                                    # messages in flight
        assert proc.wait(10) == 0
        assert delivered() - at_sigterm <= IN_FLIGHT + 1, "kept broadcasting after SIGTERM"
        assert delivered() < len(chats)
        assert not [m for m in api.messages_to(ADMIN)               # not done: no "done"
                    if m.plain_text.startswith("Utskicket är klart")]

        proc = start()                                      # resumes from the database
        api.wait_for_sync(lambda: delivered() >= 120, timeout=10)
        proc.kill()
        proc.wait(10)                  # the restart takes over the dead process's lease
        assert delivered() < len(chats), "the kill landed after the end"

        proc = start()
        api.wait_for_sync(lambda: delivered() == len(chats), timeout=15)
        time.sleep(0.4)
        proc.terminate()
        assert proc.wait(10) == 0
    counts = received(api, chats, "Utskick:")
    assert set(counts) == set(chats)
    assert max(counts.values()) <= 2                        # one kill -9: at most one
    assert sum(n - 1 for n in counts.values()) <= IN_FLIGHT # duplicate each, IN_FLIGHT in all
    assert all(m.plain_text == msg.BROADCAST_FRAME.format(text=text)
               for c in (20_000, 20_199) for m in api.messages_to(c))

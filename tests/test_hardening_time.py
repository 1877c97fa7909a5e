"""Tricky dates (issue 5): daylight-saving changes in Europe/Stockholm, leap days, the last
minutes of the deadline day, a host clock in another zone, and a restart exactly when a
reminder is due."""
from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.telegram import messages as msg
from bot.live_engine import LiveEngine
from bot.cli import main
from bot.clock import STOCKHOLM
from bot.reminders.ics import deadline_calendar
from bot.reminders.schedule import Reminder, due_reminder
from bot.storage import Store
from bot.answers.texts import format_day
from standin.botrunner import running_bot, start_bot_process
from standin import StandIn
from tests.support import delivered_keys, delivery

TODAY = "I dag är sista ansökningsdagen!"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _with_deadline(folder: Path, day: date) -> LiveEngine:
    call = folder / "call.yaml"
    text = re.sub(r"(?m)^deadline:[^#\n]*", f"deadline: {day.isoformat()}  ",
                  call.read_text(encoding="utf-8"))
    call.write_text(text, encoding="utf-8")
    return LiveEngine.load(folder)


def _due(live: LiveEngine) -> dict[int, datetime]:
    return {r.days_before: r.due_at for r in live.reminders.schedule()}


def _countdown(live: LiveEngine, now: datetime, lang: str = "sv") -> str:
    return live.engine.answer_entry("deadline", now, lang).text


def _open(live: LiveEngine, now: datetime) -> bool:
    return live.knowledge.call.is_open(now)


def _reminder_at(live: LiveEngine, now: datetime) -> Reminder | None:
    config = live.reminders
    return due_reminder(now, config.schedule(), config.deadline_end())


# -- daylight saving time ------------------------------------------------------------------

def test_deadline_on_the_spring_forward_day(knowledge_copy: Path) -> None:
    live = _with_deadline(knowledge_copy, date(2020, 3, 29))    # 02:00 -> 03:00, 23 hours
    assert _due(live) == {30: utc(2020, 2, 28, 8), 14: utc(2020, 3, 15, 8), 7: utc(2020, 3, 22, 8),
                           3: utc(2020, 3, 26, 8), 1: utc(2020, 3, 28, 8), 0: utc(2020, 3, 29, 7)}
    assert "1 dag kvar" in _countdown(live, utc(2020, 3, 28, 22, 59, 59))   # 23:59:59 CET
    assert TODAY in _countdown(live, utc(2020, 3, 28, 23))                  # 00:00 CET
    assert TODAY in _countdown(live, utc(2020, 3, 29, 1))                   # 03:00 CEST
    assert _reminder_at(live, utc(2020, 3, 29, 6, 59, 59)).days_before == 1  # 08:59:59 CEST
    assert _reminder_at(live, utc(2020, 3, 29, 7)).days_before == 0         # 09:00 CEST
    assert _open(live, utc(2020, 3, 29, 21, 59, 59))                        # 23:59:59 CEST
    assert not _open(live, utc(2020, 3, 29, 22))                            # 00:00 CEST
    assert "stängde den 29 mars 2020" in _countdown(live, utc(2020, 3, 29, 22))
    assert _reminder_at(live, utc(2020, 3, 29, 22)) is None


def test_deadline_on_the_fall_back_day(knowledge_copy: Path) -> None:
    live = _with_deadline(knowledge_copy, date(2020, 10, 25))   # 03:00 -> 02:00, 25 hours
    due = _due(live)
    assert due[1] == utc(2020, 10, 24, 7) and due[0] == utc(2020, 10, 25, 8)
    assert due[3] == utc(2020, 10, 22, 7) and due[30] == utc(2020, 9, 25, 7)
    assert "1 dag kvar" in _countdown(live, utc(2020, 10, 24, 21, 59, 59))  # 23:59:59 CEST
    assert TODAY in _countdown(live, utc(2020, 10, 24, 22))                 # 00:00 CEST
    assert _reminder_at(live, utc(2020, 10, 25, 7, 59, 59)).days_before == 1  # 08:59:59 CET
    assert _reminder_at(live, utc(2020, 10, 25, 8)).days_before == 0        # 09:00 CET
    assert _open(live, utc(2020, 10, 25, 22, 59, 59))                       # 23:59:59 CET
    assert not _open(live, utc(2020, 10, 25, 23))
    assert "stängde den 25 oktober 2020" in _countdown(live, utc(2020, 10, 25, 23))


@pytest.mark.parametrize("deadline, early, on_time", [
    (date(2020, 3, 29), local(2020, 3, 29, 8, 59, 59), local(2020, 3, 29, 9, 0, 1)),
    (date(2020, 10, 25), local(2020, 10, 25, 8, 59, 59), local(2020, 10, 25, 9, 0, 1)),
], ids=["spring-forward", "fall-back"])
async def test_last_day_reminder_at_nine_local_through_the_bot(
        knowledge_copy: Path, deadline: date, early: datetime, on_time: datetime) -> None:
    _with_deadline(knowledge_copy, deadline)
    async with StandIn() as api, running_bot(knowledge_copy.parent, api, now=early,
                                             knowledge_dir=knowledge_copy) as bot:
        await bot.store.subscribe(1, "sv", early - timedelta(hours=12))
        await asyncio.sleep(0.7)                       # several passes an hour "too early"
        assert api.messages_to(1) == []
        bot.clock.now = on_time
        [reminder] = await api.wait_messages(1, 1)
        assert f"I dag, {format_day(deadline, 'sv')}, är sista ansökningsdagen" in \
            reminder.plain_text


# -- leap day ------------------------------------------------------------------------------

def test_deadline_on_a_leap_day(knowledge_copy: Path) -> None:
    live = _with_deadline(knowledge_copy, date(2024, 2, 29))
    assert "den 29 februari 2024" in _countdown(live, local(2024, 2, 1, 12))
    assert "29 February 2024" in _countdown(live, local(2024, 2, 1, 12), "en")
    assert "Det är 29 dagar kvar" in _countdown(live, local(2024, 1, 31, 12))
    assert "1 dag kvar" in _countdown(live, local(2024, 2, 28, 12))
    assert TODAY in _countdown(live, local(2024, 2, 29, 23, 59, 59))
    assert "stängde den 29 februari 2024" in _countdown(live, local(2024, 3, 1))
    due = _due(live)
    assert due[30] == utc(2024, 1, 30, 8) and due[1] == utc(2024, 2, 28, 8)
    assert due[0] == utc(2024, 2, 29, 8)
    last = next(r for r in live.reminders.schedule() if r.days_before == 0)
    assert "I dag, 29 februari 2024" in live.reminders.texts(last, local(2024, 2, 29, 9))["sv"]
    ics = deadline_calendar(call_name="Kommunalt partnerskap", deadline=date(2024, 2, 29),
                            tz="Europe/Stockholm", reminders=[due[1], due[0]],
                            url="https://icld.se/", now=local(2024, 2, 1)).decode()
    assert "DTSTART;VALUE=DATE:20240229" in ics and "DTEND;VALUE=DATE:20240301" in ics
    assert "20240229T080000Z" in ics and "20240228T080000Z" in ics


def test_deadline_the_day_after_a_leap_day(knowledge_copy: Path) -> None:
    live = _with_deadline(knowledge_copy, date(2024, 3, 1))
    due = _due(live)
    assert due[1] == utc(2024, 2, 29, 8) and due[30] == utc(2024, 1, 31, 8)
    assert due[3] == utc(2024, 2, 27, 8)
    assert "Det är 2 dagar kvar" in _countdown(live, local(2024, 2, 28, 23, 59, 59))
    assert "1 dag kvar" in _countdown(live, local(2024, 2, 29, 0))
    assert _reminder_at(live, local(2024, 2, 29, 9)).days_before == 1
    assert TODAY in _countdown(live, local(2024, 3, 1, 0))


def test_check_reports_an_impossible_date_with_file_and_line(
        knowledge_copy: Path, capsys: pytest.CaptureFixture) -> None:
    call = knowledge_copy / "call.yaml"
    call.write_text(call.read_text(encoding="utf-8").replace("2020-03-15", "2027-02-29"),
                    encoding="utf-8")
    line = next(i for i, t in enumerate(call.read_text().splitlines(), 1)
                if t.startswith("deadline:"))
    assert main(["--knowledge", str(knowledge_copy), "check"]) == 2
    assert f"{call}:{line}: " in capsys.readouterr().err


# -- the last minutes of the deadline day, through the bot ---------------------------------

@pytest.mark.parametrize("deadline", [date(2020, 3, 15), date(2020, 3, 29), date(2020, 10, 25),
                                      date(2024, 2, 29)],
                         ids=["bundled", "spring-forward", "fall-back", "leap-day"])
async def test_deadline_day_ends_at_midnight_stockholm(knowledge_copy: Path,
                                                       deadline: date) -> None:
    _with_deadline(knowledge_copy, deadline)
    day = format_day(deadline, "sv")
    last_second = datetime.combine(deadline, datetime.min.time(), STOCKHOLM) + \
        timedelta(hours=23, minutes=59, seconds=59)
    async with StandIn() as api, running_bot(knowledge_copy.parent, api, now=last_second,
                                             knowledge_dir=knowledge_copy) as bot:
        api.push_message(1, "/deadline")
        api.push_message(2, "Kan vi samarbeta med Kenya?")
        api.push_message(3, "/prenumerera")
        [answer] = await api.wait_messages(1, 1)
        assert f"den {day}" in answer.plain_text and TODAY in answer.plain_text
        assert "stängde" not in (await api.wait_messages(2, 1))[0].plain_text
        assert (await api.wait_messages(3, 1))[0].plain_text == \
            msg.SUBSCRIBED.format(deadline=day)
        bot.clock.now = datetime.combine(deadline + timedelta(days=1), datetime.min.time(),
                                         STOCKHOLM)
        api.push_message(1, "/deadline")
        api.push_message(2, "Kan vi samarbeta med Kenya?")
        api.push_message(4, "/prenumerera")
        closed = (await api.wait_messages(1, 2))[1].plain_text
        assert f"Utlysningen stängde den {day}" in closed
        kenya = (await api.wait_messages(2, 2))[1].plain_text
        # after the deadline an answer about applying says first that the call has closed
        assert kenya.startswith(f"Obs: utlysningen stängde den {day}") and "Ja! Kenya" in kenya
        assert (await api.wait_messages(4, 1))[0].plain_text == \
            msg.SUBSCRIBED_CLOSED.format(deadline=day)


# -- a host clock in another zone -----------------------------------------------------------

async def _subscribe_before(db: Path, chats: list[int], when: datetime) -> None:
    store = await Store.open(db)
    for chat in chats:
        await store.subscribe(chat, "sv", when)
    await store.close()


async def _delivery(db: Path, chat: int) -> tuple[list[str], datetime | None]:
    store = await Store.open(db)
    try:
        keys = await delivered_keys(store, chat)
        row = await delivery(store, chat, keys[-1]) if keys else None
        return keys, (row.updated_at if row else None)
    finally:
        await store.close()


def _midnight_transcript(tmp: Path, tz: str) -> list[str]:
    """Just after midnight on the deadline day (still the day before in UTC and New York)."""
    with StandIn.in_thread() as api:
        proc = start_bot_process(tmp, api, now="2020-03-15T00:00:02", TZ=tz)
        try:
            out = []
            for i, text in enumerate(["/deadline", "Hur många dagar är det kvar?",
                                      "Kan vi samarbeta med Kenya?", "/prenumerera",
                                      "/mina_uppgifter", "/kalender"]):
                api.push_message(1, text)
                sent = api.wait_messages_sync(1, i + 1, timeout=15)[i]
                doc = sent.document_bytes
                body = doc.decode() if doc else sent.plain_text or ""
                out.append(re.sub(r"DTSTAMP:\S+", "DTSTAMP:-", body))
            return out
        finally:
            proc.terminate()
            proc.wait(10)


def _reminder_transcript(tmp: Path, tz: str) -> tuple[str, float, list[str], datetime | None]:
    """Three seconds before the 09:00 reminder of 14 March 2020."""
    db = tmp / "partnerbot.db"
    asyncio.run(_subscribe_before(db, [77], local(2020, 3, 13, 12)))
    with StandIn.in_thread() as api:
        started = time.time()
        proc = start_bot_process(tmp, api, now="2020-03-14T08:59:57", TZ=tz)
        try:
            [reminder] = api.wait_messages_sync(77, 1, timeout=15)
        finally:
            proc.terminate()
            proc.wait(10)
    keys, stamped = asyncio.run(_delivery(db, 77))
    return reminder.plain_text or "", reminder.wall_time - started, keys, stamped


def test_host_clock_in_utc_or_new_york_gives_identical_answers_and_reminder_times(
        tmp_path: Path) -> None:
    zones = ("UTC", "America/New_York")
    dirs = {(kind, tz): tmp_path / f"{kind}-{tz.replace('/', '_')}" for kind in ("m", "r")
            for tz in zones}
    for d in dirs.values():
        d.mkdir()
    with ThreadPoolExecutor(len(dirs)) as pool:
        midnight = {tz: pool.submit(_midnight_transcript, dirs["m", tz], tz) for tz in zones}
        reminder = {tz: pool.submit(_reminder_transcript, dirs["r", tz], tz) for tz in zones}
        midnight = {tz: f.result() for tz, f in midnight.items()}
        reminder = {tz: f.result() for tz, f in reminder.items()}
    assert midnight["UTC"] == midnight["America/New_York"]
    deadline, days, kenya, subscribed, my_data, ics = midnight["UTC"]
    assert TODAY in deadline and TODAY in days
    assert kenya.startswith("Ja!") and "stängde" not in kenya
    assert subscribed == msg.SUBSCRIBED.format(deadline="15 mars 2020")
    assert "startad 2020-03-15 00:00" in my_data
    assert "DTSTART;VALUE=DATE:20200315" in ics and "DTSTART:20200315T080000Z" in ics
    for tz in zones:
        text, after, keys, stamped = reminder[tz]
        assert "1 dag kvar: i morgon, 15 mars 2020" in text, tz
        assert after >= 2.5, f"{tz}: sent {after:.1f} s after start, before 09:00"
        assert keys == ["reminder:2020-03-15:d1"], tz
        assert stamped is not None
        assert utc(2020, 3, 14, 8) <= stamped < utc(2020, 3, 14, 8, 0, 15), (tz, stamped)
    assert reminder["UTC"][0] == reminder["America/New_York"][0]


# -- a restart exactly when a reminder is due ----------------------------------------------

def test_started_exactly_at_nine_sends_the_reminder_once_even_after_a_restart(
        tmp_path: Path) -> None:
    chats = [81, 82, 83]
    db = tmp_path / "partnerbot.db"
    asyncio.run(_subscribe_before(db, chats, local(2020, 3, 5, 12)))

    def counts(api: StandIn) -> list[int]:
        return [len(api.messages_to(c)) for c in chats]

    with StandIn.in_thread() as api:
        proc = start_bot_process(tmp_path, api, now="2020-03-08T09:00:00")
        try:
            for chat in chats:
                [sent] = api.wait_messages_sync(chat, 1, timeout=15)
                assert "7 dagar kvar till sista ansökningsdag 15 mars 2020" in sent.plain_text
            time.sleep(0.8)                         # more passes in the same minute
            assert counts(api) == [1, 1, 1]
        finally:
            proc.kill()                             # the machine goes down...
            proc.wait(10)
        proc = start_bot_process(tmp_path, api, now="2020-03-08T09:00:00")   # ...and is back
        try:
            api.push_message(90, "/deadline")
            api.wait_messages_sync(90, 1, timeout=15)
            time.sleep(0.8)
            assert counts(api) == [1, 1, 1]
        finally:
            proc.terminate()
            proc.wait(10)
    for chat in chats:
        keys, _ = asyncio.run(_delivery(db, chat))
        assert keys == ["reminder:2020-03-15:d7"]

"""Knowledge updates for the next call, done by operators without code (issue 5): replaced
files, `partnerbot check`, reload without restart (SIGHUP), reminders that follow the new
deadline, and a warning when the knowledge is out of date."""
from __future__ import annotations

import asyncio
import os
import re
import signal
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.telegram import messages as msg
from bot.live_engine import LiveEngine, ReloadResult
from bot.cli import main
from bot.clock import STOCKHOLM, local_day, system_clock
from standin.botrunner import running_bot, start_bot_process
from standin import StandIn
from tests.support import delivered_keys

NEXT_CALL_NOW = datetime(2026, 12, 1, 12, 0, tzinfo=STOCKHOLM)
NEW_DEADLINE = date(2027, 3, 15)
ALBANIA = """      - iso: AL
        name: Albanien
        name_en: Albania
        aliases: [albansk, albanska, albanskt, alban, albaner, Albanian, Shqipëria, Tirana]
"""
ARMENIA = """      - iso: AM
        name: Armenien
        name_en: Armenia
        aliases: [armenisk, armeniska, armeniskt, armenier, Armenian, Jerevan, Yerevan]
"""


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str, start: int = 0) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


def _drop_line(path: Path, prefix: str) -> None:
    """Drop every line starting with ``prefix`` (a country's aliases and its cities)."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(prefix)]
    assert len(kept) < len(lines), prefix
    path.write_text("".join(kept), encoding="utf-8")


def _set_deadline(folder: Path, day: date) -> None:
    call = folder / "call.yaml"
    text = re.sub(r"(?m)^deadline:[^#\n]*", f"deadline: {day.isoformat()}  ",
                  call.read_text(encoding="utf-8"))
    call.write_text(text, encoding="utf-8")


def _new_call(folder: Path) -> None:
    """What an operator does for next year's call: a new deadline, Turkiet out, Albanien and
    Armenien in (their aliases move from the other countries to the partner list)."""
    _set_deadline(folder, NEW_DEADLINE)
    countries = folder / "countries.yaml"
    text = countries.read_text(encoding="utf-8")
    start, end = text.index("      - iso: TR\n"), text.index("      - iso: UA\n")
    countries.write_text(text[:start] + ALBANIA + ARMENIA + text[end:], encoding="utf-8")
    _drop_line(countries, '  "AL":')
    _drop_line(countries, '  "AM":')


async def _ask(api: StandIn, chat: int, text: str) -> str:
    before = len(api.messages_to(chat))
    api.push_message(chat, text)
    sent = await api.wait_messages(chat, before + 1)
    return sent[before].plain_text or ""


# -- replaced files, check, and the bot after reload ---------------------------------------

async def test_bot_answers_from_replaced_knowledge_after_reload(knowledge_copy: Path) -> None:
    async with StandIn() as api, running_bot(knowledge_copy.parent, api, now=NEXT_CALL_NOW,
                                             knowledge_dir=knowledge_copy) as bot:
        assert "stängde den 15 mars 2020" in await _ask(api, 1, "/deadline")
        assert "Ja! Turkiet" in await _ask(api, 2, "Kan vi samarbeta med Turkiet?")
        _new_call(knowledge_copy)
        assert bot.services.live.reload(bot.clock()) == ReloadResult()
        days = (NEW_DEADLINE - NEXT_CALL_NOW.date()).days
        deadline = await _ask(api, 1, "/deadline")
        assert "15 mars 2027" in deadline and f"Det är {days} dagar kvar" in deadline
        assert "stängde" not in deadline
        turkey = await _ask(api, 2, "Kan vi samarbeta med Turkiet?")
        assert turkey.startswith("Nej") and "20 samarbetsländerna" in turkey
        albania = await _ask(api, 3, "Kan vi samarbeta med Albanien?")
        assert albania.startswith("Ja! Albanien är ett av de 20 samarbetsländerna (Europa)")
        assert (await _ask(api, 4, "armeniska kommuner?")).startswith("Ja! Armenien")
        countries = await _ask(api, 5, "/lander")
        assert "Albanien" in countries and "Armenien" in countries
        assert "Turkiet" not in countries and "20" in countries
        assert "15 mars 2027" in await _ask(api, 6, "/prenumerera")
        api.push_message(7, "/kalender")
        [ics] = await api.wait_messages(7, 1)
        assert ics.document_name == "sista-ansokningsdag-2027-03-15.ics"
        assert b"20270315" in (ics.document_bytes or b"")


def test_check_reports_every_mistake_with_file_and_line(knowledge_copy: Path,
                                                        capsys: pytest.CaptureFixture) -> None:
    _new_call(knowledge_copy)
    call, countries, faq = (knowledge_copy / n for n in ("call.yaml", "countries.yaml", "faq.yaml"))
    # 1. a date Swedish-style; 2. a partner country left among the other countries as well;
    # 3. a typo in a placeholder
    _replace(call, "deadline: 2027-03-15", "deadline: 15 mars 2027")
    stray = '  "AL": [albansk]'
    _replace(countries, '  "RO":', stray + '\n  "RO":')
    _replace(faq, "att ansöka är den {deadline} (en", "att ansöka är den {deadine} (en")
    expected = [
        f"{call}:{_line_of(call, 'deadline:')}: 'deadline' must be a date",
        f"{countries}:{_line_of(countries, stray)}: AL is a partner country",
        f"{faq}:{_line_of(faq, 'answer:', _line_of(faq, '{deadine}') - 2)}: unknown placeholder",
    ]
    assert main(["--knowledge", str(knowledge_copy), "check"]) == 2
    err = capsys.readouterr().err
    for line in expected:
        assert line in err, f"{line!r} not in:\n{err}"
    # all fixed: the new call is valid as it stands
    _set_deadline(knowledge_copy, NEW_DEADLINE)
    _drop_line(countries, stray)
    _replace(faq, "{deadine}", "{deadline}")
    assert main(["--knowledge", str(knowledge_copy), "check"]) == 0
    assert "20 partner countries" in capsys.readouterr().out


async def test_command_menu_follows_the_country_list(knowledge_copy: Path) -> None:
    _new_call(knowledge_copy)
    async with StandIn() as api, running_bot(knowledge_copy.parent, api, now=NEXT_CALL_NOW,
                                             knowledge_dir=knowledge_copy):
        await _ask(api, 1, "/lander")
        described = {c["command"]: c["description"] for c in api.commands()}
    assert "19" not in described["lander"], described["lander"]


def test_reload_with_an_impossible_date_keeps_the_old_knowledge(knowledge_copy: Path) -> None:
    """2027-02-29 does not exist (a leap-year call copied to the next year): YAML itself
    refuses it. The reload must report it and keep serving, not raise."""
    live = LiveEngine.load(knowledge_copy)
    old = live.engine
    call = knowledge_copy / "call.yaml"
    _replace(call, "deadline: 2020-03-15", "deadline: 2027-02-29")
    result = live.reload(NEXT_CALL_NOW)
    assert live.engine is old
    assert result.errors
    assert any(str(knowledge_copy) in p and "out of range" in p for p in result.errors), result


# -- reload without restart: SIGHUP to the running process ---------------------------------

def _wait_for_log(log: Path, needle: str, after: int, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace")[after:]
        if needle in text:
            return text
        time.sleep(0.02)
    raise AssertionError(f"{needle!r} not logged; log:\n{log.read_text()[-3000:]}")


def _ask_sync(api: StandIn, chat: int, text: str) -> str:
    before = len(api.messages_to(chat))
    api.push_message(chat, text)
    return api.wait_messages_sync(chat, before + 1, timeout=10)[before].plain_text or ""


def test_sighup_reloads_valid_knowledge_and_keeps_serving_on_invalid(tmp_path: Path,
                                                                    knowledge_copy: Path) -> None:
    log = tmp_path / "bot.log"
    with StandIn.in_thread() as api:
        proc = start_bot_process(tmp_path, api, now="2026-12-01T12:00",
                                 PARTNERBOT_KNOWLEDGE=str(knowledge_copy))
        try:
            assert "stängde den 15 mars 2020" in _ask_sync(api, 1, "/deadline")
            # a valid new call
            _new_call(knowledge_copy)
            mark = len(log.read_text(encoding="utf-8"))
            os.kill(proc.pid, signal.SIGHUP)
            _wait_for_log(log, "knowledge reloaded", mark)
            assert "15 mars 2027" in _ask_sync(api, 1, "/deadline")
            assert _ask_sync(api, 2, "Kan vi samarbeta med Turkiet?").startswith("Nej")
            # an invalid change: the errors are logged with file and line, the last valid
            # knowledge keeps answering
            faq = knowledge_copy / "faq.yaml"
            _replace(faq, "den {deadline}. {countdown}", "den {deadline}. {nedräkning}")
            broken_line = _line_of(faq, "answer:", _line_of(faq, "{nedräkning}") - 2)
            _set_deadline(knowledge_copy, date(2028, 3, 15))
            _replace(knowledge_copy / "call.yaml", "funder: Sida", "funder:")
            mark = len(log.read_text(encoding="utf-8"))
            os.kill(proc.pid, signal.SIGHUP)
            logged = _wait_for_log(log, "reload rejected", mark)
            logged = _wait_for_log(log, "missing field 'funder'", mark)
            assert f"{faq}:{broken_line}: unknown placeholder {{nedräkning}}" in logged
            deadline = _ask_sync(api, 1, "/deadline")
            assert "15 mars 2027" in deadline and "2028" not in deadline
            assert _ask_sync(api, 3, "Albanien?").startswith("Ja! Albanien")
            assert proc.poll() is None
        finally:
            proc.terminate()
            assert proc.wait(10) == 0
    assert "Traceback" not in log.read_text(encoding="utf-8")


# -- reminders follow the new deadline ------------------------------------------------------

async def test_reminders_follow_a_new_deadline_without_repeats_or_lost_subscribers(
        knowledge_copy: Path) -> None:
    chats = [7001, 7002, 7003, 7004, 7005]

    def at(*args: int) -> datetime:
        return datetime(*args, tzinfo=STOCKHOLM)

    async with StandIn() as api, running_bot(knowledge_copy.parent, api, now=at(2020, 3, 5, 12),
                                             knowledge_dir=knowledge_copy) as bot:
        for chat in chats:
            assert "15 mars 2020" in await _ask(api, chat, "/prenumerera")
        bot.clock.now = at(2020, 3, 8, 9, 0, 1)               # old deadline: 7 days left
        for chat in chats:
            assert "7 dagar kvar till sista ansökningsdag 15 mars 2020" in \
                (await api.wait_messages(chat, 2))[1].plain_text
        bot.clock.now = at(2020, 3, 8, 10, 0)
        _set_deadline(knowledge_copy, date(2020, 3, 29))      # the call is extended
        assert bot.services.live.reload(bot.clock()) == ReloadResult()
        assert await bot.store.count_active() == len(chats)
        assert "29 mars 2020" in await _ask(api, 7006, "/prenumerera")   # a newcomer
        everyone = [*chats, 7006]

        async def quiet(when: datetime) -> None:
            bot.clock.now = when
            before = {c: len(api.messages_to(c)) for c in everyone}
            await asyncio.sleep(0.7)                          # several delivery passes
            assert {c: len(api.messages_to(c)) for c in everyone} == before, when

        async def reminder(when: datetime, text: str) -> None:
            bot.clock.now = when
            before = {c: len(api.messages_to(c)) for c in everyone}
            for chat in everyone:
                sent = await api.wait_messages(chat, before[chat] + 1)
                assert text in sent[before[chat]].plain_text, (when, sent[-1].plain_text)
            await asyncio.sleep(0.4)
            assert {c: len(api.messages_to(c)) for c in everyone} == \
                {c: n + 1 for c, n in before.items()}, when

        await quiet(at(2020, 3, 8, 10, 1))              # d7 of the old deadline: not repeated
        await quiet(at(2020, 3, 15, 9, 0, 1) - timedelta(seconds=2))
        # 15 March 09:00 was the old last-day reminder; now it is "14 days left"
        await reminder(at(2020, 3, 15, 9, 0, 1),
                       "14 dagar kvar till sista ansökningsdag 29 mars 2020")
        await reminder(at(2020, 3, 28, 9, 0, 1), "1 dag kvar: i morgon, 29 mars 2020")
        await quiet(at(2020, 3, 29, 8, 59, 59))               # summer time started at 02:00
        await reminder(at(2020, 3, 29, 9, 0, 1), "I dag, 29 mars 2020, är sista ansökningsdagen")
        await quiet(at(2020, 3, 30, 9, 0, 1))
        assert await bot.store.count_active() == len(everyone)
        for chat in chats:
            assert await delivered_keys(bot.store, chat) == [
                "reminder:2020-03-15:d7", "reminder:2020-03-29:d0", "reminder:2020-03-29:d1",
                "reminder:2020-03-29:d14"]
        assert await delivered_keys(bot.store, 7006) == [
            "reminder:2020-03-29:d0", "reminder:2020-03-29:d1", "reminder:2020-03-29:d14"]


# -- out-of-date knowledge -----------------------------------------------------------------

def test_check_warns_only_when_the_deadline_has_passed(knowledge_copy: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    today = local_day(system_clock())
    _set_deadline(knowledge_copy, today - timedelta(days=1))
    assert main(["--knowledge", str(knowledge_copy), "check"]) == 0
    err = capsys.readouterr().err
    assert f"{knowledge_copy}/call.yaml" in err and "out of date" in err
    assert "passed" in err
    _set_deadline(knowledge_copy, today + timedelta(days=1))
    assert main(["--knowledge", str(knowledge_copy), "check"]) == 0
    assert "out of date" not in capsys.readouterr().err


def test_run_warns_the_operator_and_the_bot_says_the_call_has_closed(tmp_path: Path) -> None:
    with StandIn.in_thread() as api:
        stale = tmp_path / "stale"
        stale.mkdir()
        proc = start_bot_process(stale, api)             # the real clock: long after 2020
        try:
            answer = _ask_sync(api, 1, "/deadline")
            assert "Utlysningen stängde den 15 mars 2020" in answer
            kenya = _ask_sync(api, 2, "Kan vi samarbeta med Kenya?")
            assert kenya.startswith("Obs: utlysningen stängde den 15 mars 2020") and "Ja! Kenya" in kenya
            assert _ask_sync(api, 3, "/prenumerera") == \
                msg.SUBSCRIBED_CLOSED.format(deadline="15 mars 2020")
        finally:
            proc.terminate()
            proc.wait(10)
        fresh = tmp_path / "fresh"
        fresh.mkdir()
        proc = start_bot_process(fresh, api, now="2020-03-01T12:00")   # rehearsal: still open
        try:
            assert "14 dagar kvar" in _ask_sync(api, 4, "/deadline")
        finally:
            proc.terminate()
            proc.wait(10)
    stale_log = (stale / "bot.log").read_text(encoding="utf-8")
    assert re.search(r"warning: .*call\.yaml: the deadline 2020-03-15 has passed; the knowledge "
                     r"is out of date", stale_log), stale_log
    assert "out of date" not in (fresh / "bot.log").read_text(encoding="utf-8")

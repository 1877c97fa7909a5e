from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot.reminders.ics import PRODID, deadline_calendar
from bot.answers.texts import format_day

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEADLINE = date(2020, 3, 15)
NOW = datetime(2020, 2, 1, 12, 0, tzinfo=STOCKHOLM)
URL = "https://icld.se/"


def make(reminders: list[datetime] | None = None, **kw: object) -> bytes:
    args: dict[str, object] = {
        "call_name": "Kommunalt partnerskap",
        "deadline": DEADLINE,
        "tz": "Europe/Stockholm",
        "reminders": reminders if reminders is not None else [],
        "url": URL,
        "now": NOW,
    }
    args.update(kw)
    return deadline_calendar(**args)  # type: ignore[arg-type]


def events(data: bytes) -> list:
    return list(Calendar.from_ical(data).walk("VEVENT"))


def test_is_valid_crlf_folded_icalendar() -> None:
    long_name = "Kommunalt partnerskap " * 4
    data = make([datetime(2020, 3, 1, 9, 0, tzinfo=STOCKHOLM)], call_name=long_name)
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")  # no bare LF
    assert all(len(line) <= 75 for line in lines)  # folded at 75 octets
    assert any(line.startswith(b" ") for line in lines)  # the long summary was folded
    data.decode("utf-8")  # folding never splits a UTF-8 sequence
    cal = Calendar.from_ical(data)
    assert str(cal["PRODID"]) == PRODID == "-//Partnerbot//SV"
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["METHOD"]) == "PUBLISH"


def test_deadline_is_an_all_day_event_with_swedish_text() -> None:
    (event,) = events(make())
    assert event.decoded("DTSTART") == DEADLINE
    assert not isinstance(event.decoded("DTSTART"), datetime)  # VALUE=DATE, all day
    assert event.decoded("DTEND") == DEADLINE + timedelta(days=1)
    assert str(event["SUMMARY"]) == "Sista ansökningsdag: Kommunalt partnerskap"
    description = str(event["DESCRIPTION"])
    assert "15 mars 2020" in description
    assert URL in description
    assert event.decoded("DTSTAMP") == NOW.astimezone(timezone.utc)
    assert event.decoded("DTSTAMP").utcoffset() == timedelta(0)
    assert str(event["UID"]).endswith("@partnerbot")
    assert not list(event.walk("VALARM"))


def test_uid_is_stable_and_depends_on_deadline_and_call() -> None:
    def uid(data: bytes) -> str:
        return str(events(data)[0]["UID"])

    first = uid(make(now=NOW))
    assert first == uid(make(now=NOW + timedelta(days=3)))
    assert first != uid(make(deadline=date(2021, 3, 15)))
    assert first != uid(make(call_name="Annan utlysning"))


def test_each_reminder_is_a_timed_event_with_an_alarm_at_its_start() -> None:
    r1 = datetime(2020, 3, 1, 9, 0, tzinfo=STOCKHOLM)
    r2 = datetime(2020, 3, 14, 9, 0)  # naive: local Stockholm time
    deadline_event, *reminders = events(make([r2, r1, r1]))  # unsorted and duplicated
    assert str(deadline_event["SUMMARY"]).startswith("Sista ansökningsdag")
    assert [e.decoded("DTSTART") for e in reminders] == [
        datetime(2020, 3, 1, 8, 0, tzinfo=timezone.utc),
        datetime(2020, 3, 14, 8, 0, tzinfo=timezone.utc),
    ]
    assert "(om 14 dagar)" in str(reminders[0]["DESCRIPTION"])
    assert "(i morgon)" in str(reminders[1]["DESCRIPTION"])
    uids = {str(e["UID"]) for e in reminders} | {str(deadline_event["UID"])}
    assert len(uids) == 3
    for event in reminders:
        assert "15 mars 2020" in str(event["SUMMARY"])
        assert URL in str(event["DESCRIPTION"])
        assert event.decoded("DTEND") > event.decoded("DTSTART")
        (alarm,) = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm.decoded("TRIGGER") == timedelta(0)
        assert "Kommunalt partnerskap" in str(alarm["DESCRIPTION"])


def test_reminders_in_the_past_or_after_the_deadline_are_left_out() -> None:
    past = datetime(2020, 1, 20, 9, 0, tzinfo=STOCKHOLM)
    deadline_morning = datetime(2020, 3, 15, 8, 0, tzinfo=STOCKHOLM)
    after = datetime(2020, 3, 16, 9, 0, tzinfo=STOCKHOLM)
    _, *reminders = events(make([past, deadline_morning, after]))
    assert [e.decoded("DTSTART") for e in reminders] == [deadline_morning]
    assert "(i dag)" in str(reminders[0]["DESCRIPTION"])


def test_summer_time_reminder_converts_correctly() -> None:
    _, reminder = events(
        make([datetime(2020, 4, 1, 9, 0)], deadline=date(2020, 4, 2))  # CEST, UTC+2
    )
    assert reminder.decoded("DTSTART") == datetime(2020, 4, 1, 7, 0, tzinfo=timezone.utc)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        make(tz="Europe/Atlantis")
    with pytest.raises(TypeError):
        make(deadline=datetime(2020, 3, 15, 12, 0))


def test_swedish_date() -> None:
    assert format_day(date(2020, 3, 15), "sv") == "15 mars 2020"
    assert format_day(date(2021, 12, 1), "sv") == "1 december 2021"

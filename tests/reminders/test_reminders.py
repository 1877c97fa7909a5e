from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import pytest

from bot.clock import STOCKHOLM, parse_now
from bot.reminders.schedule import (
    Reminder,
    ReminderConfig,
    deadline_end,
    due_reminder,
    next_reminder,
    parse_time,
    reminder_schedule,
    reminder_text,
)
from bot.answers.texts import format_day

UTC = timezone.utc
NINE = time(9, 0)
DAYS = (30, 14, 7, 3, 1, 0)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_winter_schedule_is_0900_stockholm_0800_utc() -> None:
    schedule = reminder_schedule(date(2020, 3, 15), DAYS, NINE, STOCKHOLM)
    assert [r.days_before for r in schedule] == [30, 14, 7, 3, 1, 0]
    assert [r.due_at for r in schedule] == [
        utc(2020, 2, 14, 8), utc(2020, 3, 1, 8), utc(2020, 3, 8, 8),
        utc(2020, 3, 12, 8), utc(2020, 3, 14, 8), utc(2020, 3, 15, 8),
    ]
    assert all(r.due_at.tzinfo == UTC for r in schedule)
    assert schedule[2].key == "reminder:2020-03-15:d7"
    assert all(r.due_at.astimezone(STOCKHOLM).time() == NINE for r in schedule)


def test_schedule_across_spring_dst_change() -> None:
    # Summer time starts 2020-03-29 at 02:00 in Stockholm.
    schedule = {r.days_before: r for r in reminder_schedule(date(2020, 4, 5), (14, 7, 0), NINE, STOCKHOLM)}
    assert schedule[14].due_at == utc(2020, 3, 22, 8)   # 09:00 CET
    assert schedule[7].due_at == utc(2020, 3, 29, 7)    # DST day itself: 09:00 CEST
    assert schedule[0].due_at == utc(2020, 4, 5, 7)     # 09:00 CEST
    assert all(r.due_at.astimezone(STOCKHOLM).hour == 9 for r in schedule.values())


def test_schedule_across_autumn_dst_change() -> None:
    schedule = {r.days_before: r for r in reminder_schedule(date(2020, 10, 30), (7, 0), NINE, STOCKHOLM)}
    assert schedule[7].due_at == utc(2020, 10, 23, 7)   # CEST
    assert schedule[0].due_at == utc(2020, 10, 30, 8)   # CET


def test_nonexistent_and_ambiguous_wall_times() -> None:
    gap = reminder_schedule(date(2020, 3, 29), (0,), time(2, 30), STOCKHOLM)[0]
    assert gap.due_at == utc(2020, 3, 29, 1, 30)        # lands just after the gap, 03:30 CEST
    twice = reminder_schedule(date(2020, 10, 25), (0,), time(2, 30), STOCKHOLM)[0]
    assert twice.due_at == utc(2020, 10, 25, 0, 30)     # first occurrence (CEST)


def test_leap_day() -> None:
    (reminder,) = reminder_schedule(date(2024, 3, 1), (1,), NINE, STOCKHOLM)
    assert reminder.due_at == utc(2024, 2, 29, 8)
    assert reminder.key == "reminder:2024-03-01:d1"


def test_duplicates_removed_and_bad_days_rejected() -> None:
    assert len(reminder_schedule(date(2020, 3, 15), (7, 7, 0), NINE, STOCKHOLM)) == 2
    with pytest.raises(ValueError):
        reminder_schedule(date(2020, 3, 15), (-1,), NINE, STOCKHOLM)


def test_changed_deadline_gives_new_keys() -> None:
    old = {r.key for r in reminder_schedule(date(2020, 3, 15), DAYS, NINE, STOCKHOLM)}
    new = {r.key for r in reminder_schedule(date(2020, 3, 31), DAYS, NINE, STOCKHOLM)}
    assert not old & new


def test_deadline_end_is_local_midnight() -> None:
    assert deadline_end(date(2020, 3, 15), STOCKHOLM) == utc(2020, 3, 15, 23)
    assert deadline_end(date(2020, 7, 1), STOCKHOLM) == utc(2020, 7, 1, 22)


def test_due_reminder_catch_up_and_deadline() -> None:
    schedule = reminder_schedule(date(2020, 3, 15), DAYS, NINE, STOCKHOLM)
    end = deadline_end(date(2020, 3, 15), STOCKHOLM)
    assert due_reminder(parse_now("2020-02-14T08:59"), schedule, end) is None
    assert due_reminder(parse_now("2020-02-14T09:00"), schedule, end).days_before == 30
    # Down from before d7 until after d3: only the latest missed one.
    assert due_reminder(parse_now("2020-03-12T15:00"), schedule, end).days_before == 3
    assert due_reminder(parse_now("2020-03-15T23:59"), schedule, end).days_before == 0
    assert due_reminder(parse_now("2020-03-16T00:00"), schedule, end) is None
    assert due_reminder(parse_now("2020-06-01T09:00"), schedule, end) is None
    with pytest.raises(ValueError):
        due_reminder(datetime(2020, 3, 1, 9), schedule, end)


def test_next_reminder() -> None:
    schedule = reminder_schedule(date(2020, 3, 15), DAYS, NINE, STOCKHOLM)
    assert next_reminder(parse_now("2020-03-08T09:00"), schedule).days_before == 3
    assert next_reminder(parse_now("2020-03-08T08:59"), schedule).days_before == 7
    assert next_reminder(parse_now("2020-03-15T09:00"), schedule) is None


def test_dates_in_swedish_and_english() -> None:
    assert format_day(date(2020, 3, 15), "sv") == "15 mars 2020"
    assert format_day(date(2024, 2, 29), "sv") == "29 februari 2024"
    assert format_day(date(2020, 5, 1), "sv") == "1 maj 2020"
    assert format_day(date(2020, 3, 15), "en") == "15 March 2020"


def _reminder(days: int) -> Reminder:
    return Reminder(f"reminder:2020-03-15:d{days}", utc(2020, 3, 1, 8), days, date(2020, 3, 15))


def test_reminder_texts_swedish() -> None:
    url = "https://icld.se/"
    assert reminder_text(_reminder(7), deadline_text_sv="15 mars 2020", url=url) == (
        "⏰ 7 dagar kvar till sista ansökningsdag 15 mars 2020 för Kommunalt partnerskap.\n"
        "Läs mer: https://icld.se/\n\nVill du inte ha fler påminnelser? Skriv /avsluta."
    )
    one = reminder_text(_reminder(1), url=url)
    assert one.startswith("⏰ 1 dag kvar: i morgon, 15 mars 2020, är sista ansökningsdag")
    assert "dagar" not in one.split("\n")[0]
    zero = reminder_text(_reminder(0), url=url)
    assert zero.startswith("⏰ I dag, 15 mars 2020, är sista ansökningsdagen för Kommunalt partnerskap.")
    assert "/avsluta" in zero and url in zero


def test_reminder_texts_english_and_days_left_override() -> None:
    text = reminder_text(_reminder(7), url="https://icld.se/", lang="en", call_name="Municipal Partnership")
    assert text.startswith("⏰ 7 days left until the application deadline 15 March 2020 for Municipal Partnership.")
    assert "Read more: https://icld.se/" in text
    caught_up = reminder_text(_reminder(7), url="u", days_left=5)
    assert caught_up.startswith("⏰ 5 dagar kvar")


def test_config_texts_state_days_actually_left() -> None:
    call = ReminderConfig(date(2020, 3, 15), STOCKHOLM, DAYS, NINE, "https://icld.se/",
                          "Kommunalt partnerskap", "Municipal Partnership")
    d7 = next(r for r in call.schedule() if r.days_before == 7)
    assert call.texts(d7, parse_now("2020-03-08T09:00"))["sv"].startswith("⏰ 7 dagar kvar")
    late = call.texts(d7, parse_now("2020-03-10T09:00"))
    assert late["sv"].startswith("⏰ 5 dagar kvar")
    assert late["en"].startswith("⏰ 5 days left") and "Municipal Partnership" in late["en"]
    assert call.deadline_end() - timedelta(hours=15) == utc(2020, 3, 15, 8)


def test_parse_time() -> None:
    assert parse_time("09:00") == NINE
    with pytest.raises(ValueError, match="HH:MM"):
        parse_time("nio")

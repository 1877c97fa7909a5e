"""Europe/Stockholm time helpers: parsing operator input, local days, DST edges."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

import pytest

from bot.clock import (
    STOCKHOLM,
    fixed_clock,
    local_day,
    parse_now,
    system_clock,
    to_local,
    to_utc,
)

UTC = timezone.utc


def test_system_clock_is_aware_utc_now() -> None:
    before = datetime.now(UTC)
    now = system_clock()
    after = datetime.now(UTC)
    assert now.utcoffset() == timedelta(0)
    assert before <= now <= after


def test_naive_input_means_stockholm_winter_time() -> None:
    dt = parse_now("2020-03-15T09:00")
    assert dt.tzinfo is not None
    assert (dt.hour, dt.minute) == (9, 0)
    assert to_utc(dt) == datetime(2020, 3, 15, 8, 0, tzinfo=UTC)  # CET = UTC+1


def test_naive_input_means_stockholm_summer_time() -> None:
    assert to_utc(parse_now("2020-06-01 12:00:00")) == datetime(2020, 6, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("2020-03-15T08:00Z", datetime(2020, 3, 15, 8, 0, tzinfo=UTC)),
        ("2020-03-15T08:00:00+00:00", datetime(2020, 3, 15, 8, 0, tzinfo=UTC)),
        ("2020-03-15T12:00:00+05:30", datetime(2020, 3, 15, 6, 30, tzinfo=UTC)),
        ("  2020-03-15T09:00+01:00  ", datetime(2020, 3, 15, 8, 0, tzinfo=UTC)),
    ],
)
def test_aware_input_keeps_its_own_offset(text: str, expected_utc: datetime) -> None:
    dt = parse_now(text)
    assert dt == expected_utc
    assert to_utc(dt) == expected_utc
    assert to_utc(dt).tzinfo == UTC


def test_bare_date_is_local_midnight() -> None:
    assert to_utc(parse_now("2020-02-29")) == datetime(2020, 2, 28, 23, 0, tzinfo=UTC)


def test_leap_day() -> None:
    dt = parse_now("2020-02-29T23:59")
    assert local_day(dt) == date(2020, 2, 29)
    assert local_day(dt + timedelta(minutes=1)) == date(2020, 3, 1)
    with pytest.raises(ValueError):
        parse_now("2019-02-29T12:00")  # 2019 is not a leap year


@pytest.mark.parametrize("text", ["", "   ", "tomorrow", "15/03/2020 09:00", "2020-13-01T00:00",
                                  "2020-03-15T25:00"])
def test_garbage_is_rejected_with_a_clear_message(text: str) -> None:
    with pytest.raises(ValueError, match=r"ISO-8601|empty time"):
        parse_now(text)


def test_spring_forward_gap_is_rejected_when_naive() -> None:
    # 2020-03-29 in Stockholm: 02:00 CET jumps to 03:00 CEST, so 02:30 never happens.
    with pytest.raises(ValueError, match="does not exist in Europe/Stockholm"):
        parse_now("2020-03-29T02:30")
    # With an explicit offset the same wall time is an ordinary instant.
    assert to_utc(parse_now("2020-03-29T02:30+01:00")) == datetime(2020, 3, 29, 1, 30, tzinfo=UTC)


def test_spring_forward_edges() -> None:
    before = parse_now("2020-03-29T01:59")
    after = parse_now("2020-03-29T03:00")
    assert to_utc(before) == datetime(2020, 3, 29, 0, 59, tzinfo=UTC)
    assert to_utc(after) == datetime(2020, 3, 29, 1, 0, tzinfo=UTC)
    # Note: subtracting two Stockholm-zoned datetimes is wall-clock arithmetic in Python;
    # elapsed time must be measured in UTC.
    assert to_utc(after) - to_utc(before) == timedelta(minutes=1)
    assert local_day(before) == local_day(after) == date(2020, 3, 29)


def test_fall_back_overlap_takes_the_first_occurrence() -> None:
    # 2020-10-25 in Stockholm: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    dt = parse_now("2020-10-25T02:30")
    assert to_utc(dt) == datetime(2020, 10, 25, 0, 30, tzinfo=UTC)  # the +02:00 one
    second = parse_now("2020-10-25T02:30+01:00")
    assert second - dt == timedelta(hours=1)
    assert local_day(dt) == local_day(second) == date(2020, 10, 25)


def test_fall_back_day_has_25_hours() -> None:
    start = parse_now("2020-10-25T00:00")
    end = parse_now("2020-10-26T00:00")
    assert to_utc(end) - to_utc(start) == timedelta(hours=25)
    spring = to_utc(parse_now("2020-03-30T00:00")) - to_utc(parse_now("2020-03-29T00:00"))
    assert spring == timedelta(hours=23)


@pytest.mark.parametrize(
    ("utc", "day"),
    [
        # 23:30 UTC in winter is 00:30 CET the next day.
        (datetime(2020, 3, 14, 23, 30, tzinfo=UTC), date(2020, 3, 15)),
        (datetime(2020, 3, 14, 22, 59, tzinfo=UTC), date(2020, 3, 14)),
        # In summer the day starts at 22:00 UTC.
        (datetime(2020, 6, 30, 22, 0, tzinfo=UTC), date(2020, 7, 1)),
        (datetime(2020, 6, 30, 21, 59, tzinfo=UTC), date(2020, 6, 30)),
        # The night of the spring change and of the autumn change.
        (datetime(2020, 3, 28, 23, 0, tzinfo=UTC), date(2020, 3, 29)),
        (datetime(2020, 10, 24, 22, 0, tzinfo=UTC), date(2020, 10, 25)),
        (datetime(2020, 10, 25, 22, 59, tzinfo=UTC), date(2020, 10, 25)),
        (datetime(2020, 10, 25, 23, 0, tzinfo=UTC), date(2020, 10, 26)),
        (datetime(2020, 2, 28, 23, 0, tzinfo=UTC), date(2020, 2, 29)),
    ],
)
def test_local_day_is_the_stockholm_date(utc: datetime, day: date) -> None:
    assert local_day(utc) == day


def test_to_local_shows_stockholm_wall_clock() -> None:
    local = to_local(datetime(2020, 3, 29, 1, 0, tzinfo=UTC))
    assert (local.hour, local.utcoffset()) == (3, timedelta(hours=2))
    assert local.tzinfo == STOCKHOLM


def test_fixed_clock_returns_the_same_instant() -> None:
    instant = parse_now("2020-03-15T09:00")
    clock = fixed_clock(instant)
    assert clock() == instant
    assert clock() == clock()


@pytest.mark.parametrize("func", [to_utc, to_local, local_day, fixed_clock])
def test_naive_datetimes_are_rejected_outside_parse_now(
        func: Callable[[datetime], object]) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        func(datetime(2020, 3, 15, 9, 0))

"""Time helpers. Partnerbot thinks in Europe/Stockholm days but stores UTC.

Rules used everywhere:
- Internally every datetime is *aware*. Naive datetimes passed to `to_utc`, `to_local`,
  `local_day` or `fixed_clock` are a programming error and raise ValueError.
- Only `parse_now` (operator/test input such as `--now 2020-03-15T09:00`) accepts a naive
  value, and reads it as Europe/Stockholm wall-clock time.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

__all__ = [
    "STOCKHOLM",
    "Clock",
    "Sleep",
    "sleep_unless_stopped",
    "fixed_clock",
    "local_day",
    "parse_now",
    "shifted_clock",
    "system_clock",
    "to_local",
    "to_utc",
]

STOCKHOLM = ZoneInfo("Europe/Stockholm")

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[object]]       # asyncio.sleep, or a fake one in tests


async def sleep_unless_stopped(sleep: Sleep, delay: float, stop: asyncio.Event | None) -> None:
    """sleep(delay), cut short when `stop` gets set (clean shutdown during a long wait)."""
    if stop is None:
        await sleep(delay)
        return
    if stop.is_set():
        return
    sleeper = asyncio.ensure_future(sleep(delay))
    waiter = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, waiter):
            task.cancel()


def system_clock() -> datetime:
    """The real current time, aware, in UTC."""
    return datetime.now(timezone.utc)


def _require_aware(dt: datetime, what: str) -> datetime:
    if not isinstance(dt, datetime):
        raise TypeError(f"{what}: expected a datetime, got {type(dt).__name__}")
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(
            f"{what}: naive datetime {dt.isoformat()} has no time zone; "
            "attach one (e.g. tzinfo=STOCKHOLM) or use parse_now()"
        )
    return dt


def _stockholm_wall_time(naive: datetime, text: str) -> datetime:
    """Attach Europe/Stockholm to a naive wall-clock time, refusing times that never happen.

    On the spring-forward night (last Sunday of March) 02:00-02:59 does not exist. On the
    fall-back night (last Sunday of October) 02:00-02:59 happens twice; we take the first
    occurrence (summer time, +02:00), as `fold=0` means in Python.
    """
    local = naive.replace(tzinfo=STOCKHOLM, fold=0)
    round_trip = local.astimezone(timezone.utc).astimezone(STOCKHOLM).replace(tzinfo=None)
    if round_trip != naive:
        raise ValueError(
            f"{text!r} does not exist in Europe/Stockholm (the clocks skip that hour when "
            "summer time starts); give an explicit offset such as +01:00"
        )
    return local


def parse_now(text: str) -> datetime:
    """Parse an ISO-8601 date/time into an aware datetime.

    "2020-03-15T09:00" (no offset) means 09:00 Stockholm time; "2020-03-15T08:00Z" and
    "2020-03-15T09:00+01:00" keep their own offset. A bare date means local midnight.
    The result keeps the zone it was given in (Stockholm for naive input). Beware: Python
    subtracts two datetimes sharing one tzinfo as wall-clock times; use to_utc() first to
    measure elapsed time across a DST change.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_now expects a string, got {type(text).__name__}")
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("empty time: expected ISO-8601 such as 2020-03-15T09:00 "
                         "or 2020-03-15T08:00Z")
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an ISO-8601 time; expected something like "
            "2020-03-15T09:00 (Stockholm time) or 2020-03-15T08:00Z (UTC)"
        ) from None
    if parsed.tzinfo is None:
        return _stockholm_wall_time(parsed, cleaned)
    return parsed


def fixed_clock(dt: datetime) -> Clock:
    """A clock that always returns `dt` (aware), for tests and `--now`."""
    fixed = _require_aware(dt, "fixed_clock")

    def clock() -> datetime:
        return fixed

    return clock


def to_utc(dt: datetime) -> datetime:
    """The same instant expressed in UTC."""
    return _require_aware(dt, "to_utc").astimezone(timezone.utc)


def to_local(dt: datetime) -> datetime:
    """The same instant expressed in Europe/Stockholm time."""
    return _require_aware(dt, "to_local").astimezone(STOCKHOLM)


def local_day(dt: datetime) -> date:
    """The Europe/Stockholm calendar date of an instant (23:30 UTC in winter is the next day)."""
    return to_local(dt).date()


def shifted_clock(start: datetime, real: Clock = system_clock) -> Clock:
    """A clock that starts at ``start`` now and runs at real speed (rehearsals, tests)."""
    offset = to_utc(start) - real()
    return lambda: real() + offset

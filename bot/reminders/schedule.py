"""Deadline reminder schedule: pure computation, no I/O.

A reminder is "N days before the deadline at a local wall-clock time" (knowledge/call.yaml:
`reminders.time` and `reminders.days_before`). Its key embeds the deadline date, so if the
deadline in call.yaml changes, every reminder gets a new key: deliveries recorded for the old
deadline are never repeated, and the reminders for the new deadline are scheduled afresh.

Catch-up rule (`due_reminder`): after downtime only the LATEST reminder whose time has passed
is sent, never a pile of stale ones, and nothing is sent once the deadline day has ended.
"""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from bot.answers.texts import format_day, t

__all__ = [
    "Reminder",
    "ReminderConfig",
    "deadline_end",
    "due_reminder",
    "next_reminder",
    "parse_time",
    "reminder_key",
    "reminder_schedule",
    "reminder_text",
]

DEFAULT_CALL_NAME = "Kommunalt partnerskap"


@dataclass(frozen=True)
class Reminder:
    key: str            # "reminder:2020-03-15:d7"
    due_at: datetime    # aware, UTC
    days_before: int
    deadline: date


@dataclass(frozen=True)
class ReminderConfig:
    """Everything the reminder job needs from knowledge/call.yaml."""

    deadline: date
    tz: ZoneInfo
    days_before: tuple[int, ...]
    at: time
    url: str
    call_name: str = DEFAULT_CALL_NAME
    call_name_en: str = ""          # used in English reminders; falls back to call_name

    def schedule(self) -> list[Reminder]:
        return reminder_schedule(self.deadline, self.days_before, self.at, self.tz)

    def deadline_end(self) -> datetime:
        return deadline_end(self.deadline, self.tz)

    def texts(self, reminder: Reminder, now: datetime) -> dict[str, str]:
        """{"sv": ..., "en": ...} plain texts of `reminder` as sent at `now`.

        The wording states the days actually left on now's local day, so a reminder caught
        up after downtime never promises more days than remain.
        """
        _require_aware(now)
        days_left = max(0, (self.deadline - now.astimezone(self.tz).date()).days)
        return {
            "sv": reminder_text(reminder, url=self.url, lang="sv", days_left=days_left,
                                call_name=self.call_name),
            "en": reminder_text(reminder, url=self.url, lang="en", days_left=days_left,
                                call_name=self.call_name_en or self.call_name),
        }


def reminder_key(deadline: date, days_before: int) -> str:
    return f"reminder:{deadline.isoformat()}:d{days_before}"


def parse_time(text: str) -> time:
    """"09:00" -> time(9, 0). Raises ValueError with the offending text otherwise."""
    try:
        parsed = time.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"reminder time {text!r} is not HH:MM, e.g. 09:00") from None
    if parsed.tzinfo is not None:
        raise ValueError(f"reminder time {text!r} must not carry an offset; the call's timezone applies")
    return parsed


def _local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Wall time `at` on `day` in `tz`, as UTC.

    fold=0 resolves the two DST edge cases: a wall time that happens twice (autumn) means the
    first occurrence; a wall time that never happens (spring gap) is read with the offset in
    force before the gap, which lands it just after the gap (02:30 -> 03:30 summer time).
    """
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0)).replace(tzinfo=tz, fold=0)
    return local.astimezone(timezone.utc)


def reminder_schedule(
    deadline: date, days_before: Sequence[int], at: time, tz: ZoneInfo
) -> list[Reminder]:
    """One reminder per distinct N in `days_before`, at local `at` on deadline - N days, sorted."""
    reminders: list[Reminder] = []
    for n in sorted(set(days_before)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError(f"days_before must be whole numbers >= 0, got {n!r}")
        due = _local_to_utc(deadline - timedelta(days=n), at, tz)
        reminders.append(Reminder(reminder_key(deadline, n), due, n, deadline))
    reminders.sort(key=lambda r: r.due_at)
    return reminders


def deadline_end(deadline: date, tz: ZoneInfo) -> datetime:
    """The instant the deadline day ends in `tz` (local midnight starting the next day), UTC.

    The call is open while now < deadline_end.
    """
    return _local_to_utc(deadline + timedelta(days=1), time(0, 0), tz)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now.isoformat()}: reminders need an aware time")


def due_reminder(
    now: datetime, schedule: Sequence[Reminder], deadline_end: datetime
) -> Reminder | None:
    """The latest reminder with due_at <= now, while the call is still open; else None."""
    _require_aware(now)
    if now >= deadline_end:
        return None
    ordered = sorted(schedule, key=lambda r: r.due_at)
    index = bisect_right([r.due_at for r in ordered], now)
    return ordered[index - 1] if index else None


def next_reminder(now: datetime, schedule: Sequence[Reminder]) -> Reminder | None:
    """The first reminder strictly after `now` (next wake-up, /kalender), or None."""
    _require_aware(now)
    upcoming = [r for r in schedule if r.due_at > now]
    return min(upcoming, key=lambda r: r.due_at) if upcoming else None


def reminder_text(
    reminder: Reminder,
    *,
    url: str,
    deadline_text_sv: str | None = None,
    deadline_text_en: str | None = None,
    lang: str = "sv",
    call_name: str = DEFAULT_CALL_NAME,
    days_left: int | None = None,
) -> str:
    """The reminder message as plain text (the caller escapes it for the chosen parse mode).

    `days_left` overrides reminder.days_before for the wording: a reminder caught up after
    downtime should state the days actually left, not the days it was scheduled for.
    """
    n = reminder.days_before if days_left is None else days_left
    if n < 0:
        raise ValueError(f"days_left must be >= 0, got {n}")
    lang = "en" if lang == "en" else "sv"
    when = (deadline_text_en if lang == "en" else deadline_text_sv) or format_day(reminder.deadline, lang)
    key = {0: "reminder.today", 1: "reminder.tomorrow"}.get(n, "reminder.days")
    head = t(lang, key, when=when, call=call_name, n=n)
    return f"{head}\n{t(lang, 'reminder.tail', url=url)}"

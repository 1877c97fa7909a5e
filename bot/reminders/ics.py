"""An iCalendar (.ics) file with the application deadline and the user's reminders.

Design (what Outlook and Google Calendar import best):

* The deadline is an all-day VEVENT (``DTSTART;VALUE=DATE``) -- a date, not a moment, so it
  shows on the right day in every time zone and does not block the user's time (TRANSPARENT).
* Each reminder is its *own* short VEVENT at the reminder moment, not a VALARM on the deadline
  event. Google Calendar ignores VALARMs in imported files (it applies the calendar's default
  notifications instead) and Outlook keeps only one VALARM per event, so alarms alone would lose
  reminders there. A visible event at the chosen local time survives every importer; it also
  carries a VALARM at its start so Apple Calendar, Outlook and Thunderbird pop up a notification.
* Timed values are written in UTC (``...Z``), which needs no VTIMEZONE and cannot be
  misinterpreted; the local time zone (``tz``) is used for naive inputs and for the text, which
  is Swedish or (``lang="en"``) English.
* UIDs are derived from the deadline and call name, so importing the file again updates the
  events instead of duplicating them.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Alarm, Calendar, Event

from bot.answers.texts import format_day, t

__all__ = ["PRODID", "deadline_calendar"]

PRODID = "-//Partnerbot//SV"
_UID_DOMAIN = "partnerbot"
_REMINDER_LENGTH = timedelta(minutes=15)
def _aware(value: datetime, zone: ZoneInfo) -> datetime:
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def deadline_calendar(
    *,
    call_name: str,
    deadline: date,
    tz: str,
    reminders: list[datetime],
    url: str,
    now: datetime,
    lang: str = "sv",
) -> bytes:
    """Return a CRLF-folded iCalendar file for the deadline of ``call_name``.

    Naive datetimes are taken as local time in ``tz``. Reminders that are not in the future
    (relative to ``now``) or fall after the deadline day are left out; duplicates are merged.
    """
    if isinstance(deadline, datetime):
        raise TypeError("deadline must be a date, not a datetime")
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone: {tz!r}") from None

    now_utc = _aware(now, zone).astimezone(timezone.utc)
    lang = "en" if lang == "en" else "sv"
    deadline_text = format_day(deadline, lang)
    key = hashlib.sha256(f"{deadline.isoformat()}|{call_name}".encode()).hexdigest()[:24]

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")

    event = Event()
    event.add("uid", f"deadline-{key}@{_UID_DOMAIN}")
    event.add("dtstamp", now_utc)
    event.add("dtstart", deadline)
    event.add("dtend", deadline + timedelta(days=1))
    event.add("summary", t(lang, "ics.summary", call=call_name))
    event.add("description", t(lang, "ics.description", call=call_name, deadline=deadline_text,
                               url=url))
    event.add("url", url)
    event.add("transp", "TRANSPARENT")
    cal.add_component(event)

    end_of_deadline = datetime.combine(deadline + timedelta(days=1), time(0), zone)
    moments = sorted(
        {
            r.astimezone(timezone.utc)
            for r in (_aware(r, zone) for r in reminders)
            if now_utc < r.astimezone(timezone.utc) < end_of_deadline.astimezone(timezone.utc)
        }
    )
    for moment in moments:
        local = moment.astimezone(zone)
        days_left = (deadline - local.date()).days
        when = t(lang, {0: "ics.today", 1: "ics.tomorrow"}.get(days_left, "ics.days"), n=days_left)
        text = t(lang, "ics.reminder", call=call_name, deadline=deadline_text, when=when)
        summary = t(lang, "ics.reminder.summary", call=call_name, deadline=deadline_text)
        reminder = Event()
        reminder.add("uid", f"reminder-{key}-{moment:%Y%m%dT%H%M%SZ}@{_UID_DOMAIN}")
        reminder.add("dtstamp", now_utc)
        reminder.add("dtstart", moment)
        reminder.add("dtend", moment + _REMINDER_LENGTH)
        reminder.add("summary", summary)
        reminder.add("description", f"{text}\n{t(lang, 'ics.more', url=url)}")
        reminder.add("url", url)
        reminder.add("transp", "TRANSPARENT")
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", text)
        alarm.add("trigger", timedelta(0))  # at the reminder event's start
        reminder.add_component(alarm)
        cal.add_component(reminder)

    return cal.to_ical()

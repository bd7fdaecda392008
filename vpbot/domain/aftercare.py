"""Aftercare (nazorg) rules: when a check-in after a closed case is due (pure).

A check-in is a gentle question to the employee some weeks after their case closed. It
arrives at a humane moment: 10:00 on a working day in the employee's own time zone, never
in a weekend or on a Dutch public holiday (a message on Christmas morning about a bullying
case is not kind).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from vpbot.domain.errors import DomainError

__all__ = [
    "CHECKIN_LOCAL_TIME",
    "MAX_CHECKINS",
    "MAX_CHECKIN_WEEKS",
    "checkin_due_at",
    "is_working_day",
    "next_working_day",
    "validate_checkin_weeks",
]

CHECKIN_LOCAL_TIME = time(10, 0)
MAX_CHECKINS = 6
MAX_CHECKIN_WEEKS = 104


@lru_cache(maxsize=64)
def _dutch_holidays(year: int) -> frozenset[date]:
    # One small set per year, cached: check-ins are scheduled in batches.
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a Dutch public holiday."""
    return day.weekday() < 5 and day not in _dutch_holidays(day.year)


def next_working_day(day: date) -> date:
    """``day`` itself if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def checkin_due_at(closed_at: datetime, weeks: int, tz: str) -> datetime:
    """When the check-in ``weeks`` after ``closed_at`` is due, as aware UTC.

    The local date (in ``tz``) of ``closed_at`` plus ``weeks`` weeks, at 10:00 local time,
    moved forward to the next working day. Counting in local dates, not UTC hours, keeps
    10:00 at 10:00 across a DST change.
    """
    if closed_at.tzinfo is None or closed_at.utcoffset() is None:
        raise ValueError("closed_at must be timezone-aware")
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError("input.invalid", field="timezone") from None
    local_day = closed_at.astimezone(zone).date() + timedelta(weeks=weeks)
    due_local = datetime.combine(next_working_day(local_day), CHECKIN_LOCAL_TIME, tzinfo=zone)
    return due_local.astimezone(timezone.utc)


def validate_checkin_weeks(weeks: Iterable[int]) -> tuple[int, ...]:
    """An adviser's chosen check-in weeks: sorted, unique, each 1–104, at most six.

    An empty choice is valid and means "no aftercare check-ins" (the employee may not want any).
    """
    values = list(weeks)
    # Whole numbers only: 2.5 weeks or "2" from a form must be parsed by the adapter.
    if any(isinstance(w, bool) or not isinstance(w, int) for w in values):
        raise DomainError("input.invalid", field="checkin_weeks")
    chosen = sorted(set(values))
    if len(chosen) > MAX_CHECKINS or any(not 1 <= w <= MAX_CHECKIN_WEEKS for w in chosen):
        raise DomainError("input.invalid", field="checkin_weeks")
    return tuple(chosen)

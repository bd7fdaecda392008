"""When aftercare check-ins are due (vpbot.domain.aftercare): working days, 10:00 local."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from vpbot.domain.aftercare import (
    checkin_due_at,
    is_working_day,
    next_working_day,
    validate_checkin_weeks,
)
from vpbot.domain.errors import DomainError

AMS = "Europe/Amsterdam"
UTC = timezone.utc


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("closed_at", "weeks", "expected"),
    [
        # Monday 7 Sep 2026 (CEST) + 2 weeks = Monday 21 Sep, 10:00 CEST = 08:00 UTC.
        (utc(2026, 9, 7, 8, 0), 2, utc(2026, 9, 21, 8, 0)),
        # Autumn DST: closed in CEST, due in CET: 10:00 local is now 09:00 UTC.
        (utc(2026, 10, 19, 14, 0), 2, utc(2026, 11, 2, 9, 0)),
        # Spring DST: closed in CET, due in CEST: 10:00 local is 08:00 UTC.
        (utc(2026, 3, 16, 14, 0), 2, utc(2026, 3, 30, 8, 0)),
        # Lands on Koningsdag (Monday 27 April 2026): moves to Tuesday 28 April.
        (utc(2026, 4, 13, 12, 0), 2, utc(2026, 4, 28, 8, 0)),
        # Lands on Christmas Day (Friday 25 Dec 2026); the 26th is a Saturday and a holiday,
        # then Sunday: the first working day is Monday 28 December.
        (utc(2026, 12, 11, 12, 0), 2, utc(2026, 12, 28, 9, 0)),
        # A Saturday moves to Monday.
        (utc(2026, 9, 12, 12, 0), 1, utc(2026, 9, 21, 8, 0)),
        # A Sunday moves to Monday.
        (utc(2026, 9, 13, 12, 0), 1, utc(2026, 9, 21, 8, 0)),
        # Ascension Day (Thursday 14 May 2026) moves to Friday.
        (utc(2026, 4, 30, 12, 0), 2, utc(2026, 5, 15, 8, 0)),
        # Easter Monday 2027 (29 March), just after the spring DST change.
        (utc(2027, 3, 15, 12, 0), 2, utc(2027, 3, 30, 8, 0)),
        # New Year's Day 2027 is a Friday: moves to Monday 4 January.
        (utc(2026, 12, 4, 12, 0), 4, utc(2027, 1, 4, 9, 0)),
    ],
)
def test_checkin_due_at(closed_at: datetime, weeks: int, expected: datetime) -> None:
    due = checkin_due_at(closed_at, weeks, AMS)
    assert due == expected
    assert due.tzinfo is UTC


def test_weeks_are_counted_from_the_local_date_not_the_utc_date() -> None:
    # Friday 11 Sep 22:30 UTC is already Saturday 00:30 in Amsterdam: + 1 week is a
    # Saturday, so Monday 21 Sep (counting from the UTC Friday would give Friday 18 Sep).
    assert checkin_due_at(utc(2026, 9, 11, 22, 30), 1, AMS) == utc(2026, 9, 21, 8, 0)


def test_ten_oclock_in_the_employees_own_time_zone() -> None:
    due = checkin_due_at(utc(2026, 9, 7, 12, 0), 2, "America/New_York")
    assert due == utc(2026, 9, 21, 14, 0)  # 10:00 EDT
    london = checkin_due_at(utc(2026, 11, 9, 12, 0), 1, "Europe/London")
    assert london == utc(2026, 11, 16, 10, 0)  # 10:00 GMT


def test_every_closing_day_of_two_years_gives_a_working_day_at_ten() -> None:
    zone = ZoneInfo(AMS)
    start = utc(2026, 1, 1, 9, 0)
    for offset in range(730):
        closed_at = start + timedelta(days=offset)
        for weeks in (2, 6, 12):
            local = checkin_due_at(closed_at, weeks, AMS).astimezone(zone)
            assert local.time() == time(10, 0)
            assert is_working_day(local.date())
            earliest = closed_at.astimezone(zone).date() + timedelta(weeks=weeks)
            # Never earlier than promised, and never more than a long weekend later.
            assert earliest <= local.date() <= earliest + timedelta(days=4)


def test_working_days() -> None:
    assert is_working_day(date(2026, 9, 7))  # Monday
    assert not is_working_day(date(2026, 9, 12))  # Saturday
    assert not is_working_day(date(2026, 4, 27))  # Koningsdag
    assert not is_working_day(date(2026, 12, 25))  # Christmas Day
    assert not is_working_day(date(2026, 12, 26))  # Boxing Day
    assert next_working_day(date(2026, 9, 7)) == date(2026, 9, 7)
    assert next_working_day(date(2026, 12, 24)) == date(2026, 12, 24)
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 28)


def test_invalid_input_is_refused() -> None:
    with pytest.raises(ValueError):
        checkin_due_at(datetime(2026, 9, 7, 8, 0), 2, AMS)  # naive
    with pytest.raises(ValueError):
        checkin_due_at(utc(2026, 9, 7, 8, 0), 0, AMS)
    with pytest.raises(DomainError) as raised:
        checkin_due_at(utc(2026, 9, 7, 8, 0), 2, "Mars/Olympus_Mons")
    assert raised.value.key == "input.invalid"


def test_validate_checkin_weeks() -> None:
    assert validate_checkin_weeks([12, 2, 6, 2]) == (2, 6, 12)
    assert validate_checkin_weeks([]) == ()
    assert validate_checkin_weeks([104]) == (104,)
    for bad in ([0], [105], [1, 2, 3, 4, 5, 6, 7], [2.5], [True], ["2"]):
        with pytest.raises(DomainError) as raised:
            validate_checkin_weeks(bad)  # type: ignore[arg-type]
        assert raised.value.key == "input.invalid"

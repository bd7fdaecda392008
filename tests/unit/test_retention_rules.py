"""When cases are purged and advisers warned (vpbot.domain.retention)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from vpbot.domain.retention import PURGE_WARNING_LEAD, is_purge_due, is_warning_due, warning_at

PURGE = datetime(2027, 9, 7, 8, 0, tzinfo=timezone.utc)
SECOND = timedelta(seconds=1)


def test_purge_is_due_from_the_purge_moment_for_closed_cases_without_hold() -> None:
    assert not is_purge_due("closed", PURGE, False, PURGE - SECOND)
    assert is_purge_due("closed", PURGE, False, PURGE)
    assert is_purge_due("closed", PURGE, False, PURGE + timedelta(days=300))
    assert not is_purge_due("closed", PURGE, True, PURGE + timedelta(days=1))
    assert not is_purge_due("open", PURGE, False, PURGE + timedelta(days=1))
    assert not is_purge_due("purged", PURGE, False, PURGE + timedelta(days=1))
    assert not is_purge_due("closed", None, False, PURGE)


def test_warning_window_is_the_week_before() -> None:
    assert PURGE_WARNING_LEAD == timedelta(days=7)
    start = warning_at(PURGE)
    assert not is_warning_due("closed", PURGE, False, None, start - SECOND)
    assert is_warning_due("closed", PURGE, False, None, start)
    assert is_warning_due("closed", PURGE, False, None, PURGE - SECOND)
    # Past the purge date the case goes in the same run; a warning would come too late.
    assert not is_warning_due("closed", PURGE, False, None, PURGE)


def test_warning_once_and_never_while_held_or_open() -> None:
    start = warning_at(PURGE)
    assert not is_warning_due("closed", PURGE, False, start, start + timedelta(days=1))
    assert not is_warning_due("closed", PURGE, True, None, start)
    assert not is_warning_due("open", PURGE, False, None, start)
    assert not is_warning_due("closed", None, False, None, start)


def test_a_later_purge_date_gets_its_own_warning() -> None:
    # Warned for a date, then reopened and closed again: the new date is announced anew.
    old_warning = warning_at(PURGE)
    later = PURGE + timedelta(days=60)
    assert is_warning_due("closed", later, False, old_warning, warning_at(later))

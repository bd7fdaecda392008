"""Behaviour of adviser availability and free slots (vpbot.domain.availability)."""

from __future__ import annotations

import time as clock
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpbot.domain.availability import (
    Absence,
    AdviserSchedule,
    Busy,
    SlotPolicy,
    WeeklyWindow,
    check_bookable,
    free_slots,
    is_bookable,
    next_free,
    to_zone,
)
from vpbot.domain.errors import DomainError

UTC = timezone.utc
AMS = ZoneInfo("Europe/Amsterdam")
NO_NOTICE = SlotPolicy(min_notice_minutes=0)


def local(year: int, month: int, day: int, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    """An Amsterdam wall-clock time as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=AMS, fold=fold)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def schedule(
    *windows: WeeklyWindow,
    policy: SlotPolicy = NO_NOTICE,
    absences: tuple[Absence, ...] = (),
    tz: str = "Europe/Amsterdam",
    skip_public_holidays: bool = True,
) -> AdviserSchedule:
    return AdviserSchedule(
        timezone=tz,
        windows=windows,
        absences=absences,
        policy=policy,
        skip_public_holidays=skip_public_holidays,
    )


def every_day(start: time, end: time) -> tuple[WeeklyWindow, ...]:
    return tuple(WeeklyWindow(weekday, start, end) for weekday in range(7))


def on_local_day(slots: list[datetime], day: date) -> list[datetime]:
    """The slots whose Amsterdam wall-clock date is ``day``, in UTC."""
    return [s for s in slots if s.astimezone(AMS).date() == day]


# Monday 12 January 2026: winter time (UTC+1), no holiday nearby.
MONDAY = date(2026, 1, 12)
MONDAY_WINDOW = WeeklyWindow(0, time(9), time(12))


# --------------------------------------------------------------------------- basics


def test_basic_slots_are_laid_from_window_start_in_steps_of_slot_plus_buffer() -> None:
    slots = free_slots(schedule(MONDAY_WINDOW), [], utc(2026, 1, 11, 0), until=utc(2026, 1, 13, 0))

    assert slots == [local(2026, 1, 12, 9), local(2026, 1, 12, 10), local(2026, 1, 12, 11)]
    assert all(s.tzinfo is UTC for s in slots)


def test_slot_must_end_within_window() -> None:
    window = WeeklyWindow(0, time(9), time(11, 30))  # 11:00 + 45 min would end at 11:45
    slots = free_slots(schedule(window), [], utc(2026, 1, 11, 0), until=utc(2026, 1, 13, 0))

    assert slots == [local(2026, 1, 12, 9), local(2026, 1, 12, 10)]


def test_buffer_spaces_slots_inside_a_window() -> None:
    policy = SlotPolicy(slot_minutes=30, buffer_minutes=10, min_notice_minutes=0)
    window = WeeklyWindow(0, time(9), time(10, 30))
    slots = free_slots(schedule(window, policy=policy), [], utc(2026, 1, 11, 0), until=utc(2026, 1, 13, 0))

    assert slots == [local(2026, 1, 12, 9), local(2026, 1, 12, 9, 40)]  # 10:20 would end 10:50


def test_minimum_notice_hides_slots_that_start_too_soon() -> None:
    policy = SlotPolicy(min_notice_minutes=120)
    sched = schedule(MONDAY_WINDOW, policy=policy)
    until = utc(2026, 1, 13, 0)

    # 08:30 local: earliest start 10:30, so 09:00 and 10:00 are gone.
    assert free_slots(sched, [], local(2026, 1, 12, 8, 30), until=until) == [local(2026, 1, 12, 11)]
    # Exactly two hours ahead is still allowed.
    assert free_slots(sched, [], local(2026, 1, 12, 8, 0), until=until) == [
        local(2026, 1, 12, 10),
        local(2026, 1, 12, 11),
    ]


def test_horizon_is_exclusive_and_counted_from_now() -> None:
    policy = SlotPolicy(min_notice_minutes=0, horizon_days=7)
    sched = schedule(MONDAY_WINDOW, policy=policy)
    now = local(2026, 1, 12, 9)

    slots = free_slots(sched, [], now)

    assert slots == [local(2026, 1, 12, 9), local(2026, 1, 12, 10), local(2026, 1, 12, 11)]
    assert not is_bookable(sched, [], now, local(2026, 1, 19, 9))


def test_default_policy_offers_eight_weeks() -> None:
    sched = schedule(MONDAY_WINDOW, policy=SlotPolicy())
    slots = free_slots(sched, [], utc(2026, 1, 11, 12))

    mondays = sorted({s.astimezone(AMS).date() for s in slots})
    assert mondays[0] == MONDAY
    assert len(mondays) == 8
    assert mondays[-1] == MONDAY + timedelta(weeks=7)


def test_absence_removes_overlapping_slots_only() -> None:
    absences = (
        Absence(local(2026, 1, 12, 9, 30), local(2026, 1, 12, 9, 40)),  # hits the 09:00 slot
        Absence(local(2026, 1, 19, 0), local(2026, 1, 20, 0)),  # the whole next Monday
    )
    sched = schedule(MONDAY_WINDOW, absences=absences)
    slots = free_slots(sched, [], utc(2026, 1, 11, 0), until=utc(2026, 1, 27, 0))

    assert on_local_day(slots, MONDAY) == [local(2026, 1, 12, 10), local(2026, 1, 12, 11)]
    assert on_local_day(slots, date(2026, 1, 19)) == []
    assert len(on_local_day(slots, date(2026, 1, 26))) == 3


@pytest.mark.parametrize(
    ("busy_from", "busy_to", "expected_hours"),
    [
        ((10, 0), (10, 45), [9, 11]),  # an existing appointment in a slot
        ((9, 50), (10, 5), [11]),  # widened by 15 min it touches 09:00-09:45 and 10:00-10:45
        ((10, 55), (11, 0), [9]),  # widened to 10:40-11:15: clashes with 10:00 and 11:00
        ((8, 0), (8, 45), [9, 10, 11]),  # buffer ends exactly at 09:00: half-open, fine
        ((8, 0), (8, 46), [10, 11]),  # one minute later and 09:00 is too close
        ((11, 45), (12, 0), [9, 10]),  # buffer before it reaches back to 11:30 < 11:45
        ((12, 0), (13, 0), [9, 10, 11]),  # 11:45 + 15 min buffer = 12:00 exactly
    ],
)
def test_busy_blocks_overlapping_slots_widened_by_buffer(
    busy_from: tuple[int, int], busy_to: tuple[int, int], expected_hours: list[int]
) -> None:
    busy = [Busy(local(2026, 1, 12, *busy_from), local(2026, 1, 12, *busy_to))]
    slots = free_slots(schedule(MONDAY_WINDOW), busy, utc(2026, 1, 11, 0), until=utc(2026, 1, 13, 0))

    assert slots == [local(2026, 1, 12, h) for h in expected_hours]


def test_until_and_limit_narrow_the_result() -> None:
    sched = schedule(MONDAY_WINDOW)
    now = utc(2026, 1, 11, 0)
    everything = free_slots(sched, [], now)

    assert free_slots(sched, [], now, limit=4) == everything[:4]
    assert free_slots(sched, [], now, limit=0) == []
    assert free_slots(sched, [], now, until=local(2026, 1, 12, 10)) == [local(2026, 1, 12, 9)]


def test_next_free_pages_strictly_after_the_given_instant() -> None:
    sched = schedule(MONDAY_WINDOW)
    now = utc(2026, 1, 11, 0)
    everything = free_slots(sched, [], now)

    first = next_free(sched, [], now, after=now)
    assert first == everything[:3]
    assert next_free(sched, [], now, after=first[-1], count=2) == everything[3:5]
    busy = [Busy(everything[3], everything[3] + timedelta(minutes=45))]
    assert next_free(sched, busy, now, after=first[-1], count=1) == [everything[4]]


def test_check_bookable_names_the_reason() -> None:
    sched = schedule(MONDAY_WINDOW, policy=SlotPolicy(min_notice_minutes=120, horizon_days=14))
    now = local(2026, 1, 12, 8)
    busy = [Busy(local(2026, 1, 12, 11), local(2026, 1, 12, 11, 45))]
    cases = {
        local(2026, 1, 12, 7): "booking.slot_in_past",
        local(2026, 1, 12, 9): "booking.too_soon",
        local(2026, 1, 26, 9): "booking.beyond_horizon",
        local(2026, 1, 12, 10, 30): "booking.outside_availability",
        local(2026, 1, 13, 10): "booking.outside_availability",  # a Tuesday
        local(2026, 1, 12, 11): "booking.slot_taken",
    }
    for start, key in cases.items():
        with pytest.raises(DomainError) as caught:
            check_bookable(sched, busy, now, start)
        assert caught.value.key == key, start
    check_bookable(sched, busy, now, local(2026, 1, 12, 10))  # does not raise
    assert is_bookable(sched, busy, now, local(2026, 1, 19, 11))


# --------------------------------------------------------------------------- DST


def test_spring_forward_keeps_wall_clock_and_skips_nonexistent_times() -> None:
    # Sunday 29 March 2026, 02:00 CET -> 03:00 CEST in Amsterdam.
    sched = schedule(*every_day(time(2, 30), time(3, 30)), *every_day(time(9), time(10)))
    slots = free_slots(sched, [], utc(2026, 3, 27, 0), until=utc(2026, 4, 1, 0))

    assert on_local_day(slots, date(2026, 3, 28)) == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 28, 8)]
    assert on_local_day(slots, date(2026, 3, 29)) == [utc(2026, 3, 29, 7)]  # no 02:30 that night
    assert on_local_day(slots, date(2026, 3, 30)) == [utc(2026, 3, 30, 0, 30), utc(2026, 3, 30, 7)]
    nine_oclock = [s for s in slots if s.astimezone(AMS).hour == 9]
    assert {s.astimezone(AMS).time() for s in nine_oclock} == {time(9)}
    assert len(nine_oclock) == 5
    assert not is_bookable(sched, [], utc(2026, 3, 27, 0), local(2026, 3, 29, 2, 30))


def test_spring_forward_window_spanning_the_gap() -> None:
    sched = schedule(WeeklyWindow(6, time(1), time(4)))
    slots = free_slots(sched, [], utc(2026, 3, 28, 0), until=utc(2026, 3, 30, 0))

    # 01:00 CET, 02:00 does not exist, 03:00 CEST (ends 03:45 <= 04:00).
    assert slots == [utc(2026, 3, 29, 0), utc(2026, 3, 29, 1)]


def test_spring_forward_never_yields_overlapping_slots() -> None:
    # A 50-minute grid loses an hour of real time across the gap; 03:30 CEST would start
    # before the 01:50 CET slot ends, so it is dropped.
    policy = SlotPolicy(slot_minutes=50, buffer_minutes=0, min_notice_minutes=0)
    sched = schedule(WeeklyWindow(6, time(1), time(5, 30)), policy=policy)
    slots = free_slots(sched, [], utc(2026, 3, 28, 0), until=utc(2026, 3, 30, 0))

    assert slots == [utc(2026, 3, 29, 0), utc(2026, 3, 29, 0, 50), utc(2026, 3, 29, 2, 20)]


def test_fall_back_keeps_wall_clock_and_yields_ambiguous_times_once() -> None:
    # Sunday 25 October 2026, 03:00 CEST -> 02:00 CET in Amsterdam.
    sched = schedule(*every_day(time(2, 30), time(3, 30)), *every_day(time(9), time(10)))
    slots = free_slots(sched, [], utc(2026, 10, 23, 0), until=utc(2026, 10, 28, 0))

    assert on_local_day(slots, date(2026, 10, 24)) == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 24, 7)]
    # 02:30 happens twice; it is offered once, as the first (CEST) occurrence.
    assert on_local_day(slots, date(2026, 10, 25)) == [utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 8)]
    assert on_local_day(slots, date(2026, 10, 26)) == [utc(2026, 10, 26, 1, 30), utc(2026, 10, 26, 8)]
    now = utc(2026, 10, 23, 0)
    assert is_bookable(sched, [], now, local(2026, 10, 25, 2, 30, fold=0))
    assert not is_bookable(sched, [], now, local(2026, 10, 25, 2, 30, fold=1))


def test_fall_back_window_spanning_the_repeated_hour() -> None:
    sched = schedule(WeeklyWindow(6, time(2), time(4)))
    slots = free_slots(sched, [], utc(2026, 10, 24, 0), until=utc(2026, 10, 26, 0))

    # 02:00 CEST and 03:00 CET; the second 02:00 (CET) is not a slot.
    assert slots == [utc(2026, 10, 25, 0), utc(2026, 10, 25, 2)]


# --------------------------------------------------------------------------- viewers


def test_slots_are_the_same_instants_for_every_viewer() -> None:
    sched = schedule(MONDAY_WINDOW)
    instant = utc(2026, 1, 11, 0)
    seen = [
        free_slots(sched, [], instant.astimezone(ZoneInfo(name)), until=utc(2026, 1, 13, 0))
        for name in ("Europe/Amsterdam", "Europe/London", "America/New_York", "Asia/Tokyo")
    ]
    assert all(s == seen[0] for s in seen)

    first = seen[0][0]
    assert to_zone(first, "Europe/Amsterdam").time() == time(9)
    assert to_zone(first, "Europe/London").time() == time(8)
    assert to_zone(first, "America/New_York").time() == time(3)
    assert to_zone(first, "Europe/London") == first  # same instant, other rendering


def test_adviser_in_another_zone_keeps_own_wall_clock() -> None:
    # An external adviser in Lisbon works 09:00 Lisbon time = 10:00 in Amsterdam.
    sched = schedule(MONDAY_WINDOW, tz="Europe/Lisbon")
    slots = free_slots(sched, [], utc(2026, 1, 11, 0), until=utc(2026, 1, 13, 0))

    assert [to_zone(s, "Europe/Lisbon").hour for s in slots] == [9, 10, 11]
    assert [to_zone(s, "Europe/Amsterdam").hour for s in slots] == [10, 11, 12]


# --------------------------------------------------------------------------- holidays


def test_dutch_public_holiday_has_no_slots() -> None:
    # Koningsdag, Monday 27 April 2026.
    now = utc(2026, 4, 19, 0)
    until = utc(2026, 5, 5, 0)
    slots = free_slots(schedule(MONDAY_WINDOW), [], now, until=until)

    assert on_local_day(slots, date(2026, 4, 27)) == []
    assert len(on_local_day(slots, date(2026, 4, 20))) == 3
    assert len(on_local_day(slots, date(2026, 5, 4))) == 3
    with pytest.raises(DomainError) as caught:
        check_bookable(schedule(MONDAY_WINDOW), [], now, local(2026, 4, 27, 9))
    assert caught.value.key == "booking.outside_availability"

    working = schedule(MONDAY_WINDOW, skip_public_holidays=False)
    assert len(on_local_day(free_slots(working, [], now, until=until), date(2026, 4, 27))) == 3


# --------------------------------------------------------------------------- validation


def test_naive_datetimes_are_rejected() -> None:
    sched = schedule(MONDAY_WINDOW)
    naive = datetime(2026, 1, 12, 9)
    with pytest.raises(ValueError):
        free_slots(sched, [], naive)
    with pytest.raises(ValueError):
        free_slots(sched, [], utc(2026, 1, 11, 0), until=naive)
    with pytest.raises(ValueError):
        is_bookable(sched, [], utc(2026, 1, 11, 0), naive)
    with pytest.raises(ValueError):
        next_free(sched, [], utc(2026, 1, 11, 0), after=naive)
    with pytest.raises(ValueError):
        Busy(naive, utc(2026, 1, 12, 10))
    with pytest.raises(ValueError):
        Absence(utc(2026, 1, 12, 9), naive)
    with pytest.raises(ValueError):
        to_zone(naive, "Europe/Amsterdam")


@pytest.mark.parametrize(
    "build",
    [
        lambda: WeeklyWindow(0, time(10), time(9)),
        lambda: WeeklyWindow(0, time(9), time(9)),
        lambda: WeeklyWindow(7, time(9), time(10)),
        lambda: WeeklyWindow(0, time(9, tzinfo=UTC), time(10)),
        lambda: SlotPolicy(slot_minutes=0),
        lambda: SlotPolicy(horizon_days=0),
        lambda: SlotPolicy(buffer_minutes=-1),
        lambda: SlotPolicy(min_notice_minutes=-5),
        lambda: Busy(utc(2026, 1, 12, 10), utc(2026, 1, 12, 10)),
        lambda: Absence(utc(2026, 1, 12, 10), utc(2026, 1, 12, 9)),
        lambda: schedule(MONDAY_WINDOW, tz="Europe/Atlantis"),
        lambda: schedule(MONDAY_WINDOW, WeeklyWindow(0, time(11), time(13))),
    ],
)
def test_invalid_values_are_rejected(build: object) -> None:
    with pytest.raises(ValueError):
        build()  # type: ignore[operator]


def test_adjacent_windows_are_allowed_and_keep_the_buffer() -> None:
    sched = schedule(WeeklyWindow(0, time(9), time(9, 50)), WeeklyWindow(0, time(9, 50), time(11)))
    slots = free_slots(sched, [], utc(2026, 1, 11, 0), until=utc(2026, 1, 13, 0))

    # 09:50 would start only 5 minutes after the 09:00 slot ends; 10:50 ends past 11:00.
    assert slots == [local(2026, 1, 12, 9)]


# --------------------------------------------------------------------------- performance


def test_a_year_of_appointments_is_fast() -> None:
    sched = schedule(*(WeeklyWindow(d, time(9), time(17)) for d in range(5)), policy=SlotPolicy())
    now = utc(2026, 6, 1, 0)
    busy = [
        Busy(now + timedelta(hours=9 * i + 1), now + timedelta(hours=9 * i + 1, minutes=45))
        for i in range(-500, 500)
    ]
    free_slots(sched, busy, now)  # warm the holiday calendar cache
    started = clock.perf_counter()
    slots = free_slots(sched, busy, now)
    elapsed = clock.perf_counter() - started

    assert slots
    assert elapsed < 0.25


# --------------------------------------------------------------------------- properties

ZONES = ["Europe/Amsterdam", "UTC", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
# Around the 2026 Amsterdam DST changes, and anywhere in 2026-2027.
NOWS = st.one_of(
    st.datetimes(min_value=datetime(2026, 3, 26), max_value=datetime(2026, 3, 30)),
    st.datetimes(min_value=datetime(2026, 10, 22), max_value=datetime(2026, 10, 26)),
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
).map(lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC))


@st.composite
def schedules(draw: st.DrawFn) -> AdviserSchedule:
    windows: list[WeeklyWindow] = []
    for _ in range(draw(st.integers(1, 6))):
        weekday = draw(st.integers(0, 6))
        start = draw(st.integers(0, 23 * 60))
        end = min(start + draw(st.integers(5, 8 * 60)), 24 * 60 - 1)
        candidate = WeeklyWindow(weekday, time(*divmod(start, 60)), time(*divmod(end, 60)))
        if not any(candidate.overlaps(w) for w in windows):
            windows.append(candidate)
    policy = SlotPolicy(
        slot_minutes=draw(st.integers(5, 120)),
        buffer_minutes=draw(st.integers(0, 30)),
        min_notice_minutes=draw(st.integers(0, 300)),
        horizon_days=draw(st.integers(1, 14)),
    )
    return AdviserSchedule(
        timezone=draw(st.sampled_from(ZONES)),
        windows=tuple(windows),
        policy=policy,
        skip_public_holidays=draw(st.booleans()),
    )


@st.composite
def intervals(draw: st.DrawFn, around: datetime, max_size: int) -> list[tuple[datetime, datetime]]:
    result = []
    for _ in range(draw(st.integers(0, max_size))):
        offset = draw(st.integers(-2 * 24 * 60, 15 * 24 * 60))
        length = draw(st.integers(1, 6 * 60))
        start = around + timedelta(minutes=offset)
        result.append((start, start + timedelta(minutes=length)))
    return result


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), sched=schedules(), now=NOWS)
def test_property_slots_are_disjoint_bookable_and_clear_of_busy(
    data: st.DataObject, sched: AdviserSchedule, now: datetime
) -> None:
    busy = [Busy(s, e) for s, e in data.draw(intervals(now, 25))]
    absences = tuple(Absence(s, e) for s, e in data.draw(intervals(now, 3)))
    sched = AdviserSchedule(
        sched.timezone, sched.windows, absences, sched.policy, sched.skip_public_holidays
    )
    policy = sched.policy
    slots = free_slots(sched, busy, now)

    assert slots == sorted(set(slots))
    for earlier, later in zip(slots, slots[1:]):
        assert earlier + policy.slot <= later  # no overlap, even across DST changes
    for start in slots:
        end = start + policy.slot
        assert start.tzinfo is UTC
        assert now + policy.min_notice <= start < now + policy.horizon
        assert is_bookable(sched, busy, now, start)
        assert not is_bookable(sched, busy, now, start + timedelta(minutes=1))
        for b in busy:
            assert end <= b.starts_at - policy.buffer or start >= b.ends_at + policy.buffer
        for a in absences:
            assert end <= a.starts_at or start >= a.ends_at
        wall = start.astimezone(sched.zone)
        assert any(
            w.weekday == wall.weekday() and w.start <= wall.time().replace(fold=0) < w.end
            for w in sched.windows
        )
    # And the other way round: every grid slot that is bookable is offered.
    bare = AdviserSchedule(sched.timezone, sched.windows, (), policy, sched.skip_public_holidays)
    offered = set(slots)
    for candidate in free_slots(bare, [], now):
        assert is_bookable(sched, busy, now, candidate) == (candidate in offered)
    if slots:
        assert next_free(sched, busy, now, after=slots[0] - timedelta(microseconds=1), count=2) == slots[:2]

"""Adviser availability: weekly windows, absences, policy, and the free slots they yield.

Pure rules, no framework imports. All instants that leave this module are aware UTC
datetimes; wall-clock times (weekly windows) live in the adviser's own IANA time zone and
are converted per calendar day, so a 09:00 window stays 09:00 local across DST changes.

How slots are laid out, per local calendar day of the adviser:

1. Public holidays (Dutch, via the ``holidays`` package) have no slots when
   ``skip_public_holidays`` is set.
2. Each window of that weekday yields candidate starts at ``window.start``,
   ``window.start + step``, ... (wall clock, ``step = slot + buffer``).
3. A candidate whose local time does not exist (spring-forward gap) is dropped; an
   ambiguous one (autumn fold) is taken once, as its first occurrence (``fold=0``).
4. The slot (``slot_minutes`` of real time) must end by the window's end instant.
5. Candidates that would overlap, or come closer than the buffer to, an earlier slot of the
   same day are dropped (this can only happen across a DST gap or with adjacent windows).

Steps 1-5 form the day's *grid*, which depends on the schedule only — booking one slot never
shifts the others. A grid slot is *free* when it starts within ``[now + min_notice,
now + horizon)``, overlaps no absence, and overlaps no busy interval widened by the buffer
on both sides. Intervals are half-open ``[start, end)``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from vpbot.domain.errors import DomainError

__all__ = [
    "Absence",
    "AdviserSchedule",
    "Busy",
    "SlotPolicy",
    "WeeklyWindow",
    "check_bookable",
    "free_slots",
    "is_bookable",
    "next_free",
    "to_zone",
]

UTC = timezone.utc

# vpbot serves Dutch workplaces; the adviser may live elsewhere, but the days off that
# matter are the employer's. Note that the package's NL calendar includes Good Friday and
# Easter Sunday and lists Liberation Day (5 May) only in lustrum years.
_HOLIDAY_COUNTRY = "NL"


# --------------------------------------------------------------------------- validation


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _utc(value: datetime, name: str) -> datetime:
    """Validate and normalise to UTC.

    Arithmetic on aware datetimes that share a tzinfo is wall-clock arithmetic in Python,
    which is wrong across DST; doing all arithmetic in UTC avoids that trap.
    """
    _require_aware(value, name)
    return value.astimezone(UTC)


def _require_int(value: int, name: str, *, minimum: int) -> None:
    # bool is an int subclass; True minutes is surely a bug.
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


# --------------------------------------------------------------------------- value types


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """A recurring stretch of wall-clock time, in the adviser's zone, on one weekday.

    ``weekday`` follows :meth:`datetime.date.weekday`: 0 is Monday, 6 is Sunday.
    """

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        _require_int(self.weekday, "weekday", minimum=0)
        if self.weekday > 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday}")
        for name, value in (("start", self.start), ("end", self.end)):
            if not isinstance(value, time):
                raise TypeError(f"{name} must be a datetime.time")
            # A window is wall-clock time in the *schedule's* zone; a zone here would be
            # silently ignored, so refuse it.
            if value.tzinfo is not None:
                raise ValueError(f"{name} must be a naive wall-clock time")
        if not self.start < self.end:
            raise ValueError("window start must be before its end")

    def overlaps(self, other: WeeklyWindow) -> bool:
        """Whether both windows share some wall-clock time on the same weekday."""
        return (
            self.weekday == other.weekday
            and self.start < other.end
            and other.start < self.end
        )


@dataclass(frozen=True, slots=True)
class Absence:
    """A period in which the adviser takes no appointments (leave, illness, training)."""

    starts_at: datetime
    ends_at: datetime

    def __post_init__(self) -> None:
        _check_interval(self.starts_at, self.ends_at)


@dataclass(frozen=True, slots=True)
class Busy:
    """An existing appointment of the adviser; blocks its own time plus the buffer."""

    starts_at: datetime
    ends_at: datetime

    def __post_init__(self) -> None:
        _check_interval(self.starts_at, self.ends_at)


def _check_interval(starts_at: datetime, ends_at: datetime) -> None:
    _require_aware(starts_at, "starts_at")
    _require_aware(ends_at, "ends_at")
    if not starts_at < ends_at:
        raise ValueError("starts_at must be before ends_at")


@dataclass(frozen=True, slots=True)
class SlotPolicy:
    """How long appointments are and how far ahead / how soon they may be booked.

    ``buffer_minutes`` and ``min_notice_minutes`` may be 0; the others must be positive.
    """

    slot_minutes: int = 45
    buffer_minutes: int = 15
    min_notice_minutes: int = 120
    horizon_days: int = 56

    def __post_init__(self) -> None:
        _require_int(self.slot_minutes, "slot_minutes", minimum=1)
        _require_int(self.buffer_minutes, "buffer_minutes", minimum=0)
        _require_int(self.min_notice_minutes, "min_notice_minutes", minimum=0)
        _require_int(self.horizon_days, "horizon_days", minimum=1)

    @property
    def slot(self) -> timedelta:
        """Length of one appointment."""
        return timedelta(minutes=self.slot_minutes)

    @property
    def buffer(self) -> timedelta:
        """Free time kept on both sides of every appointment."""
        return timedelta(minutes=self.buffer_minutes)

    @property
    def step(self) -> timedelta:
        """Distance between consecutive slot starts within a window."""
        return timedelta(minutes=self.slot_minutes + self.buffer_minutes)

    @property
    def min_notice(self) -> timedelta:
        """How long before its start a slot may still be booked."""
        return timedelta(minutes=self.min_notice_minutes)

    @property
    def horizon(self) -> timedelta:
        """How far ahead slots are offered."""
        return timedelta(days=self.horizon_days)


@dataclass(frozen=True, slots=True)
class AdviserSchedule:
    """Everything about an adviser's availability except existing appointments.

    Lists are accepted for ``windows`` and ``absences`` and stored as tuples (sorted), so a
    schedule is immutable and hashable. Windows on the same weekday must not overlap:
    that is almost always a configuration mistake, so it is rejected rather than merged.
    """

    timezone: str
    windows: tuple[WeeklyWindow, ...]
    absences: tuple[Absence, ...] = ()
    policy: SlotPolicy = field(default_factory=SlotPolicy)
    skip_public_holidays: bool = True

    def __post_init__(self) -> None:
        _zone(self.timezone)
        if any(not isinstance(item, WeeklyWindow) for item in self.windows):
            raise TypeError("windows must contain WeeklyWindow values")
        if any(not isinstance(item, Absence) for item in self.absences):
            raise TypeError("absences must contain Absence values")
        windows = tuple(sorted(self.windows, key=lambda w: (w.weekday, w.start)))
        absences = tuple(sorted(self.absences, key=lambda a: _utc(a.starts_at, "starts_at")))
        for earlier, later in zip(windows, windows[1:]):
            if earlier.overlaps(later):
                raise ValueError(f"overlapping windows on weekday {earlier.weekday}")
        if not isinstance(self.policy, SlotPolicy):
            raise TypeError("policy must be a SlotPolicy")
        # Frozen dataclass: normalising the containers needs object.__setattr__.
        object.__setattr__(self, "windows", windows)
        object.__setattr__(self, "absences", absences)

    @property
    def zone(self) -> ZoneInfo:
        """The adviser's time zone as a tzinfo."""
        return _zone(self.timezone)


# --------------------------------------------------------------------------- intervals


class _Blocked:
    """Disjoint, sorted blocked intervals with O(log n) overlap queries.

    Built once per call (O(n log n)), so checking all slots of an 8-week horizon against a
    year of appointments costs O(slots · log busy) instead of O(slots · busy).
    """

    __slots__ = ("_starts", "_ends")

    def __init__(self, intervals: Iterable[tuple[datetime, datetime]]) -> None:
        starts: list[datetime] = []
        ends: list[datetime] = []
        for start, end in sorted(intervals):
            if ends and start <= ends[-1]:
                # Touching intervals merge too; harmless because both ends are half-open.
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        self._starts = starts
        self._ends = ends

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether ``[start, end)`` shares any instant with a blocked interval."""
        # Ends are sorted because the intervals are disjoint: the first interval ending
        # after ``start`` is the only candidate for an overlap.
        index = bisect_right(self._ends, start)
        return index < len(self._starts) and self._starts[index] < end


def _busy_intervals(
    busy: Iterable[Busy], buffer: timedelta
) -> Iterator[tuple[datetime, datetime]]:
    for item in busy:
        yield (
            _utc(item.starts_at, "busy.starts_at") - buffer,
            _utc(item.ends_at, "busy.ends_at") + buffer,
        )


def _absence_intervals(absences: Iterable[Absence]) -> Iterator[tuple[datetime, datetime]]:
    for item in absences:
        yield _utc(item.starts_at, "absence.starts_at"), _utc(item.ends_at, "absence.ends_at")


# --------------------------------------------------------------------------- the grid


@lru_cache(maxsize=32)
def _holiday_dates(year: int) -> frozenset[date]:
    # Building a holiday calendar takes milliseconds; a horizon touches one or two years.
    return frozenset(holidays.country_holidays(_HOLIDAY_COUNTRY, years=year).keys())


def _is_public_holiday(day: date) -> bool:
    return day in _holiday_dates(day.year)


def _existing_instant(wall: datetime, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a naive local time, or None if that time does not exist.

    ``fold=0`` picks the first of two ambiguous instants. A nonexistent (gap) time does not
    survive the round trip through UTC, which is how it is detected.
    """
    instant = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != wall:
        return None
    return instant


def _end_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant at which a window ending at local ``wall`` closes.

    For an ambiguous or nonexistent end time the two readings differ; take the earlier one
    so a slot never runs past the adviser's intended end under either reading.
    """
    return min(
        wall.replace(tzinfo=zone, fold=0).astimezone(UTC),
        wall.replace(tzinfo=zone, fold=1).astimezone(UTC),
    )


def _day_grid(
    schedule: AdviserSchedule, zone: ZoneInfo, day: date
) -> list[tuple[datetime, datetime]]:
    """All ``(start, end)`` UTC slots of one local day, before notice/busy/absence checks."""
    if schedule.skip_public_holidays and _is_public_holiday(day):
        return []
    policy = schedule.policy
    length = policy.slot
    candidates: list[datetime] = []
    for window in schedule.windows:
        if window.weekday != day.weekday():
            continue
        wall = datetime.combine(day, window.start)
        wall_end = datetime.combine(day, window.end)
        window_end = _end_instant(wall_end, zone)
        # Naive datetimes: stepping is pure wall-clock arithmetic, as intended.
        while wall < wall_end:
            start = _existing_instant(wall, zone)
            if start is not None and start + length <= window_end:
                candidates.append(start)
            wall += policy.step
    candidates.sort()
    grid: list[tuple[datetime, datetime]] = []
    for start in candidates:
        # Across a DST gap wall-clock steps shrink in real time, and adjacent windows can
        # put two starts close together; never offer slots that collide.
        if grid and start < grid[-1][1] + policy.buffer:
            continue
        grid.append((start, start + length))
    return grid


def _iter_free(
    schedule: AdviserSchedule,
    blocked: _Blocked,
    lower: datetime,
    upper: datetime,
) -> Iterator[datetime]:
    """Free slot starts in ``[lower, upper)`` (UTC), in ascending order."""
    zone = schedule.zone
    # One extra day on the left guards against zones whose clocks move back across
    # midnight; the filter below keeps the result exact.
    day = lower.astimezone(zone).date() - timedelta(days=1)
    last_day = upper.astimezone(zone).date()
    one_day = timedelta(days=1)
    while day <= last_day:
        for start, end in _day_grid(schedule, zone, day):
            if lower <= start < upper and not blocked.overlaps(start, end):
                yield start
        day += one_day


def _blocked_for(schedule: AdviserSchedule, busy: Iterable[Busy]) -> _Blocked:
    intervals = list(_busy_intervals(busy, schedule.policy.buffer))
    intervals.extend(_absence_intervals(schedule.absences))
    return _Blocked(intervals)


# --------------------------------------------------------------------------- public API


def free_slots(
    schedule: AdviserSchedule,
    busy: Iterable[Busy],
    now: datetime,
    *,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[datetime]:
    """Start instants (aware, UTC, ascending) of all slots an employee may book now.

    ``until`` (exclusive) narrows the horizon further; ``limit`` caps the number returned.
    Every slot lasts ``schedule.policy.slot_minutes``. Raises ValueError for naive datetimes.
    """
    now_utc = _utc(now, "now")
    upper = now_utc + schedule.policy.horizon
    if until is not None:
        upper = min(upper, _utc(until, "until"))
    if limit is not None:
        _require_int(limit, "limit", minimum=0)
        if limit == 0:
            return []
    lower = now_utc + schedule.policy.min_notice
    result: list[datetime] = []
    for start in _iter_free(schedule, _blocked_for(schedule, busy), lower, upper):
        result.append(start)
        if limit is not None and len(result) >= limit:
            break
    return result


def next_free(
    schedule: AdviserSchedule,
    busy: Iterable[Busy],
    now: datetime,
    after: datetime,
    count: int = 3,
) -> list[datetime]:
    """Up to ``count`` free slot starts strictly after ``after`` (UTC, ascending).

    Strictly after, so passing the last slot shown pages forward without repeats.
    """
    _require_int(count, "count", minimum=0)
    now_utc = _utc(now, "now")
    after_utc = _utc(after, "after")
    policy = schedule.policy
    upper = now_utc + policy.horizon
    lower = max(now_utc + policy.min_notice, after_utc)
    result: list[datetime] = []
    if count == 0:
        return result
    for start in _iter_free(schedule, _blocked_for(schedule, busy), lower, upper):
        if start <= after_utc:
            continue
        result.append(start)
        if len(result) >= count:
            break
    return result


def check_bookable(
    schedule: AdviserSchedule,
    busy: Iterable[Busy],
    now: datetime,
    start: datetime,
) -> None:
    """Raise a :class:`DomainError` saying why ``start`` cannot be booked, else return.

    Keys: ``booking.slot_in_past``, ``booking.too_soon``, ``booking.beyond_horizon``,
    ``booking.outside_availability`` (not a slot start, a holiday, or the adviser is
    absent — deliberately one key, employees need not learn why an adviser is away),
    ``booking.slot_taken``. Agrees exactly with :func:`free_slots`.
    """
    now_utc = _utc(now, "now")
    start_utc = _utc(start, "start")
    policy = schedule.policy
    if start_utc < now_utc:
        raise DomainError("booking.slot_in_past")
    if start_utc < now_utc + policy.min_notice:
        raise DomainError("booking.too_soon", min_notice_minutes=policy.min_notice_minutes)
    if start_utc >= now_utc + policy.horizon:
        raise DomainError("booking.beyond_horizon", horizon_days=policy.horizon_days)
    zone = schedule.zone
    end = dict(_day_grid(schedule, zone, start_utc.astimezone(zone).date())).get(start_utc)
    if end is None or _Blocked(_absence_intervals(schedule.absences)).overlaps(start_utc, end):
        raise DomainError("booking.outside_availability")
    if _Blocked(_busy_intervals(busy, policy.buffer)).overlaps(start_utc, end):
        raise DomainError("booking.slot_taken")


def is_bookable(
    schedule: AdviserSchedule,
    busy: Iterable[Busy],
    now: datetime,
    start: datetime,
) -> bool:
    """Whether ``start`` is exactly one of ``free_slots(schedule, busy, now)``."""
    try:
        check_bookable(schedule, busy, now, start)
    except DomainError:
        return False
    return True


def to_zone(dt: datetime, tz_name: str) -> datetime:
    """The same instant expressed in the IANA zone ``tz_name`` (for display)."""
    _require_aware(dt, "dt")
    return dt.astimezone(_zone(tz_name))

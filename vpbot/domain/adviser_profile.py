"""An adviser's profile and booking policy: the rules for what they may configure (pure).

Everything here is shown to employees or shapes the slot grid (``vpbot.domain.availability``);
none of it is case content.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from vpbot.domain.availability import Absence, SlotPolicy, WeeklyWindow
from vpbot.domain.cases import require_text
from vpbot.domain.errors import DomainError
from vpbot.domain.inputs import int_within, optional_text, require_aware

__all__ = [
    "MAX_DISPLAY_NAME_LENGTH",
    "MAX_INTRO_LENGTH",
    "MAX_WINDOWS",
    "POLICY_BOUNDS",
    "format_minute",
    "parse_windows",
    "to_minute",
    "validate_absence",
    "validate_display_name",
    "validate_intro",
    "validate_languages",
    "validate_policy",
    "validate_timezone",
    "window_from_minutes",
]

MAX_DISPLAY_NAME_LENGTH = 120
MAX_INTRO_LENGTH = 500
MAX_LANGUAGES = 10
MAX_WINDOWS = 50
MAX_ABSENCE = timedelta(days=366)
_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
_CLOCK_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")

# field -> (minimum, maximum). A 15-minute slot is the shortest real conversation; more
# than two weeks' notice or a year's horizon is a typo, not a policy.
POLICY_BOUNDS: dict[str, tuple[int, int]] = {
    "slot_minutes": (15, 240),
    "buffer_minutes": (0, 120),
    "min_notice_minutes": (0, 14 * 24 * 60),
    "horizon_days": (1, 365),
}


def validate_display_name(name: str) -> str:
    """The name employees see: required, at most :data:`MAX_DISPLAY_NAME_LENGTH` characters."""
    return require_text(
        name, field="display_name", max_length=MAX_DISPLAY_NAME_LENGTH, too_long_key="input.too_long"
    )


def validate_intro(text: str | None) -> str:
    """A short introduction (optional, at most :data:`MAX_INTRO_LENGTH` characters)."""
    return optional_text(text, field="intro", max_length=MAX_INTRO_LENGTH)


def validate_languages(codes: Iterable[str]) -> tuple[str, ...]:
    """ISO 639 language codes the adviser speaks, lower case, without duplicates, in order."""
    if isinstance(codes, str):
        raise DomainError("input.invalid", field="languages")
    seen: list[str] = []
    for code in codes:
        if not isinstance(code, str) or not _LANGUAGE_RE.fullmatch(code.strip().lower()):
            raise DomainError("input.invalid", field="languages")
        normal = code.strip().lower()
        if normal not in seen:
            seen.append(normal)
    if len(seen) > MAX_LANGUAGES:
        raise DomainError("input.invalid", field="languages")
    return tuple(seen)


def validate_timezone(name: str) -> str:
    """An IANA time zone name, or ``input.invalid``."""
    if not isinstance(name, str) or not name or len(name) > 64:
        raise DomainError("input.invalid", field="timezone")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError("input.invalid", field="timezone") from None
    return name


def validate_policy(
    *, slot_minutes: int, buffer_minutes: int, min_notice_minutes: int, horizon_days: int
) -> SlotPolicy:
    """A slot policy within :data:`POLICY_BOUNDS`; ``input.invalid`` naming the field otherwise."""
    values = {
        "slot_minutes": slot_minutes,
        "buffer_minutes": buffer_minutes,
        "min_notice_minutes": min_notice_minutes,
        "horizon_days": horizon_days,
    }
    for name, value in values.items():
        low, high = POLICY_BOUNDS[name]
        if not int_within(value, low, high):
            raise DomainError("input.invalid", field=name, min=low, max=high)
    return SlotPolicy(**values)


# --------------------------------------------------------------------------- weekly windows


def to_minute(clock: str) -> int:
    """``"09:30"`` -> 570 (minutes after local midnight); ``ValueError`` for anything else."""
    match = _CLOCK_RE.fullmatch(clock.strip()) if isinstance(clock, str) else None
    if match is None:
        raise ValueError(f"not a HH:MM time: {clock!r}")
    return int(match.group(1)) * 60 + int(match.group(2))


def format_minute(minute: int) -> str:
    """570 -> ``"09:30"``."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def window_from_minutes(weekday: int, start_minute: int, end_minute: int) -> WeeklyWindow:
    """The domain window for a stored row."""
    start, end = divmod(start_minute, 60), divmod(end_minute, 60)
    return WeeklyWindow(weekday, time(*start), time(*end))


def parse_windows(windows: Sequence[tuple[int, str, str]]) -> tuple[tuple[int, int, int], ...]:
    """``[(weekday, "09:00", "12:00"), ...]`` -> sorted ``(weekday, start_minute, end_minute)``.

    Keys: ``availability.invalid_window`` (bad weekday or time, or start not before end),
    ``availability.overlap`` (two windows on one day share time: almost always a typo, so
    it is refused rather than merged, as ``AdviserSchedule`` does).
    """
    if len(windows) > MAX_WINDOWS:
        raise DomainError("input.invalid", field="windows", max=MAX_WINDOWS)
    parsed: list[tuple[int, int, int]] = []
    for entry in windows:
        try:
            weekday, start, end = entry
            start_minute, end_minute = to_minute(start), to_minute(end)
        except (TypeError, ValueError):
            raise DomainError("availability.invalid_window") from None
        if not int_within(weekday, 0, 6):
            raise DomainError("availability.invalid_window")
        if start_minute >= end_minute:
            raise DomainError("availability.invalid_window", weekday=weekday)
        parsed.append((weekday, start_minute, end_minute))
    parsed.sort()
    for (day_a, _, end_a), (day_b, start_b, _) in zip(parsed, parsed[1:]):
        if day_a == day_b and start_b < end_a:
            raise DomainError("availability.overlap", weekday=day_a)
    return tuple(parsed)


# --------------------------------------------------------------------------- absences


def validate_absence(starts_at: datetime, ends_at: datetime, now: datetime) -> Absence:
    """An absence that ends in the future and lasts at most a year; ``absence.invalid`` otherwise."""
    start = require_aware(starts_at, "starts_at")
    end = require_aware(ends_at, "ends_at")
    if not start < end or end <= now or end - start > MAX_ABSENCE:
        raise DomainError("absence.invalid")
    return Absence(start, end)

"""Calendar arithmetic the domain needs (pure)."""

from __future__ import annotations

import calendar
from datetime import datetime

__all__ = ["add_months"]


def add_months(at: datetime, months: int) -> datetime:
    """``at`` plus ``months`` calendar months, the day clamped to the target month's end.

    31 January + 1 month is 28 (or 29) February: retention "12 months after closing" must
    never roll over into the month after.
    """
    if months < 0:
        raise ValueError("months must not be negative")
    index = at.month - 1 + months
    year, month = at.year + index // 12, index % 12 + 1
    day = min(at.day, calendar.monthrange(year, month)[1])
    return at.replace(year=year, month=month, day=day)

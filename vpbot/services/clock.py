"""The clock port: services ask it for "now" so tests can fix time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone


class Clock:
    """The real clock (aware UTC)."""

    def now(self) -> datetime:
        """The current moment, timezone-aware UTC."""
        return datetime.now(timezone.utc)


class FixedClock(Clock):
    """A clock that stands still until moved; for tests and simulations."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        """Move the clock forward by ``delta``."""
        self.at += delta

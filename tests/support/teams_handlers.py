"""A recording activity handler for tests of the Teams route (a fake, not a mock)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from plugins.teams.auth import TeamsClaims


@dataclass
class RecordingHandler:
    """Records every activity it is given; answers ``respond(activity)`` (default ``None``)."""

    respond: Callable[[dict[str, Any]], Mapping[str, Any] | None] = lambda _activity: None
    seen: list[tuple[dict[str, Any], TeamsClaims]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, activity: dict[str, Any], claims: TeamsClaims) -> Mapping[str, Any] | None:
        with self._lock:
            self.seen.append((activity, claims))
        return self.respond(activity)

    @property
    def activities(self) -> list[dict[str, Any]]:
        return [a for a, _ in self.seen]

"""Tenant settings: configuration an admin may change (never content)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from vpbot.domain.errors import DomainError

LANGUAGES = ("nl", "en")
MIN_RETENTION_MONTHS = 1
MAX_RETENTION_MONTHS = 120


@dataclass(frozen=True)
class TenantSettings:
    """Per-tenant settings with Dutch-practice defaults."""

    language: str = "nl"
    retention_months: int = 12
    aftercare_weeks: tuple[int, ...] = (2, 6, 12)
    anonymous_threads_allowed: bool = True
    # What happens to case data when the app is removed from the workspace/tenant:
    # "keep" (until retention ends; the app may be reinstalled) or "purge" (shred at once).
    on_uninstall: str = "keep"
    timezone: str = "Europe/Amsterdam"
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise DomainError("settings.invalid", field="language")
        if not MIN_RETENTION_MONTHS <= self.retention_months <= MAX_RETENTION_MONTHS:
            raise DomainError(
                "settings.invalid", field="retention_months",
                min=MIN_RETENTION_MONTHS, max=MAX_RETENTION_MONTHS,
            )
        weeks = tuple(self.aftercare_weeks)
        if len(weeks) > 6 or any(not 1 <= w <= 104 for w in weeks) or list(weeks) != sorted(set(weeks)):
            raise DomainError("settings.invalid", field="aftercare_weeks")
        if self.on_uninstall not in ("keep", "purge"):
            raise DomainError("settings.invalid", field="on_uninstall")

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict for the tenants.settings column."""
        data = asdict(self)
        data["aftercare_weeks"] = list(self.aftercare_weeks)
        data.pop("extra")
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> TenantSettings:
        """Settings from the stored column; unknown keys are ignored, missing ones defaulted."""
        data = dict(data or {})
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data and k != "extra"}
        if "aftercare_weeks" in known:
            known["aftercare_weeks"] = tuple(int(w) for w in known["aftercare_weeks"])
        return cls(**known)

"""Checking what people type or pick into forms: texts, numbers, moments (pure).

Each check raises a typed :class:`DomainError` naming the field, never echoing the value.
"""

from __future__ import annotations

from datetime import datetime, timezone

from vpbot.domain.cases import require_text
from vpbot.domain.errors import DomainError

__all__ = ["int_within", "optional_text", "require_aware"]


def optional_text(
    text: str | None, *, field: str, max_length: int, too_long_key: str = "input.too_long"
) -> str:
    """``text`` stripped, ``""`` when absent or blank; ``too_long_key`` when too long."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return ""
    return require_text(text, field=field, max_length=max_length, too_long_key=too_long_key)


def int_within(value: object, low: int, high: int) -> bool:
    """Whether ``value`` is an int (not a bool: ``True`` minutes is surely a bug) in ``[low, high]``."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def require_aware(value: object, field: str) -> datetime:
    """``value`` as an aware UTC datetime; ``input.invalid`` for anything else.

    A naive time from an adapter is a bug that would silently shift an appointment by
    the server's offset, so it is refused rather than guessed.
    """
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise DomainError("input.invalid", field=field)
    return value.astimezone(timezone.utc)

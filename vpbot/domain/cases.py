"""Case lifecycle rules: statuses and transitions, categories, notes, disclosures.

Pure rules (no database): the services in ``vpbot.services.cases`` apply them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType

from vpbot.domain.dates import add_months
from vpbot.domain.errors import DomainError

__all__ = [
    "CATEGORIES",
    "MAX_JUSTIFICATION_LENGTH",
    "MAX_NOTE_LENGTH",
    "MIN_JUSTIFICATION_LENGTH",
    "UNDISCLOSED",
    "CaseStatus",
    "Category",
    "DisclosureReason",
    "check_transition",
    "purge_after",
    "require_text",
    "validate_categories",
    "validate_justification",
    "validate_note",
    "validate_reason",
]


class CaseStatus(enum.StrEnum):
    """Where a case is in its life. Stored in ``cases.status``."""

    OPEN = "open"
    CLOSED = "closed"
    PURGED = "purged"


# A closed case may be reopened (the employee comes back within retention); a purged case
# is crypto-shredded and final. Purging an open case happens only on uninstall with
# "purge" or an erasure request, so it is allowed here and decided by the caller.
_TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = MappingProxyType(
    {
        CaseStatus.OPEN: frozenset({CaseStatus.CLOSED, CaseStatus.PURGED}),
        CaseStatus.CLOSED: frozenset({CaseStatus.OPEN, CaseStatus.PURGED}),
        CaseStatus.PURGED: frozenset(),
    }
)


def check_transition(current: str, target: CaseStatus) -> CaseStatus:
    """``target`` if a case in ``current`` may move there; else ``case.invalid_transition``."""
    if target not in _TRANSITIONS[CaseStatus(current)]:
        raise DomainError("case.invalid_transition", status=str(current))
    return target


class Category(enum.StrEnum):
    """Registration categories, for anonymised statistics only (DESIGN §1).

    Dutch names; values match ``vpbot.ui.options.CATEGORY_VALUES`` (labels
    ``category.<value>``), as ``ReferralKind`` does for referral types.
    """

    PESTEN = "bullying"
    SEKSUELE_INTIMIDATIE = "harassment"
    AGRESSIE_GEWELD = "aggression"
    DISCRIMINATIE = "discrimination"
    WERKDRUK = "workload"
    INTEGRITEIT = "integrity"
    OVERIG = "other"
    ZEG_IK_LIEVER_NIET = "undisclosed"


# The single definition of the stored category values: booking, cases and reports import it.
CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)
UNDISCLOSED: str = Category.ZEG_IK_LIEVER_NIET.value


def validate_categories(values: Iterable[str]) -> tuple[str, ...]:
    """Known categories in the canonical order, without duplicates.

    "Zeg ik liever niet" excludes every other category: counting a case both as
    undisclosed and as, say, pesten would make the annual report contradict itself.
    """
    chosen = set(values)
    if chosen - set(CATEGORIES):
        raise DomainError("input.invalid", field="categories")
    if UNDISCLOSED in chosen and len(chosen) > 1:
        raise DomainError("input.invalid", field="categories")
    return tuple(c for c in CATEGORIES if c in chosen)


MAX_NOTE_LENGTH = 5000
MIN_JUSTIFICATION_LENGTH = 20
MAX_JUSTIFICATION_LENGTH = 5000


def require_text(text: str, *, field: str, max_length: int, too_long_key: str) -> str:
    """``text`` without surrounding whitespace; ``input.invalid`` if empty, too long -> key."""
    if not isinstance(text, str) or not text.strip():
        raise DomainError("input.invalid", field=field)
    cleaned = text.strip()
    if len(cleaned) > max_length:
        raise DomainError(too_long_key, max=max_length)
    return cleaned


def validate_note(text: str) -> str:
    """A case note: not empty, at most :data:`MAX_NOTE_LENGTH` characters."""
    return require_text(text, field="note", max_length=MAX_NOTE_LENGTH, too_long_key="note.too_long")


class DisclosureReason(enum.StrEnum):
    """The only two grounds on which an adviser may break confidentiality."""

    ACUTE_DANGER = "acute_danger"
    LEGAL_DUTY = "legal_duty"


def validate_reason(reason: str) -> DisclosureReason:
    """The disclosure reason, or ``input.invalid``."""
    try:
        return DisclosureReason(reason)
    except ValueError:
        raise DomainError("input.invalid", field="reason") from None


def validate_justification(text: str | None) -> str:
    """A disclosure's justification: required, and long enough to actually explain.

    Breaking confidentiality is rare and must be accountable, so "zie boven" is not enough.
    """
    cleaned = text.strip() if isinstance(text, str) else ""
    if len(cleaned) < MIN_JUSTIFICATION_LENGTH:
        raise DomainError("disclosure.justification_required", min=MIN_JUSTIFICATION_LENGTH)
    if len(cleaned) > MAX_JUSTIFICATION_LENGTH:
        raise DomainError("note.too_long", max=MAX_JUSTIFICATION_LENGTH)
    return cleaned


def purge_after(closed_at: datetime, retention_months: int) -> datetime:
    """When a closed case's content is shredded: ``retention_months`` after closing."""
    return add_months(closed_at, retention_months)

"""Retention rules: when a closed case is shredded, and when its adviser is warned (pure).

A case's content is kept for the tenant's retention period after it closes (default 12
months; ``purge_after`` is computed at close by :func:`vpbot.domain.cases.purge_after`) and
then crypto-shredded (DESIGN.md C7). The adviser hears about it once, a week before, so they
can finish up or ask for a legal hold. A legal hold stops the purge for as long as it lasts;
once lifted, the next retention run purges a case whose time has come, without a second
warning week (retention is a duty, not a preference).
"""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["PURGE_WARNING_LEAD", "is_purge_due", "is_warning_due", "warning_at"]

PURGE_WARNING_LEAD = timedelta(days=7)
_CLOSED = "closed"


def warning_at(purge_after: datetime) -> datetime:
    """When the adviser is warned that a case will be purged at ``purge_after``."""
    return purge_after - PURGE_WARNING_LEAD


def is_purge_due(
    status: str, purge_after: datetime | None, legal_hold: bool, now: datetime
) -> bool:
    """Whether a case must be shredded now: closed, its time has come, and not on hold.

    Open cases are never purged by retention, whatever their ``purge_after`` says (a case
    reopened before its purge date keeps its content).
    """
    return status == _CLOSED and purge_after is not None and purge_after <= now and not legal_hold


def is_warning_due(
    status: str,
    purge_after: datetime | None,
    legal_hold: bool,
    warned_at: datetime | None,
    now: datetime,
) -> bool:
    """Whether the adviser should get the purge warning now (once per case).

    No warning while a legal hold stands (no purge is coming), nor once the purge date has
    passed (the case is purged in the same run; a warning would arrive after the fact).
    A warning counts for the purge date it announced: if the case was reopened and closed
    again, its new, later date gets its own warning even if nobody reset ``warned_at``.
    """
    if status != _CLOSED or purge_after is None or legal_hold:
        return False
    starts = warning_at(purge_after)
    if warned_at is not None and warned_at >= starts:
        return False
    return starts <= now < purge_after

"""Anonymous statistics: what one case contributes to the annual report (pure).

A case contributes counts only — never text, never who — to the period (year, quarter) in
which it was opened. The same function serves a live case (counted from its rows) and a case
about to be shredded (its counts folded into ``aggregate_counts`` first), so the report is
identical before and after a purge.

Metrics and their dimensions:

- ``cases``: ``all``
- ``cases_by_category``: each registration category, or ``none``
- ``appointments``: by mode (cancelled appointments are not counted)
- ``referrals_by_kind``: by referral kind; ``referrals_by_status``: by final status
- ``checkins``: by answer (``good`` / ``talk`` / ``stop``) or ``unanswered``
- ``disclosures``: by reason
- ``contact_to_first_appointment_days``: ``sum`` and ``count`` (the average is sum / count)
- ``first_appointment_days``: a histogram — the number of whole days from first contact to
  the first appointment, as the dimension (capped at :data:`MAX_DAYS`), one count per case.
  Counts only, no ids: the median survives a purge exactly.
- ``cases_by_adviser``: ``internal`` / ``external`` (the case's adviser, when it is counted)
- ``threads``: ``all`` — secure message threads (a contact without an appointment)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

__all__ = [
    "AppointmentFact",
    "CaseFacts",
    "Contribution",
    "METRICS",
    "as_report",
    "contribution",
    "period_of",
]

Contribution = Counter[tuple[str, str]]  # (metric, dimension) -> count

METRICS: tuple[str, ...] = (
    "cases",
    "cases_by_category",
    "appointments",
    "referrals_by_kind",
    "referrals_by_status",
    "checkins",
    "disclosures",
    "contact_to_first_appointment_days",
    "first_appointment_days",
    "cases_by_adviser",
    "threads",
)
NO_CATEGORY = "none"
UNANSWERED = "unanswered"
_SECONDS_PER_DAY = 86_400
# Longer waits are counted as this many days: a dimension stays short, the median exact below it.
MAX_DAYS = 366
INTERNAL, EXTERNAL = "internal", "external"


@dataclass(frozen=True)
class AppointmentFact:
    """What statistics need of one appointment."""

    starts_at: datetime
    mode: str
    cancelled: bool


@dataclass(frozen=True)
class CaseFacts:
    """What statistics need of one case: values only, no content."""

    opened_at: datetime
    categories: tuple[str, ...] = ()
    appointments: tuple[AppointmentFact, ...] = ()
    referrals: tuple[tuple[str, str], ...] = ()  # (kind, status)
    checkin_answers: tuple[str | None, ...] = ()
    disclosure_reasons: tuple[str, ...] = ()
    # None when unknown (then not counted); services always know it.
    external_adviser: bool | None = None
    threads: int = 0


def period_of(moment: datetime, tz: str) -> tuple[int, int]:
    """The (year, quarter) of ``moment`` on the calendar of ``tz`` (the tenant's)."""
    local = moment.astimezone(ZoneInfo(tz))
    return local.year, (local.month - 1) // 3 + 1


def contribution(facts: CaseFacts) -> Contribution:
    """The counts one case adds to its period's figures."""
    counts: Contribution = Counter()
    counts["cases", "all"] += 1
    if facts.external_adviser is not None:
        counts["cases_by_adviser", EXTERNAL if facts.external_adviser else INTERNAL] += 1
    if facts.threads:
        counts["threads", "all"] += facts.threads
    for category in facts.categories or (NO_CATEGORY,):
        counts["cases_by_category", category] += 1
    held = [a for a in facts.appointments if not a.cancelled]
    for appointment in held:
        counts["appointments", appointment.mode] += 1
    if held:
        first = min(a.starts_at for a in held)
        seconds = (first - facts.opened_at).total_seconds()
        days = max(0, int(seconds // _SECONDS_PER_DAY))
        counts["contact_to_first_appointment_days", "sum"] += days
        counts["contact_to_first_appointment_days", "count"] += 1
        counts["first_appointment_days", str(min(days, MAX_DAYS))] += 1
    for kind, status in facts.referrals:
        counts["referrals_by_kind", kind] += 1
        counts["referrals_by_status", status] += 1
    for answer in facts.checkin_answers:
        counts["checkins", answer or UNANSWERED] += 1
    for reason in facts.disclosure_reasons:
        counts["disclosures", reason] += 1
    return counts


def as_report(rows: Iterable[tuple[str, str, int]]) -> dict[str, dict[str, int]]:
    """``{metric: {dimension: value}}`` from (metric, dimension, value) rows, zeros left out."""
    report: dict[str, dict[str, int]] = {}
    for metric, dimension, value in rows:
        if value:
            bucket = report.setdefault(metric, {})
            bucket[dimension] = bucket.get(dimension, 0) + value
    return report

"""Statistics that survive crypto-shredding (DESIGN.md §1 jaarverslag, C7).

Every case counts exactly once: while it lives, from its own rows; once purged, from the
anonymous ``aggregate_counts`` it was folded into just before its rows were deleted. Folding
and marking the case ``purged`` happen in one transaction (:func:`vpbot.services.retention.purge_case`),
so a case is never counted twice nor lost, and the figures are the same before and after a
purge. Only counts are stored, per tenant and quarter — never text, never a person.

Small counts are not suppressed here: this is the raw material; the report that is shown
to an admin suppresses them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from vpbot.domain.statistics import (
    AppointmentFact,
    CaseFacts,
    as_report,
    contribution,
    period_of,
)
from vpbot.services.tenants import tenant_settings
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import (
    AggregateCount,
    Adviser,
    Appointment,
    Case,
    CheckIn,
    Disclosure,
    Referral,
    Thread,
    new_id,
)

__all__ = ["QuarterlyFigures", "case_facts", "fold_case", "quarterly_statistics", "tenant_statistics"]

# quarter (1-4) -> {metric: {dimension: count}}
QuarterlyFigures = dict[int, dict[str, dict[str, int]]]

_PURGED = "purged"
# Cases folded in this transaction; guards a second fold before the case is marked purged.
_FOLDED_KEY = "vpbot.statistics.folded"


def case_facts(uow: UnitOfWork, cases: Sequence[Case]) -> dict[str, CaseFacts]:
    """The statistical facts of ``cases`` (by case id), loaded in a few queries."""
    ids = [case.id for case in cases]
    appointments: dict[str, list[AppointmentFact]] = defaultdict(list)
    referrals: dict[str, list[tuple[str, str]]] = defaultdict(list)
    answers: dict[str, list[str | None]] = defaultdict(list)
    reasons: dict[str, list[str]] = defaultdict(list)
    threads: dict[str, int] = defaultdict(int)
    external: dict[str, bool] = {}
    if ids:
        for adviser_id, is_external in uow.session.execute(
            select(Adviser.id, Adviser.is_external).where(Adviser.id.in_({c.adviser_id for c in cases}))
        ):
            external[adviser_id] = is_external
        for case_id, starts_at, mode, status in uow.session.execute(
            select(Appointment.case_id, Appointment.starts_at, Appointment.mode, Appointment.status)
            .where(Appointment.case_id.in_(ids))
        ):
            appointments[case_id].append(AppointmentFact(starts_at, mode, status == "cancelled"))
        for case_id, kind, status in uow.session.execute(
            select(Referral.case_id, Referral.kind, Referral.status).where(Referral.case_id.in_(ids))
        ):
            referrals[case_id].append((kind, status))
        for case_id, answer in uow.session.execute(
            select(CheckIn.case_id, CheckIn.answer).where(CheckIn.case_id.in_(ids))
        ):
            answers[case_id].append(answer)
        for case_id, reason in uow.session.execute(
            select(Disclosure.case_id, Disclosure.reason).where(Disclosure.case_id.in_(ids))
        ):
            reasons[case_id].append(reason)
        for case_id, count in uow.session.execute(
            select(Thread.case_id, func.count()).where(Thread.case_id.in_(ids)).group_by(Thread.case_id)
        ):
            threads[case_id] = int(count)
    return {
        case.id: CaseFacts(
            opened_at=case.opened_at,
            categories=tuple(case.categories or ()),
            # Sorted so that a case's facts do not depend on the database's row order.
            appointments=tuple(sorted(appointments[case.id], key=lambda a: (a.starts_at, a.mode))),
            referrals=tuple(sorted(referrals[case.id])),
            checkin_answers=tuple(sorted(answers[case.id], key=lambda a: a or "")),
            disclosure_reasons=tuple(sorted(reasons[case.id])),
            external_adviser=external.get(case.adviser_id),
            threads=threads[case.id],
        )
        for case in cases
    }


def fold_case(uow: UnitOfWork, case: Case) -> bool:
    """Add ``case``'s counts to its tenant's aggregates; ``False`` if already folded.

    Call it only right before the case's rows are deleted and it is marked ``purged`` in
    the same transaction (as :func:`vpbot.services.retention.purge_case` does): from then on
    the live figures skip it and the aggregates carry it.
    """
    folded: set[str] = uow.session.info.setdefault(_FOLDED_KEY, set())
    if case.status == _PURGED or case.id in folded:
        return False
    tz = tenant_settings(uow, case.tenant_id).timezone
    year, quarter = period_of(case.opened_at, tz)
    counts = contribution(case_facts(uow, [case])[case.id])
    for (metric, dimension), value in sorted(counts.items()):
        _add(uow, case.tenant_id, year, quarter, metric, dimension, value)
    folded.add(case.id)
    return True


def _add(
    uow: UnitOfWork, tenant_id: str, year: int, quarter: int, metric: str, dimension: str, value: int
) -> None:
    """Atomically add ``value`` to one aggregate (an upsert: concurrent folds never collide)."""
    insert = postgresql_insert if uow.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(AggregateCount).values(
        id=new_id(), tenant_id=tenant_id, year=year, quarter=quarter,
        metric=metric, dimension=dimension, value=value,
    )
    statement = statement.on_conflict_do_update(
        index_elements=["tenant_id", "year", "quarter", "metric", "dimension"],
        set_={"value": AggregateCount.value + statement.excluded.value},
    )
    uow.session.execute(statement)


def tenant_statistics(uow: UnitOfWork, tenant_id: str, year: int) -> dict[str, dict[str, int]]:
    """The tenant's raw figures for ``year``: ``{metric: {dimension: count}}``.

    Live (not yet purged) cases are counted from their rows; purged ones from the folded
    aggregates. Callers add role checks and small-count suppression.
    """
    per_quarter = quarterly_statistics(uow, tenant_id, year)
    return as_report(
        (metric, dimension, value)
        for figures in per_quarter.values()
        for metric, counts in figures.items()
        for dimension, value in counts.items()
    )


def quarterly_statistics(uow: UnitOfWork, tenant_id: str, year: int) -> QuarterlyFigures:
    """The tenant's raw figures for ``year`` per quarter of the tenant's calendar.

    A case counts in the quarter in which it was opened (its first contact), with
    everything that followed; the same rule as the folded aggregates, so the figures do
    not change when a case is purged. Quarters without figures are left out.
    """
    tz = tenant_settings(uow, tenant_id).timezone
    # A day of slack on both sides: the tenant's calendar year is not the UTC one.
    start = datetime(year - 1, 12, 31, tzinfo=timezone.utc)
    end = datetime(year + 1, 1, 2, tzinfo=timezone.utc)
    live = [
        case
        for case in uow.session.scalars(
            select(Case).where(
                Case.tenant_id == tenant_id,
                Case.status != _PURGED,
                Case.opened_at >= start,
                Case.opened_at < end,
            )
        )
        if period_of(case.opened_at, tz)[0] == year
    ]
    rows: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
    facts = case_facts(uow, live)
    for case in live:
        quarter = period_of(case.opened_at, tz)[1]
        rows[quarter].extend((m, d, v) for (m, d), v in contribution(facts[case.id]).items())
    folded = uow.session.execute(
        select(AggregateCount.quarter, AggregateCount.metric, AggregateCount.dimension, AggregateCount.value)
        .where(AggregateCount.tenant_id == tenant_id, AggregateCount.year == year)
    )
    for quarter, metric, dimension, value in folded:
        rows[int(quarter)].append((metric, dimension, int(value or 0)))
    figures = {quarter: as_report(quarter_rows) for quarter, quarter_rows in sorted(rows.items())}
    return {quarter: report for quarter, report in figures.items() if report}

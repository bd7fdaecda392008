"""The annual report (jaarverslag) and an adviser's own numbers.

The admin panel and ``vpbot report`` both call :func:`tenant_report`, so they show the same
figures: anonymous counts for the quarters that are over, with small counts suppressed so
that none can be traced to a person (:mod:`vpbot.domain.report`). An admin sees them; an
operator prints them (audited). An adviser sees their own caseload exactly — every case in
it is theirs anyway — and nothing of anyone else's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select

from vpbot.domain.cases import CaseStatus
from vpbot.domain.report import build_report, reportable_quarters
from vpbot.domain.report_model import (
    QUARTERS,
    AnnualReport,
    Counts,
    Table,
    TableKey,
    exact_table,
    quarter_column,
)
from vpbot.domain.statistics import period_of
from vpbot.services import statistics
from vpbot.services.aftercare import SCHEDULED
from vpbot.services.actor import Actor, Role, SystemActor
from vpbot.services.tenants import tenant_settings
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import Case, CheckIn, Tenant

__all__ = [
    "CHECKINS_AHEAD",
    "AdviserNumbers",
    "adviser_numbers",
    "annual_report",
    "current_year",
    "find_tenants",
    "record_printed",
    "tenant_report",
]

# "Check-ins due": those waiting for an answer, and those coming in the next four weeks.
CHECKINS_AHEAD = timedelta(weeks=4)
OPENED = "opened"


@dataclass(frozen=True)
class AdviserNumbers:
    """An adviser's own numbers: exact, for their eyes only."""

    year: int
    caseload: int  # cases opened this year (open, closed or already purged)
    open_cases: int
    checkins_due: int
    per_quarter: Table  # their cases opened per quarter this year


def current_year(uow: UnitOfWork, tenant_id: str) -> int:
    """This year on the tenant's calendar."""
    return period_of(uow.now, tenant_settings(uow, tenant_id).timezone)[0]


def tenant_report(uow: UnitOfWork, tenant_id: str, year: int) -> AnnualReport:
    """The tenant's annual report for ``year`` (no role check: callers decide who may see it)."""
    tz = tenant_settings(uow, tenant_id).timezone
    figures = statistics.quarterly_statistics(uow, tenant_id, year)
    return build_report(year, figures, reportable_quarters(year, uow.now, tz))


def annual_report(uow: UnitOfWork, actor: Actor, year: int) -> AnnualReport:
    """The annual report of the admin's own tenant."""
    actor.require(Role.ADMIN)
    return tenant_report(uow, actor.tenant_id, year)


def find_tenants(uow: UnitOfWork, reference: str) -> list[str]:
    """The ids of the tenants ``reference`` names: vpbot's tenant id, or a Slack workspace /
    enterprise id or Teams tenant id (one per platform it is installed on)."""
    return sorted(
        uow.session.scalars(
            select(Tenant.id).where(or_(Tenant.id == reference, Tenant.external_id == reference))
        )
    )


def record_printed(uow: UnitOfWork, tenant_id: str, year: int) -> None:
    """Audit that an operator printed the tenant's report for ``year``."""
    uow.audit(SystemActor("cli", tenant_id), "report.printed", "annual_report", f"{tenant_id}:{year}")


def adviser_numbers(uow: UnitOfWork, actor: Actor) -> AdviserNumbers:
    """The acting adviser's caseload this year, open cases and check-ins due."""
    adviser_id = actor.require_adviser()
    tz = tenant_settings(uow, actor.tenant_id).timezone
    year = period_of(uow.now, tz)[0]
    per_quarter = dict.fromkeys(QUARTERS, 0)
    open_cases = 0
    for opened_at, status in uow.session.execute(
        select(Case.opened_at, Case.status).where(
            Case.tenant_id == actor.tenant_id, Case.adviser_id == adviser_id
        )
    ):
        open_cases += status == CaseStatus.OPEN
        case_year, quarter = period_of(opened_at, tz)
        if case_year == year:
            per_quarter[quarter] += 1
    due = uow.session.scalar(
        select(func.count())
        .select_from(CheckIn)
        .join(Case, Case.id == CheckIn.case_id)
        .where(
            Case.tenant_id == actor.tenant_id,
            Case.adviser_id == adviser_id,
            CheckIn.status == SCHEDULED,
            CheckIn.due_at <= uow.now + CHECKINS_AHEAD,
        )
    )
    counts = Counts(
        TableKey.OWN_CASES,
        (OPENED,),
        tuple(quarter_column(q) for q in QUARTERS),
        {(OPENED, quarter_column(q)): n for q, n in per_quarter.items() if n},
    )
    return AdviserNumbers(year, sum(per_quarter.values()), open_cases, int(due or 0), exact_table(counts))

"""Scheduling and cancelling aftercare check-ins (nazorg) for closed cases.

Called from the case use cases (``close_case``, ``reopen_case``), inside their unit of work
and under their audit event. The database is the schedule: each check-in is a ``checkins``
row plus a content-free outbox row due at the check-in time; the dispatcher delivers it.
Answering check-ins lives in ``vpbot.services.checkins``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from vpbot.domain.aftercare import checkin_due_at
from vpbot.services import outbox
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import Case, CheckIn, new_id
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType

SCHEDULED = "scheduled"
CANCELLED = "cancelled"


def checkin_dedupe_key(checkin_id: str) -> str:
    """The outbox dedupe key of a check-in's notification (one notification per check-in)."""
    return f"checkin:{checkin_id}"


def schedule_checkins(
    uow: UnitOfWork, case: Case, weeks: Iterable[int], employee_tz: str
) -> list[CheckIn]:
    """One check-in per value of ``weeks`` after ``case.closed_at``, each with its notification.

    Nothing is scheduled for a case whose employee no longer exists (there is nobody to ask).
    """
    if case.closed_at is None:
        raise ValueError("check-ins are scheduled for closed cases only")
    if case.employee_id is None:
        return []
    scheduled: list[CheckIn] = []
    for week in weeks:
        due_at = checkin_due_at(case.closed_at, week, employee_tz)
        checkin = CheckIn(
            id=new_id(), tenant_id=case.tenant_id, case_id=case.id, due_at=due_at, status=SCHEDULED
        )
        uow.session.add(checkin)
        uow.notify(
            case.tenant_id,
            case.employee_id,
            Notification(NotificationKind.CHECKIN_DUE, ref=ObjectRef(ObjectType.CHECKIN, checkin.id)),
            due_at=due_at,
            dedupe_key=checkin_dedupe_key(checkin.id),
        )
        scheduled.append(checkin)
    uow.session.flush()
    return scheduled


def cancel_pending_checkins(uow: UnitOfWork, case: Case) -> int:
    """Cancel the case's check-ins not yet answered or cancelled, and their unsent notifications.

    Returns how many check-ins were cancelled. A notification already delivered stays
    delivered; its check-in is cancelled so a late answer no longer counts.
    """
    pending = uow.session.scalars(
        select(CheckIn).where(CheckIn.case_id == case.id, CheckIn.status == SCHEDULED)
    ).all()
    for checkin in pending:
        checkin.status = CANCELLED
        outbox.cancel_pending(uow.session, checkin_dedupe_key(checkin.id))
    return len(pending)

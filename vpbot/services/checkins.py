"""Answering aftercare check-ins (nazorg); scheduling them is :mod:`vpbot.services.aftercare`.

The employee answers a check-in once, with one of three buttons:

- ``good``: nothing more happens;
- ``talk``: their adviser gets a content-free notification and will reach out; the employee
  can also book an appointment right away;
- ``stop``: the case's remaining check-ins are cancelled, with their unsent notifications.

Only the employee of the check-in's case can answer it (``not_found`` for anyone else).
A check-in cancelled earlier (by ``stop``, or because the case was reopened) no longer
takes answers (``checkin.cancelled``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from vpbot.domain.errors import DomainError, NotFound
from vpbot.services import aftercare, casefile, outbox
from vpbot.services.actor import Actor, Role
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import Adviser, Case, CheckIn
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType

__all__ = ["ANSWERS", "CheckInOutcome", "CheckInView", "answer_checkin", "my_checkins"]

ANSWERS: tuple[str, ...] = ("good", "talk", "stop")
ANSWERED = "answered"


@dataclass(frozen=True)
class CheckInView:
    """A check-in as the employee sees it."""

    id: str
    case_reference: str
    due_at: datetime
    status: str
    answer: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class CheckInOutcome:
    """What answering did."""

    checkin: CheckInView
    adviser_notified: bool
    cancelled_checkins: int


def answer_checkin(uow: UnitOfWork, actor: Actor, checkin_id: str, answer: str) -> CheckInOutcome:
    """Record the employee's answer to one of their check-ins (once)."""
    if answer not in ANSWERS:
        raise DomainError("input.invalid", field="answer")
    row = uow.session.execute(
        _employee_query(actor).where(CheckIn.id == checkin_id).with_for_update(of=CheckIn)
    ).first()
    if row is None:
        raise NotFound()
    checkin, case = row
    if checkin.answer is not None:
        raise DomainError("checkin.already_answered")
    if checkin.status == aftercare.CANCELLED:
        raise DomainError("checkin.cancelled")
    checkin.answer, checkin.answered_at, checkin.status = answer, uow.now, ANSWERED
    # Answered early (before its notification went out): that notification is moot now.
    outbox.cancel_pending(uow.session, aftercare.checkin_dedupe_key(checkin.id))
    uow.session.flush()
    notified = answer == "talk" and _notify_adviser(uow, case, checkin)
    cancelled = aftercare.cancel_pending_checkins(uow, case) if answer == "stop" else 0
    # Which button was pressed is not recorded here: the answer lives on the check-in only.
    uow.audit(actor, "checkin.answered", "checkin", checkin.id, role=Role.EMPLOYEE.value)
    return CheckInOutcome(_view(checkin, case), notified, cancelled)


def my_checkins(uow: UnitOfWork, actor: Actor) -> list[CheckInView]:
    """The employee's check-ins (scheduled, answered and cancelled), by due date."""
    rows = uow.session.execute(
        _employee_query(actor).order_by(CheckIn.due_at, CheckIn.id)
    ).all()
    return [_view(checkin, case) for checkin, case in rows]


def _employee_query(actor: Actor) -> Select[tuple[CheckIn, Case]]:
    return (
        select(CheckIn, Case)
        .join(Case, Case.id == CheckIn.case_id)
        .where(casefile.employee_cases(actor))
    )


def _notify_adviser(uow: UnitOfWork, case: Case, checkin: CheckIn) -> bool:
    adviser = uow.session.get(Adviser, case.adviser_id)
    if adviser is None:
        return False
    uow.notify(
        case.tenant_id,
        adviser.person_id,
        Notification(NotificationKind.CHECKIN_ANSWERED_WANTS_TALK, ref=ObjectRef(ObjectType.CASE, case.id)),
        # Not "checkin:<id>": that prefix is the check-in's own notification, cancelled above.
        dedupe_key=f"checkin-talk:{checkin.id}",
    )
    return True


def _view(checkin: CheckIn, case: Case) -> CheckInView:
    return CheckInView(
        id=checkin.id,
        case_reference=case.reference,
        due_at=checkin.due_at,
        status=checkin.status,
        answer=checkin.answer,
        answered_at=checkin.answered_at,
    )

"""Retention and crypto-shredding (DESIGN.md C4, C7).

:func:`purge_case` is THE shredding routine: retention (:func:`purge_due`) and an
employee's erasure request (:func:`vpbot.services.data_rights.delete_my_data`) both use it.
It folds the case's anonymous counts into the statistics, cancels notifications still
waiting about the case, deletes every content row (notes, messages, appointments and their
notes, referrals with their share texts and consents, check-ins, disclosures with their
justifications), deletes the case key — after which any copy of a ciphertext, in a backup or
elsewhere, can never be decrypted again — and keeps only a husk: the case row marked
``purged``, without employee, key or categories, so audit events still point somewhere.

:func:`purge_due` is the nightly system job: it warns each adviser once, a week before one
of their closed cases is purged (content-free ``PURGE_WARNING``), and purges the closed
cases whose time has come, unless a legal hold stands.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from vpbot.domain.errors import DomainError
from vpbot.domain.retention import PURGE_WARNING_LEAD, is_purge_due, is_warning_due
from vpbot.services import outbox, statistics
from vpbot.services.actor import Actor, SystemActor
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import (
    Adviser,
    Appointment,
    Case,
    CaseNote,
    CheckIn,
    Consent,
    Disclosure,
    OutboxItem,
    Referral,
    Thread,
    ThreadMessage,
)
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType

__all__ = ["PurgeReport", "purge_case", "purge_due", "purge_warning_dedupe_key"]

_CLOSED = "closed"
_PURGED = "purged"
RETENTION = "retention"


@dataclass(frozen=True)
class PurgeReport:
    """What one retention run did (counts only)."""

    purged: int
    warned: int
    held: int  # closed cases past their purge date, kept because of a legal hold


def purge_case(
    uow: UnitOfWork, case: Case, actor: Actor | SystemActor, *, role: str | None = None
) -> bool:
    """Crypto-shred ``case``; ``False`` if it was already purged.

    ``role`` is the acting person's role for the audit event (system actors have none).

    The caller decides whether the case may go (retention date reached, or the employee's
    own erasure request) and should lock the row; a legal hold is refused here as well
    (``retention.legal_hold``), so no caller can shred held data by mistake.
    """
    if case.status == _PURGED:
        return False
    if case.legal_hold:
        raise DomainError("retention.legal_hold")
    # Counts first, while the rows they come from still exist.
    statistics.fold_case(uow, case)
    _cancel_notifications_about(uow, case.tenant_id, _object_ids(uow, case))
    threads = select(Thread.id).where(Thread.case_id == case.id).scalar_subquery()
    referrals = select(Referral.id).where(Referral.case_id == case.id).scalar_subquery()
    for statement in (
        delete(ThreadMessage).where(ThreadMessage.thread_id.in_(threads)),
        delete(Thread).where(Thread.case_id == case.id),
        delete(Consent).where(Consent.referral_id.in_(referrals)),
        delete(Referral).where(Referral.case_id == case.id),
        delete(CaseNote).where(CaseNote.case_id == case.id),
        delete(Disclosure).where(Disclosure.case_id == case.id),
        delete(CheckIn).where(CheckIn.case_id == case.id),
        delete(Appointment).where(Appointment.case_id == case.id),
    ):
        uow.session.execute(statement.execution_options(synchronize_session="fetch"))
    key_id = case.case_key_id
    case.case_key_id = None
    case.status = _PURGED
    case.purged_at = uow.now
    case.employee_id = None
    case.categories = []  # folded into the statistics; the husk says nothing
    uow.session.flush()
    if key_id is not None:
        uow.keys.shred_case_key(key_id)
    uow.audit(actor, "case.purged", "case", case.id, role=role)
    return True


def purge_due(uow: UnitOfWork, now: datetime) -> PurgeReport:
    """The retention job: warn a week ahead (once), then purge closed cases that are due.

    Runs as ``SystemActor("retention")``; each audit event names the case's tenant.
    """
    warned = sum(1 for case in _warning_candidates(uow, now) if _warn(uow, case, now))
    purged = 0
    for case_id in _due_case_ids(uow, now):
        case = _lock(uow, case_id)
        if case is not None and is_purge_due(case.status, case.purge_after, case.legal_hold, now):
            purged += purge_case(uow, case, SystemActor(RETENTION, case.tenant_id))
    held = uow.session.scalar(
        select(func.count()).select_from(Case).where(
            Case.status == _CLOSED, Case.purge_after <= now, Case.legal_hold.is_(True)
        )
    )
    return PurgeReport(purged=purged, warned=warned, held=int(held or 0))


def purge_warning_dedupe_key(case: Case) -> str:
    """One warning per case and announced purge date."""
    assert case.purge_after is not None
    return f"purge-warning:{case.id}:{case.purge_after:%Y%m%d%H%M}"


# --------------------------------------------------------------------------- helpers


def _warning_candidates(uow: UnitOfWork, now: datetime) -> list[Case]:
    return list(
        uow.session.scalars(
            select(Case)
            .where(
                Case.status == _CLOSED,
                Case.legal_hold.is_(False),
                Case.purge_after > now,
                Case.purge_after <= now + PURGE_WARNING_LEAD,
            )
            .order_by(Case.purge_after, Case.id)
        )
    )


def _warn(uow: UnitOfWork, case: Case, now: datetime) -> bool:
    if not is_warning_due(case.status, case.purge_after, case.legal_hold, case.purge_warned_at, now):
        return False
    assert case.purge_after is not None
    case.purge_warned_at = now
    adviser = uow.session.get(Adviser, case.adviser_id)
    if adviser is not None:
        outbox.enqueue_once(
            uow.session,
            case.tenant_id,
            adviser.person_id,
            Notification(
                NotificationKind.PURGE_WARNING, at=case.purge_after, ref=ObjectRef(ObjectType.CASE, case.id)
            ),
            due_at=now,
            dedupe_key=purge_warning_dedupe_key(case),
        )
    uow.audit(SystemActor(RETENTION, case.tenant_id), "case.purge_warned", "case", case.id)
    return True


def _due_case_ids(uow: UnitOfWork, now: datetime) -> list[str]:
    return list(
        uow.session.scalars(
            select(Case.id)
            .where(Case.status == _CLOSED, Case.legal_hold.is_(False), Case.purge_after <= now)
            .order_by(Case.purge_after, Case.id)
        )
    )


def _lock(uow: UnitOfWork, case_id: str) -> Case | None:
    """The case, locked and re-read; ``None`` while another worker holds it (PostgreSQL)."""
    return uow.session.scalars(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).first()


def _object_ids(uow: UnitOfWork, case: Case) -> set[str]:
    """The ids of the case and everything in it that a notification might point at."""
    ids = {case.id}
    for model in (Thread, Referral, CheckIn, Disclosure, Appointment):
        ids.update(uow.session.scalars(select(model.id).where(model.case_id == case.id)))
    return ids


def _cancel_notifications_about(uow: UnitOfWork, tenant_id: str, object_ids: Iterable[str]) -> int:
    """Cancel unsent notifications (to anyone) that point at one of ``object_ids``."""
    wanted = set(object_ids)
    cancelled = 0
    for item in uow.session.scalars(
        select(OutboxItem).where(OutboxItem.tenant_id == tenant_id, OutboxItem.status == "pending")
    ):
        ref = (item.payload or {}).get("ref") or {}
        if ref.get("id") in wanted:
            item.status = "cancelled"
            cancelled += 1
    return cancelled

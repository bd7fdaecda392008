"""The adviser's case work: list, open, note, categorise, hold, disclose, close, reopen.

Every use case here is the adviser's and reaches only their own cases
(``casefile.case_for_adviser``: anyone else's case is ``not_found``, a non-adviser gets
``auth.forbidden``). Each writes one audit event without content. Notes and disclosure
justifications are stored only encrypted with the case key (C4). Lists carry no content
and no employee identity; the detail view shows the employee's person id only when the
case is not anonymous or the employee revealed themself.

Cases are opened elsewhere (``casefile.open_case``, from booking or a thread).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from vpbot.domain import cases as rules
from vpbot.domain.aftercare import validate_checkin_weeks
from vpbot.domain.cases import CaseStatus
from vpbot.domain.errors import DomainError
from vpbot.services import aftercare, casefile
from vpbot.services.actor import Actor, Role
from vpbot.services.tenants import tenant_settings
from vpbot.services.threads import ThreadSummary, thread_summaries, unread_counts
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import (
    Appointment,
    Case,
    CaseNote,
    Disclosure,
    Person,
    Referral,
    new_id,
)
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType

__all__ = [
    "CaseDetail",
    "CaseSummary",
    "ClosedCase",
    "DisclosureView",
    "EmployeeDisclosure",
    "NoteView",
    "ReferralSummary",
    "add_note",
    "adviser_cases",
    "case_detail",
    "close_case",
    "my_disclosures",
    "record_disclosure",
    "reopen_case",
    "set_categories",
    "set_legal_hold",
]

_ADVISER = Role.ADVISER.value


@dataclass(frozen=True)
class CaseSummary:
    """A case in the adviser's list: no content, no employee identity."""

    id: str
    reference: str
    pseudonym: str
    status: str
    anonymous: bool
    legal_hold: bool
    opened_at: datetime
    closed_at: datetime | None
    categories: tuple[str, ...]
    next_appointment_at: datetime | None
    unread_messages: int


@dataclass(frozen=True)
class NoteView:
    """A decrypted case note."""

    id: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class DisclosureView:
    """A disclosure without consent, as the adviser sees it."""

    id: str
    reason: str
    justification: str
    recorded_at: datetime
    employee_notified_at: datetime | None


@dataclass(frozen=True)
class ReferralSummary:
    """A referral on the case: kind and where the employee's decision stands (no text)."""

    id: str
    kind: str
    status: str
    created_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class CaseDetail:
    """Everything on one case, for its adviser, opened on demand (C2)."""

    id: str
    reference: str
    pseudonym: str
    status: str
    anonymous: bool
    revealed: bool
    employee_person_id: str | None
    legal_hold: bool
    opened_at: datetime
    closed_at: datetime | None
    purge_after: datetime | None
    categories: tuple[str, ...]
    notes: tuple[NoteView, ...]
    threads: tuple[ThreadSummary, ...]
    referrals: tuple[ReferralSummary, ...]
    disclosures: tuple[DisclosureView, ...]
    next_appointment_at: datetime | None


@dataclass(frozen=True)
class ClosedCase:
    """The result of closing a case: when it will be purged and when check-ins are due."""

    summary: CaseSummary
    purge_after: datetime
    checkins_due_at: tuple[datetime, ...]


@dataclass(frozen=True)
class EmployeeDisclosure:
    """A disclosure about the employee's own case, as the employee sees it (C8: honesty)."""

    id: str
    case_reference: str
    reason: str
    justification: str
    recorded_at: datetime


# --------------------------------------------------------------------------- reading


def adviser_cases(uow: UnitOfWork, actor: Actor, status: str | None = None) -> list[CaseSummary]:
    """The acting adviser's cases (open and closed, or one status), newest first."""
    adviser_id = actor.require_adviser()
    query = select(Case).where(
        Case.tenant_id == actor.tenant_id,
        Case.adviser_id == adviser_id,
        Case.status != CaseStatus.PURGED.value,
    )
    if status is not None:
        if status not in (CaseStatus.OPEN, CaseStatus.CLOSED):
            raise DomainError("input.invalid", field="status")
        query = query.where(Case.status == status)
    cases = uow.session.scalars(query.order_by(Case.opened_at.desc(), Case.id)).all()
    return _summaries(uow, cases)


def case_detail(uow: UnitOfWork, actor: Actor, case_id: str) -> CaseDetail:
    """One of the adviser's cases with its decrypted notes and disclosures (audited)."""
    case = casefile.case_for_adviser(uow, actor, case_id)
    notes = uow.session.scalars(
        select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.created_at, CaseNote.id)
    ).all()
    referrals = uow.session.scalars(
        select(Referral).where(Referral.case_id == case.id).order_by(Referral.created_at, Referral.id)
    ).all()
    disclosures = uow.session.scalars(
        select(Disclosure)
        .where(Disclosure.case_id == case.id)
        .order_by(Disclosure.recorded_at, Disclosure.id)
    ).all()
    revealed = casefile.identity_revealed(uow, case)
    # Reading content is logged too: who opened which case, and when (never what).
    uow.audit(actor, "case.viewed", "case", case.id, role=_ADVISER)
    return CaseDetail(
        id=case.id,
        reference=case.reference,
        pseudonym=case.pseudonym,
        status=case.status,
        anonymous=case.anonymous,
        revealed=revealed,
        employee_person_id=casefile.employee_id_for_adviser(uow, case),
        legal_hold=case.legal_hold,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        purge_after=case.purge_after,
        categories=tuple(case.categories or ()),
        notes=tuple(_note_view(uow, case, n) for n in notes),
        threads=tuple(thread_summaries(uow, case, "adviser")),
        referrals=tuple(
            ReferralSummary(r.id, r.kind, r.status, r.created_at, r.decided_at) for r in referrals
        ),
        disclosures=tuple(_disclosure_view(uow, case, d) for d in disclosures),
        next_appointment_at=_next_appointments(uow, [case.id]).get(case.id),
    )


def my_disclosures(uow: UnitOfWork, actor: Actor) -> list[EmployeeDisclosure]:
    """Disclosures recorded on the acting employee's own cases, newest first."""
    rows = uow.session.execute(
        select(Disclosure, Case)
        .join(Case, Case.id == Disclosure.case_id)
        .where(
            Case.tenant_id == actor.tenant_id,
            Case.employee_id == actor.person_id,
            Case.status != CaseStatus.PURGED.value,
        )
        .order_by(Disclosure.recorded_at.desc(), Disclosure.id)
    ).all()
    return [
        EmployeeDisclosure(
            id=d.id,
            case_reference=case.reference,
            reason=d.reason,
            justification=_justification(uow, case, d),
            recorded_at=d.recorded_at,
        )
        for d, case in rows
    ]


# --------------------------------------------------------------------------- changing


def add_note(uow: UnitOfWork, actor: Actor, case_id: str, text: str) -> NoteView:
    """Add a note (at most 5000 characters), encrypted with the case key."""
    body = rules.validate_note(text)
    case = casefile.case_for_adviser(uow, actor, case_id)
    note = CaseNote(id=new_id(), case_id=case.id, created_at=uow.now)
    note.body_enc = casefile.encrypt(uow, case, "case_notes", "body_enc", note.id, body)
    uow.session.add(note)
    uow.session.flush()
    uow.audit(actor, "case.note_added", "case", case.id, role=_ADVISER)
    return NoteView(note.id, body, note.created_at)


def set_categories(uow: UnitOfWork, actor: Actor, case_id: str, categories: Sequence[str]) -> CaseSummary:
    """Set the case's registration categories (statistics only)."""
    chosen = rules.validate_categories(categories)
    case = casefile.case_for_adviser(uow, actor, case_id)
    case.categories = list(chosen)
    uow.audit(actor, "case.categories_set", "case", case.id, role=_ADVISER)
    return _summary(uow, case)


def set_legal_hold(uow: UnitOfWork, actor: Actor, case_id: str, on: bool) -> CaseSummary:
    """Put a case on legal hold (retention will not purge it) or lift the hold."""
    case = casefile.case_for_adviser(uow, actor, case_id, for_update=True)
    if case.legal_hold != on:
        case.legal_hold = on
        action = "case.legal_hold_on" if on else "case.legal_hold_off"
        uow.audit(actor, action, "case", case.id, role=_ADVISER)
    return _summary(uow, case)


def record_disclosure(
    uow: UnitOfWork, actor: Actor, case_id: str, reason: str, justification: str
) -> DisclosureView:
    """Record a disclosure without consent, with its justification, and tell the employee.

    The employee gets a content-free notification and can read the disclosure (reason,
    time, justification) in ``my_disclosures``.
    """
    ground = rules.validate_reason(reason)
    text = rules.validate_justification(justification)
    case = casefile.case_for_adviser(uow, actor, case_id)
    disclosure = Disclosure(id=new_id(), case_id=case.id, reason=ground.value, recorded_at=uow.now)
    disclosure.justification_enc = casefile.encrypt(
        uow, case, "disclosures", "justification_enc", disclosure.id, text
    )
    if case.employee_id is not None:
        uow.notify(
            case.tenant_id, case.employee_id,
            Notification(
                NotificationKind.DISCLOSURE_RECORDED, ref=ObjectRef(ObjectType.DISCLOSURE, disclosure.id)
            ),
            dedupe_key=f"disclosure:{disclosure.id}",
        )
        disclosure.employee_notified_at = uow.now
    uow.session.add(disclosure)
    uow.session.flush()
    uow.audit(actor, "case.disclosure_recorded", "disclosure", disclosure.id, role=_ADVISER)
    return DisclosureView(
        disclosure.id, ground.value, text, disclosure.recorded_at, disclosure.employee_notified_at
    )


def close_case(
    uow: UnitOfWork, actor: Actor, case_id: str, checkin_weeks: Sequence[int] | None = None
) -> ClosedCase:
    """Close a case: set its purge date from the tenant's retention, schedule aftercare.

    ``checkin_weeks`` None uses the tenant's default weeks; ``[]`` schedules no check-ins.
    """
    weeks = None if checkin_weeks is None else validate_checkin_weeks(checkin_weeks)
    case = casefile.case_for_adviser(uow, actor, case_id, for_update=True)
    rules.check_transition(case.status, CaseStatus.CLOSED)
    settings = tenant_settings(uow, case.tenant_id)
    case.status = CaseStatus.CLOSED.value
    case.closed_at = uow.now
    case.purge_after = rules.purge_after(uow.now, settings.retention_months)
    case.purge_warned_at = None
    employee = uow.session.get(Person, case.employee_id) if case.employee_id else None
    checkins = aftercare.schedule_checkins(
        uow, case, settings.aftercare_weeks if weeks is None else weeks,
        employee.timezone if employee is not None else settings.timezone,
    )
    uow.audit(actor, "case.closed", "case", case.id, role=_ADVISER)
    return ClosedCase(_summary(uow, case), case.purge_after, tuple(c.due_at for c in checkins))


def reopen_case(uow: UnitOfWork, actor: Actor, case_id: str) -> CaseSummary:
    """Reopen a closed case: no purge date any more, pending check-ins cancelled."""
    case = casefile.case_for_adviser(uow, actor, case_id, for_update=True)
    rules.check_transition(case.status, CaseStatus.OPEN)
    case.status = CaseStatus.OPEN.value
    case.closed_at = None
    case.purge_after = None
    case.purge_warned_at = None
    aftercare.cancel_pending_checkins(uow, case)
    uow.audit(actor, "case.reopened", "case", case.id, role=_ADVISER)
    return _summary(uow, case)


# --------------------------------------------------------------------------- helpers


def _note_view(uow: UnitOfWork, case: Case, note: CaseNote) -> NoteView:
    return NoteView(
        note.id, casefile.decrypt(uow, case, "case_notes", "body_enc", note.id, note.body_enc), note.created_at
    )


def _justification(uow: UnitOfWork, case: Case, disclosure: Disclosure) -> str:
    return casefile.decrypt(
        uow, case, "disclosures", "justification_enc", disclosure.id, disclosure.justification_enc
    )


def _disclosure_view(uow: UnitOfWork, case: Case, d: Disclosure) -> DisclosureView:
    return DisclosureView(d.id, d.reason, _justification(uow, case, d), d.recorded_at, d.employee_notified_at)


def _next_appointments(uow: UnitOfWork, case_ids: Sequence[str]) -> dict[str, datetime]:
    """Per case id, the start of its next booked appointment from now on."""
    if not case_ids:
        return {}
    rows = uow.session.execute(
        select(Appointment.case_id, func.min(Appointment.starts_at))
        .where(
            Appointment.case_id.in_(case_ids),
            Appointment.status == "booked",
            Appointment.starts_at >= uow.now,
        )
        .group_by(Appointment.case_id)
    )
    return {case_id: at for case_id, at in rows if case_id is not None}


def _summaries(uow: UnitOfWork, cases: Sequence[Case]) -> list[CaseSummary]:
    ids = [c.id for c in cases]
    upcoming = _next_appointments(uow, ids)
    unread = unread_counts(uow, ids, "adviser")
    return [
        CaseSummary(
            id=c.id,
            reference=c.reference,
            pseudonym=c.pseudonym,
            status=c.status,
            anonymous=c.anonymous,
            legal_hold=c.legal_hold,
            opened_at=c.opened_at,
            closed_at=c.closed_at,
            categories=tuple(c.categories or ()),
            next_appointment_at=upcoming.get(c.id),
            unread_messages=unread.get(c.id, 0),
        )
        for c in cases
    ]


def _summary(uow: UnitOfWork, case: Case) -> CaseSummary:
    return _summaries(uow, [case])[0]

"""An employee's data rights (AVG/GDPR): see everything stored about them, and erase it.

:func:`export_my_data` (right of access, art. 15) returns everything vpbot stores about the
acting person, decrypted for them: their person record, cases, appointments, threads with
messages, referral offers with every consent decision, check-ins and answers, disclosures
about them, notifications addressed to them and what they did (their audit events).

The adviser's own case notes are INCLUDED, labelled as the adviser's working notes
(:attr:`MyData.adviser_notes`). In Dutch practice a vertrouwenspersoon's personal working
notes are the adviser's own, and many professional codes keep them out of the employee's
file. But vpbot stores those notes about the employee, and under the GDPR personal data
about someone is theirs to see, with narrow exceptions (the rights of others, art. 15(4))
that software cannot weigh case by case. We therefore include them and say plainly whose
notes they are. The adviser must know this when writing (the note field's label has to say
that the employee can request their notes), which is also the honest way to write notes.

:func:`delete_my_data` (right to erasure, art. 17) cancels future appointments (the adviser
gets a content-free notice), crypto-shreds every case about the person with the same routine
retention uses (:func:`vpbot.services.retention.purge_case`; anonymous counts survive), keeps
a case under legal hold — the report says so, art. 17(3)(e) — but without its link to the
person, and deletes the person row with their roles, conversation references and
notifications. The audit log keeps its events (it is hash-chained, and holds no content);
their actor id then points at no one. An adviser must first be removed as adviser by an
admin (their cases belong to them): ``data.adviser_cannot_delete``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from vpbot.domain.errors import DomainError, NotFound
from vpbot.services import aftercare, casefile
from vpbot.services.actor import Actor, Role
from vpbot.services.cases import EmployeeDisclosure, my_disclosures
from vpbot.services.checkins import CheckInView, my_checkins
from vpbot.services.referrals import ReferralOffer, my_referral_offers
from vpbot.services.retention import purge_case
from vpbot.services.tenants import platform_user_id
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import (
    Adviser,
    Appointment,
    AuditEvent,
    Case,
    CaseNote,
    ConversationRef,
    OutboxItem,
    Person,
    RoleAssignment,
    Thread,
    ThreadMessage,
)
from vpbot.ui.notifications import Notification, NotificationKind

__all__ = [
    "ActivityData",
    "AdviserNoteData",
    "AppointmentData",
    "CaseData",
    "DeletionReport",
    "MessageData",
    "MyData",
    "NotificationData",
    "PersonData",
    "ThreadData",
    "delete_my_data",
    "export_my_data",
]

_EMPLOYEE = Role.EMPLOYEE.value


@dataclass(frozen=True)
class PersonData:
    """The person record."""

    id: str
    platform_user_id: str
    display_name: str | None
    locale: str
    timezone: str
    is_workspace_admin: bool
    is_manager_or_hr: bool
    roles: tuple[str, ...]
    created_at: datetime
    has_conversation_ref: bool


@dataclass(frozen=True)
class CaseData:
    """A case about the person (what it is, not what is in it: that follows below)."""

    reference: str
    adviser_name: str
    status: str
    anonymous: bool
    categories: tuple[str, ...]
    legal_hold: bool
    opened_at: datetime
    closed_at: datetime | None
    purge_after: datetime | None


@dataclass(frozen=True)
class AppointmentData:
    """An appointment, with the note the person added when booking."""

    id: str
    case_reference: str | None
    adviser_name: str
    starts_at: datetime
    ends_at: datetime
    mode: str
    category: str | None
    status: str
    note: str | None


@dataclass(frozen=True)
class MessageData:
    """One message in a thread; ``sender`` is ``employee`` or ``adviser``."""

    sender: str
    text: str
    created_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class ThreadData:
    """A message thread with all its messages."""

    id: str
    case_reference: str
    anonymous: bool
    revealed_at: datetime | None
    created_at: datetime
    messages: tuple[MessageData, ...]


@dataclass(frozen=True)
class AdviserNoteData:
    """A note the ADVISER wrote on a case about the person (the adviser's working notes)."""

    case_reference: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class NotificationData:
    """A notification addressed to the person (content-free by construction)."""

    kind: str
    due_at: datetime
    status: str


@dataclass(frozen=True)
class ActivityData:
    """Something the person did, as recorded in the audit log."""

    action: str
    object_type: str
    at: datetime


@dataclass(frozen=True)
class MyData:
    """Everything vpbot stores about one person, decrypted for them.

    Consent decisions are in each referral's ``history``.
    """

    person: PersonData
    cases: tuple[CaseData, ...]
    appointments: tuple[AppointmentData, ...]
    threads: tuple[ThreadData, ...]
    referrals: tuple[ReferralOffer, ...]
    checkins: tuple[CheckInView, ...]
    disclosures: tuple[EmployeeDisclosure, ...]
    adviser_notes: tuple[AdviserNoteData, ...]
    notifications: tuple[NotificationData, ...]
    activity: tuple[ActivityData, ...]


@dataclass(frozen=True)
class DeletionReport:
    """What erasure did. ``kept_cases`` are references kept under a legal hold."""

    cancelled_appointments: int
    purged_cases: int
    kept_cases: tuple[str, ...]
    person_deleted: bool


# --------------------------------------------------------------------------- access


def export_my_data(uow: UnitOfWork, actor: Actor) -> MyData:
    """Everything stored about the acting person, decrypted for them (audited)."""
    person = _person(uow, actor)
    cases = _my_cases(uow, actor)
    by_id = {case.id: case for case in cases}
    advisers = _adviser_names(uow, actor.tenant_id)
    data = MyData(
        person=_person_data(uow, person),
        cases=tuple(
            CaseData(
                reference=c.reference, adviser_name=advisers.get(c.adviser_id, ""), status=c.status,
                anonymous=c.anonymous, categories=tuple(c.categories or ()), legal_hold=c.legal_hold,
                opened_at=c.opened_at, closed_at=c.closed_at, purge_after=c.purge_after,
            )
            for c in cases
        ),
        appointments=tuple(_appointments(uow, actor, by_id, advisers)),
        threads=tuple(_threads(uow, by_id)),
        referrals=tuple(my_referral_offers(uow, actor)),
        checkins=tuple(my_checkins(uow, actor)),
        disclosures=tuple(my_disclosures(uow, actor)),
        adviser_notes=tuple(_adviser_notes(uow, by_id)),
        notifications=tuple(
            NotificationData(item.kind, item.due_at, item.status)
            for item in uow.session.scalars(
                select(OutboxItem).where(OutboxItem.recipient_id == person.id).order_by(OutboxItem.due_at)
            )
        ),
        activity=tuple(
            ActivityData(event.action, event.object_type, event.at)
            for event in uow.session.scalars(
                select(AuditEvent).where(AuditEvent.actor_id == person.id).order_by(AuditEvent.seq)
            )
        ),
    )
    uow.audit(actor, "data.exported", "person", person.id, role=_EMPLOYEE)
    return data


# --------------------------------------------------------------------------- erasure


def delete_my_data(uow: UnitOfWork, actor: Actor) -> DeletionReport:
    """Erase the acting person: appointments cancelled, cases shredded, person deleted."""
    person = _person(uow, actor)
    if uow.session.scalar(select(Adviser.id).where(Adviser.person_id == person.id)) is not None:
        raise DomainError("data.adviser_cannot_delete")
    cancelled = _cancel_future_appointments(uow, person)
    purged, kept = 0, []
    for case in _my_cases(uow, actor, for_update=True):
        if case.legal_hold:
            # Kept for the legal matter, but no longer linked to the person's account.
            aftercare.cancel_pending_checkins(uow, case)
            case.employee_id = None
            kept.append(case.reference)
        else:
            purged += purge_case(uow, case, actor, role=_EMPLOYEE)
    # What is left of their appointments belongs to a held case (kept, unlinked) or to none.
    uow.session.execute(
        delete(Appointment)
        .where(Appointment.employee_id == person.id, Appointment.case_id.is_(None))
        .execution_options(synchronize_session="fetch")
    )
    for appointment in uow.session.scalars(select(Appointment).where(Appointment.employee_id == person.id)):
        appointment.employee_id = None
    uow.audit(actor, "data.deleted", "person", person.id, role=_EMPLOYEE)
    for statement in (
        delete(OutboxItem).where(OutboxItem.recipient_id == person.id),
        delete(ConversationRef).where(ConversationRef.person_id == person.id),
        delete(RoleAssignment).where(RoleAssignment.person_id == person.id),
    ):
        uow.session.execute(statement.execution_options(synchronize_session="fetch"))
    uow.session.delete(person)
    uow.session.flush()
    return DeletionReport(
        cancelled_appointments=cancelled, purged_cases=purged, kept_cases=tuple(kept), person_deleted=True
    )


# --------------------------------------------------------------------------- helpers


def _person(uow: UnitOfWork, actor: Actor) -> Person:
    person = uow.session.get(Person, actor.person_id)
    if person is None or person.tenant_id != actor.tenant_id:
        raise NotFound()
    return person


def _my_cases(uow: UnitOfWork, actor: Actor, *, for_update: bool = False) -> list[Case]:
    query = select(Case).where(casefile.employee_cases(actor)).order_by(Case.opened_at, Case.id)
    return list(uow.session.scalars(query.with_for_update() if for_update else query))


def _adviser_names(uow: UnitOfWork, tenant_id: str) -> dict[str, str]:
    rows = uow.session.execute(select(Adviser.id, Adviser.display_name).where(Adviser.tenant_id == tenant_id))
    return {adviser_id: name for adviser_id, name in rows}


def _person_data(uow: UnitOfWork, person: Person) -> PersonData:
    display_name = (
        uow.keys.decrypt_field(person.tenant_id, "people", "display_name_enc", person.id, person.display_name_enc)
        if person.display_name_enc
        else None
    )
    roles = uow.session.scalars(
        select(RoleAssignment.role).where(RoleAssignment.person_id == person.id).order_by(RoleAssignment.role)
    ).all()
    ref = uow.session.scalar(select(ConversationRef.id).where(ConversationRef.person_id == person.id))
    return PersonData(
        id=person.id,
        platform_user_id=platform_user_id(uow, person),
        display_name=display_name,
        locale=person.locale,
        timezone=person.timezone,
        is_workspace_admin=person.is_workspace_admin,
        is_manager_or_hr=person.is_manager_or_hr,
        roles=tuple(roles),
        created_at=person.created_at,
        has_conversation_ref=ref is not None,
    )


def _appointments(
    uow: UnitOfWork, actor: Actor, cases: dict[str, Case], advisers: dict[str, str]
) -> list[AppointmentData]:
    rows = uow.session.scalars(
        select(Appointment)
        .where(Appointment.tenant_id == actor.tenant_id, Appointment.employee_id == actor.person_id)
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    result = []
    for a in rows:
        case = cases.get(a.case_id) if a.case_id else None
        note = (
            casefile.decrypt(uow, case, "appointments", "note_enc", a.id, a.note_enc)
            if case is not None and a.note_enc
            else None
        )
        result.append(
            AppointmentData(
                id=a.id, case_reference=case.reference if case is not None else None,
                adviser_name=advisers.get(a.adviser_id, ""), starts_at=a.starts_at, ends_at=a.ends_at,
                mode=a.mode, category=a.category, status=a.status, note=note,
            )
        )
    return result


def _threads(uow: UnitOfWork, cases: dict[str, Case]) -> list[ThreadData]:
    threads = uow.session.scalars(
        select(Thread).where(Thread.case_id.in_(list(cases))).order_by(Thread.created_at, Thread.id)
    ).all()
    result = []
    for thread in threads:
        case = cases[thread.case_id]
        messages = uow.session.scalars(
            select(ThreadMessage)
            .where(ThreadMessage.thread_id == thread.id)
            .order_by(ThreadMessage.created_at, ThreadMessage.id)
        ).all()
        result.append(
            ThreadData(
                id=thread.id, case_reference=case.reference, anonymous=thread.anonymous,
                revealed_at=thread.revealed_at, created_at=thread.created_at,
                messages=tuple(
                    MessageData(
                        m.sender,
                        casefile.decrypt(uow, case, "thread_messages", "body_enc", m.id, m.body_enc),
                        m.created_at,
                        m.read_at,
                    )
                    for m in messages
                ),
            )
        )
    return result


def _adviser_notes(uow: UnitOfWork, cases: dict[str, Case]) -> list[AdviserNoteData]:
    notes = uow.session.scalars(
        select(CaseNote).where(CaseNote.case_id.in_(list(cases))).order_by(CaseNote.created_at, CaseNote.id)
    ).all()
    return [
        AdviserNoteData(
            cases[n.case_id].reference,
            casefile.decrypt(uow, cases[n.case_id], "case_notes", "body_enc", n.id, n.body_enc),
            n.created_at,
        )
        for n in notes
    ]


def _cancel_future_appointments(uow: UnitOfWork, person: Person) -> int:
    """Cancel the person's booked appointments still to come; tell each adviser (no content)."""
    upcoming = uow.session.scalars(
        select(Appointment).where(
            Appointment.employee_id == person.id,
            Appointment.status == "booked",
            Appointment.starts_at > uow.now,
        ).with_for_update()
    ).all()
    for appointment in upcoming:
        appointment.status, appointment.held_start, appointment.cancelled_by = "cancelled", None, _EMPLOYEE
        adviser = uow.session.get(Adviser, appointment.adviser_id)
        if adviser is not None:
            # No ref: the appointment is shredded with its case in the same transaction.
            uow.notify(
                person.tenant_id,
                adviser.person_id,
                Notification(NotificationKind.APPOINTMENT_CANCELLED, at=appointment.starts_at),
                dedupe_key=f"erasure-cancel:{appointment.id}",
            )
    return len(upcoming)

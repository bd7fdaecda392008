"""Booking, cancelling and rescheduling confidential appointments.

Double booking is impossible in the database itself: an appointment that holds its slot
has ``held_start = starts_at``, and ``(adviser_id, held_start)`` is unique. The slot rules
in ``vpbot.domain.availability`` are checked first (clear errors, next free slots); the
constraint is what decides a race. The contested write happens in a SAVEPOINT so the loser's
session stays usable to look up the next free slots.

Lock order (PostgreSQL): a booking first takes a share lock on the adviser row (so removing
an adviser waits for bookings in flight), then its slot, and only then anything that appends
to the audit log (a global advisory lock held until commit). So booking inserts the
appointment before opening the case: opening a case audits, and a transaction holding the
audit lock while waiting for another booker's uncommitted slot, which in turn waits for the
audit lock, would deadlock. Cancel and reschedule lock the appointment row, then the slot,
then the audit log.

Notifications are content-free (C1): the adviser learns that *an* appointment was
requested and when; the employee's note is encrypted with the case key and shown to the
adviser only in :func:`appointment_detail`, a modal they open themselves (C2).
"""

from __future__ import annotations

import heapq
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from vpbot.domain import availability
from vpbot.domain.availability import AdviserSchedule
from vpbot.domain.booking import (
    MeetingMode,
    MeetingModes,
    validate_booking_note,
    validate_category,
    validate_mode,
)
from vpbot.domain.errors import DomainError, NotFound
from vpbot.domain.inputs import int_within, require_aware
from vpbot.services import casefile, outbox
from vpbot.services.actor import Actor, Role
from vpbot.services.advisers import busy_for, schedule_for
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import Adviser, Appointment, Case, new_id
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType

__all__ = [
    "AdviserAppointment",
    "AdviserCard",
    "AppointmentDetail",
    "AppointmentView",
    "SlotOption",
    "adviser_appointments",
    "appointment_detail",
    "book",
    "cancel",
    "free_slots",
    "list_advisers",
    "my_appointments",
    "notify_about",
    "release_appointment",
    "reminder_prefix",
    "reschedule",
]

BOOKED, CANCELLED = "booked", "cancelled"
# Reminders before an appointment, to the employee and the adviser alike.
REMINDERS: tuple[tuple[timedelta, str], ...] = ((timedelta(hours=24), "24h"), (timedelta(hours=1), "1h"))
NEXT_SLOTS_WHEN_TAKEN = 3
MAX_DAYS = 366
MAX_LIMIT = 200
_NOTE_PLACE = ("appointments", "note_enc")


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class AdviserCard:
    """An adviser as an employee choosing one sees them (no case information)."""

    adviser_id: str
    display_name: str
    is_external: bool
    languages: tuple[str, ...]
    intro: str
    modes: tuple[str, ...]


@dataclass(frozen=True)
class SlotOption:
    """A bookable moment (aware UTC) with an adviser."""

    adviser_id: str
    starts_at: datetime


@dataclass(frozen=True)
class AppointmentView:
    """An appointment as the employee sees it. ``has_note``, never the note itself."""

    appointment_id: str
    adviser_id: str
    adviser_name: str
    starts_at: datetime
    ends_at: datetime
    mode: str
    # Where/how to meet: a place, a phone number or a video link ("" once cancelled).
    meeting_details: str
    status: str
    upcoming: bool
    category: str | None
    has_note: bool


@dataclass(frozen=True)
class AdviserAppointment:
    """A line in the adviser's appointment list: pseudonymous, no employee identity."""

    appointment_id: str
    starts_at: datetime
    ends_at: datetime
    mode: str
    status: str
    case_id: str | None
    case_reference: str
    pseudonym: str
    has_note: bool


@dataclass(frozen=True)
class AppointmentDetail:
    """What the adviser sees in the appointment modal they opened (C2)."""

    appointment_id: str
    starts_at: datetime
    ends_at: datetime
    mode: str
    status: str
    category: str | None
    note: str | None
    case_id: str
    case_reference: str
    pseudonym: str
    anonymous: bool
    # Only when the adviser may know (a named case, or revealed by the employee), so the
    # platform can show who it is inside the modal.
    employee_person_id: str | None


# --------------------------------------------------------------------------- helpers


def _check_range(value: int, field: str, high: int) -> None:
    if not int_within(value, 1, high):
        raise DomainError("input.invalid", field=field, min=1, max=high)


def _adviser_modes(adviser: Adviser) -> MeetingModes:
    return MeetingModes.from_json(adviser.modes)


def _bookable_advisers(uow: UnitOfWork, actor: Actor) -> list[Adviser]:
    """Active advisers of the actor's tenant who offer at least one way to meet."""
    rows = uow.session.scalars(
        select(Adviser)
        .where(Adviser.tenant_id == actor.tenant_id, Adviser.active.is_(True))
        .order_by(Adviser.display_name, Adviser.id)
    ).all()
    # Nobody books an appointment with themselves.
    return [a for a in rows if a.person_id != actor.person_id and _adviser_modes(a).offered]


def _bookable_adviser(uow: UnitOfWork, actor: Actor, adviser_id: str, *, lock: bool = False) -> Adviser:
    """One bookable adviser; ``adviser.unknown`` for another tenant's, a removed one or oneself.

    ``lock`` takes a share lock on the adviser row (PostgreSQL; SQLite serialises writers
    anyway): bookings don't block each other, but ``admin.remove_adviser`` waits for them,
    and a booking waiting for a removal sees the adviser inactive. Taken first of all of a
    booking's locks, as removal takes the adviser row first too, so the two cannot deadlock.
    """
    adviser = None
    if isinstance(adviser_id, str):
        query = select(Adviser).where(Adviser.id == adviser_id)
        if lock:
            query = query.with_for_update(read=True).execution_options(populate_existing=True)
        adviser = uow.session.scalars(query).first()
    if (
        adviser is None
        or adviser.tenant_id != actor.tenant_id
        or not adviser.active
        or adviser.person_id == actor.person_id
    ):
        raise DomainError("adviser.unknown")
    return adviser


def _ref(appointment: Appointment) -> ObjectRef:
    return ObjectRef(ObjectType.APPOINTMENT, appointment.id)


def notify_about(
    uow: UnitOfWork, appointment: Appointment, recipient_id: str | None, kind: NotificationKind
) -> None:
    """A content-free notice about ``appointment`` (kind, time, link) to one person."""
    if recipient_id is not None:
        notification = Notification(kind, at=appointment.starts_at, ref=_ref(appointment))
        uow.notify(appointment.tenant_id, recipient_id, notification)


def reminder_prefix(appointment_id: str) -> str:
    """The dedupe-key prefix of an appointment's reminders (for ``outbox.cancel_pending``)."""
    return f"reminder:{appointment_id}:"


def _schedule_reminders(uow: UnitOfWork, appointment: Appointment, adviser_person_id: str) -> None:
    # A fresh nonce per scheduling: cancelled outbox rows keep their (unique) dedupe keys,
    # and an appointment moved away and back must still get reminders.
    nonce = secrets.token_hex(4)
    recipients = ((Role.EMPLOYEE, appointment.employee_id), (Role.ADVISER, adviser_person_id))
    notification = Notification(
        NotificationKind.APPOINTMENT_REMINDER, at=appointment.starts_at, ref=_ref(appointment)
    )
    for offset, label in REMINDERS:
        due_at = appointment.starts_at - offset
        if due_at <= uow.now:
            continue
        for side, person_id in recipients:
            if person_id is not None:
                uow.notify(
                    appointment.tenant_id, person_id, notification, due_at=due_at,
                    dedupe_key=f"{reminder_prefix(appointment.id)}{nonce}:{label}:{side.value}",
                )


def _slot_taken(
    uow: UnitOfWork, adviser: Adviser, schedule: AdviserSchedule, start: datetime
) -> DomainError:
    """``booking.slot_taken`` with the next free slots after ``start`` (fresh from the database)."""
    following = availability.next_free(
        schedule, busy_for(uow, adviser.id), uow.now, start, NEXT_SLOTS_WHEN_TAKEN
    )
    return DomainError("booking.slot_taken", adviser_id=adviser.id, next=following)


def _check_slot(
    uow: UnitOfWork,
    adviser: Adviser,
    schedule: AdviserSchedule,
    start: datetime,
    *,
    exclude: str | None = None,
) -> None:
    """The domain's slot rules; a taken slot comes back with the next free ones."""
    try:
        availability.check_bookable(schedule, busy_for(uow, adviser.id, exclude=exclude), uow.now, start)
    except DomainError as error:
        if error.key == "booking.slot_taken":
            raise _slot_taken(uow, adviser, schedule, start) from None
        raise


def _hold(
    uow: UnitOfWork,
    adviser: Adviser,
    schedule: AdviserSchedule,
    start: datetime,
    change: Callable[[], None],
) -> None:
    """Apply ``change`` (which makes an appointment hold ``start``) in a SAVEPOINT.

    The unique constraint decides a race; the loser gets ``booking.slot_taken`` and a
    session that still works.
    """
    try:
        with uow.session.begin_nested():
            change()
    except IntegrityError:
        raise _slot_taken(uow, adviser, schedule, start) from None


def release_appointment(uow: UnitOfWork, appointment: Appointment, *, cancelled_by: str) -> None:
    """Cancel ``appointment``: free its slot and drop its pending reminders.

    No notification and no audit: the calling use case decides who is told and records it.
    """
    appointment.status = CANCELLED
    appointment.held_start = None
    appointment.cancelled_by = cancelled_by
    outbox.cancel_pending(uow.session, reminder_prefix(appointment.id))


def _appointment_for(uow: UnitOfWork, actor: Actor, appointment_id: str) -> tuple[Appointment, Role]:
    """The appointment (row-locked) and the actor's side of it; ``not_found`` for outsiders."""
    appointment = uow.session.scalars(
        select(Appointment)
        .where(Appointment.id == appointment_id, Appointment.tenant_id == actor.tenant_id)
        .with_for_update()
    ).first()
    if appointment is not None:
        if appointment.employee_id == actor.person_id:
            return appointment, Role.EMPLOYEE
        if actor.has(Role.ADVISER) and actor.adviser_id == appointment.adviser_id:
            return appointment, Role.ADVISER
    raise NotFound()


def _require_changeable(uow: UnitOfWork, appointment: Appointment) -> None:
    if appointment.status != BOOKED or appointment.starts_at <= uow.now:
        raise DomainError("appointment.not_changeable")


def _other_side(appointment: Appointment, adviser: Adviser, side: Role) -> str | None:
    return adviser.person_id if side is Role.EMPLOYEE else appointment.employee_id


def _employee_view(uow: UnitOfWork, appointment: Appointment, adviser: Adviser) -> AppointmentView:
    booked = appointment.status == BOOKED
    return AppointmentView(
        appointment_id=appointment.id,
        adviser_id=adviser.id,
        adviser_name=adviser.display_name,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        mode=appointment.mode,
        meeting_details=_adviser_modes(adviser).details(MeetingMode(appointment.mode)) if booked else "",
        status=appointment.status,
        upcoming=booked and appointment.ends_at > uow.now,
        category=appointment.category,
        has_note=appointment.note_enc is not None,
    )


# --------------------------------------------------------------------------- employee


def list_advisers(uow: UnitOfWork, actor: Actor) -> list[AdviserCard]:
    """The advisers an employee can book: name, internal/external, languages, intro, modes."""
    return [
        AdviserCard(
            adviser_id=a.id,
            display_name=a.display_name,
            is_external=a.is_external,
            languages=tuple(a.languages or ()),
            intro=a.intro,
            modes=tuple(m.value for m in _adviser_modes(a).offered),
        )
        for a in _bookable_advisers(uow, actor)
    ]


def free_slots(
    uow: UnitOfWork, actor: Actor, adviser_id: str | None = None, days: int = 14, limit: int = 40
) -> list[SlotOption]:
    """Bookable moments in the next ``days``, earliest first, at most ``limit``.

    With ``adviser_id=None`` ("first available") the slots of all bookable advisers are
    merged. Instants are UTC; the UI shows them in the viewer's own time zone.
    """
    _check_range(days, "days", MAX_DAYS)
    _check_range(limit, "limit", MAX_LIMIT)
    if adviser_id is None:
        advisers = _bookable_advisers(uow, actor)
    else:
        advisers = [_bookable_adviser(uow, actor, adviser_id)]
    until = uow.now + timedelta(days=days)
    per_adviser = [
        [
            SlotOption(adviser.id, start)
            for start in availability.free_slots(
                schedule_for(uow, adviser), busy_for(uow, adviser.id), uow.now, until=until, limit=limit
            )
        ]
        for adviser in advisers
    ]
    merged = heapq.merge(*per_adviser, key=lambda option: (option.starts_at, option.adviser_id))
    return list(islice(merged, limit))


def book(
    uow: UnitOfWork,
    actor: Actor,
    adviser_id: str,
    starts_at: datetime,
    mode: str,
    category: str | None = None,
    note: str | None = None,
) -> AppointmentView:
    """Book ``starts_at`` with an adviser; the employee's open case with them is reused or opened.

    Errors: ``adviser.unknown``, ``booking.mode_not_offered``, ``input.invalid`` (category,
    a naive time), ``note.too_long``, ``booking.slot_in_past``, ``booking.too_soon``,
    ``booking.beyond_horizon``, ``booking.outside_availability``, ``booking.slot_taken``
    (with ``next``: up to three following free slots).
    """
    start = require_aware(starts_at, "starts_at")
    adviser = _bookable_adviser(uow, actor, adviser_id, lock=True)
    chosen = validate_mode(mode, _adviser_modes(adviser))
    chosen_category = validate_category(category)
    cleaned_note = validate_booking_note(note)
    schedule = schedule_for(uow, adviser)
    _check_slot(uow, adviser, schedule, start)
    appointment = Appointment(
        id=new_id(),
        tenant_id=actor.tenant_id,
        adviser_id=adviser.id,
        employee_id=actor.person_id,
        starts_at=start,
        ends_at=start + schedule.policy.slot,
        held_start=start,
        mode=chosen.value,
        category=chosen_category,
        status=BOOKED,
        created_at=uow.now,
    )
    _hold(uow, adviser, schedule, start, lambda: uow.session.add(appointment))
    # Only now, holding the slot, open the case (it audits: see the module docstring).
    case = casefile.open_case(uow, actor, adviser.id)
    appointment.case_id = case.id
    if cleaned_note is not None:
        appointment.note_enc = casefile.encrypt(uow, case, *_NOTE_PLACE, appointment.id, cleaned_note)
    notify_about(uow, appointment, adviser.person_id, NotificationKind.APPOINTMENT_REQUESTED)
    _schedule_reminders(uow, appointment, adviser.person_id)
    uow.audit(actor, "appointment.booked", "appointment", appointment.id, role=Role.EMPLOYEE.value)
    uow.session.flush()
    return _employee_view(uow, appointment, adviser)


def cancel(uow: UnitOfWork, actor: Actor, appointment_id: str) -> AppointmentView:
    """Cancel an upcoming appointment (by its employee or its adviser); the other side is told.

    Errors: ``not_found``, ``appointment.not_changeable`` (already cancelled or begun).
    """
    appointment, side = _appointment_for(uow, actor, appointment_id)
    _require_changeable(uow, appointment)
    adviser = uow.session.get_one(Adviser, appointment.adviser_id)
    release_appointment(uow, appointment, cancelled_by=side.value)
    other = _other_side(appointment, adviser, side)
    notify_about(uow, appointment, other, NotificationKind.APPOINTMENT_CANCELLED)
    uow.audit(actor, "appointment.cancelled", "appointment", appointment.id, role=side.value)
    uow.session.flush()
    return _employee_view(uow, appointment, adviser)


def reschedule(
    uow: UnitOfWork, actor: Actor, appointment_id: str, new_start: datetime
) -> AppointmentView:
    """Move an upcoming appointment to ``new_start`` in one step: take the new slot, free the old.

    Same rules and race protection as :func:`book`; on any error the appointment keeps its
    old time. Errors: those of :func:`book` for the new time, ``not_found``,
    ``appointment.not_changeable``, ``adviser.unknown`` (the adviser was removed).
    """
    start = require_aware(new_start, "starts_at")
    appointment, side = _appointment_for(uow, actor, appointment_id)
    _require_changeable(uow, appointment)
    adviser = uow.session.get_one(Adviser, appointment.adviser_id)
    if not adviser.active:
        raise DomainError("adviser.unknown")
    if start == appointment.starts_at:
        return _employee_view(uow, appointment, adviser)
    schedule = schedule_for(uow, adviser)
    # The appointment's own slot (and its buffer) must not block its neighbours.
    _check_slot(uow, adviser, schedule, start, exclude=appointment.id)

    def move() -> None:
        # One UPDATE of held_start: the old slot is freed as the new one is taken.
        appointment.starts_at = start
        appointment.ends_at = start + schedule.policy.slot
        appointment.held_start = start

    _hold(uow, adviser, schedule, start, move)
    outbox.cancel_pending(uow.session, reminder_prefix(appointment.id))
    _schedule_reminders(uow, appointment, adviser.person_id)
    other = _other_side(appointment, adviser, side)
    notify_about(uow, appointment, other, NotificationKind.APPOINTMENT_RESCHEDULED)
    uow.audit(actor, "appointment.rescheduled", "appointment", appointment.id, role=side.value)
    uow.session.flush()
    return _employee_view(uow, appointment, adviser)


def my_appointments(uow: UnitOfWork, actor: Actor) -> list[AppointmentView]:
    """The employee's appointments: upcoming ones first (soonest first), then past and cancelled
    ones (most recent first)."""
    rows = uow.session.execute(
        select(Appointment, Adviser)
        .join(Adviser, Adviser.id == Appointment.adviser_id)
        .where(Appointment.tenant_id == actor.tenant_id, Appointment.employee_id == actor.person_id)
    ).all()
    views = [_employee_view(uow, appointment, adviser) for appointment, adviser in rows]
    upcoming = sorted((v for v in views if v.upcoming), key=lambda v: v.starts_at)
    earlier = sorted((v for v in views if not v.upcoming), key=lambda v: v.starts_at, reverse=True)
    return upcoming + earlier


# --------------------------------------------------------------------------- adviser


def adviser_appointments(
    uow: UnitOfWork, actor: Actor, *, include_past: bool = False
) -> list[AdviserAppointment]:
    """The acting adviser's appointments (upcoming booked ones, or all), soonest first.

    Lines carry the case reference and pseudonym, never who the employee is.
    """
    adviser_id = actor.require_adviser()
    query = (
        select(Appointment, Case)
        .outerjoin(Case, Case.id == Appointment.case_id)
        .where(Appointment.tenant_id == actor.tenant_id, Appointment.adviser_id == adviser_id)
        .order_by(Appointment.starts_at, Appointment.id)
    )
    if not include_past:
        query = query.where(Appointment.status == BOOKED, Appointment.ends_at > uow.now)
    return [
        AdviserAppointment(
            appointment_id=appointment.id,
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at,
            mode=appointment.mode,
            status=appointment.status,
            case_id=case.id if case is not None else None,
            case_reference=case.reference if case is not None else "",
            pseudonym=case.pseudonym if case is not None else "",
            has_note=appointment.note_enc is not None,
        )
        for appointment, case in uow.session.execute(query).all()
    ]


def appointment_detail(uow: UnitOfWork, actor: Actor, appointment_id: str) -> AppointmentDetail:
    """One of the acting adviser's appointments, with the employee's note decrypted.

    For a named case (or an anonymous one whose employee revealed themselves) it names the
    employee's person id; the platform shows who it is inside the modal. Opening it is
    audited. ``not_found`` for anyone else's.
    """
    adviser_id = actor.require_adviser()
    appointment = uow.session.get(Appointment, appointment_id) if isinstance(appointment_id, str) else None
    if (
        appointment is None
        or appointment.tenant_id != actor.tenant_id
        or appointment.adviser_id != adviser_id
        or appointment.case_id is None
    ):
        raise NotFound()
    case = casefile.case_for_adviser(uow, actor, appointment.case_id)
    note = (
        casefile.decrypt(uow, case, *_NOTE_PLACE, appointment.id, appointment.note_enc)
        if appointment.note_enc is not None
        else None
    )
    uow.audit(actor, "appointment.opened", "appointment", appointment.id, role=Role.ADVISER.value)
    return AppointmentDetail(
        appointment_id=appointment.id,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        mode=appointment.mode,
        status=appointment.status,
        category=appointment.category,
        note=note,
        case_id=case.id,
        case_reference=case.reference,
        pseudonym=case.pseudonym,
        anonymous=case.anonymous,
        employee_person_id=casefile.employee_id_for_adviser(uow, case),
    )

"""Case content for referral, check-in, data-rights and retention tests.

Rows are written directly (encrypted with the case key exactly as the services do), so these
tests depend only on the code under test, not on the booking, thread or case use cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from tests.support.casework import World
from vpbot.domain.dates import add_months
from vpbot.services import aftercare, casefile
from vpbot.services.actor import Actor
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import (
    Appointment,
    Case,
    CaseNote,
    CheckIn,
    Disclosure,
    Referral,
    ReferralTarget,
    Thread,
    ThreadMessage,
    new_id,
)

NOTE = "Medewerker vertelt over pesterijen door teamleider Karel."
MESSAGE = "Ik durf het haast niet te zeggen, maar het gaat echt niet goed."
BOOKING_NOTE = "Liefst na 16 uur, dan is mijn collega weg."
JUSTIFICATION = "Acuut gevaar: medewerker noemde concrete plannen om zichzelf iets aan te doen."
SHARE = "Mevrouw ervaart al maanden pesten; zij wil graag een gesprek over terugkeer."
ALL_TEXTS = (NOTE, MESSAGE, BOOKING_NOTE, JUSTIFICATION, SHARE)


@dataclass(frozen=True)
class Ciphertext:
    """A ciphertext kept from before a purge, with everything needed to try to open it."""

    tenant_id: str
    table: str
    column: str
    row_id: str
    envelope: bytes
    case_key_id: str


def new_case(
    world: World, employee: Actor | None = None, adviser: Actor | None = None,
    *, categories: Sequence[str] = (),
) -> str:
    """Open a case (committed) for ``employee`` with ``adviser``; return its id."""
    employee = employee or world.employee
    adviser = adviser or world.adviser
    assert adviser.adviser_id is not None
    with world.make() as uow:
        case = casefile.open_case(uow, employee, adviser.adviser_id)
        case.categories = list(categories)
        uow.commit()
        return case.id


def case(uow: UnitOfWork, case_id: str) -> Case:
    """The case row."""
    row = uow.session.get(Case, case_id)
    assert row is not None
    return row


def add_note(uow: UnitOfWork, case: Case, text: str = NOTE) -> Ciphertext:
    """An adviser's note on the case."""
    note = CaseNote(id=new_id(), case_id=case.id, created_at=uow.now)
    note.body_enc = casefile.encrypt(uow, case, "case_notes", "body_enc", note.id, text)
    uow.session.add(note)
    uow.session.flush()
    return _kept(case, "case_notes", "body_enc", note.id, note.body_enc)


def add_message(uow: UnitOfWork, case: Case, text: str = MESSAGE, sender: str = "employee") -> Ciphertext:
    """A message in the case's (first) thread."""
    thread = uow.session.scalars(select(Thread).where(Thread.case_id == case.id)).first()
    if thread is None:
        thread = Thread(id=new_id(), tenant_id=case.tenant_id, case_id=case.id, created_at=uow.now)
        uow.session.add(thread)
    message = ThreadMessage(id=new_id(), thread_id=thread.id, sender=sender, created_at=uow.now)
    message.body_enc = casefile.encrypt(uow, case, "thread_messages", "body_enc", message.id, text)
    uow.session.add(message)
    uow.session.flush()
    return _kept(case, "thread_messages", "body_enc", message.id, message.body_enc)


def add_appointment(
    uow: UnitOfWork, case: Case, starts_at: datetime, *, mode: str = "video",
    note: str | None = BOOKING_NOTE, status: str = "booked",
) -> Appointment:
    """An appointment of the case's employee with its adviser."""
    appointment = Appointment(
        id=new_id(), tenant_id=case.tenant_id, adviser_id=case.adviser_id, employee_id=case.employee_id,
        case_id=case.id, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=45),
        held_start=starts_at if status == "booked" else None, mode=mode, category="bullying",
        status=status, created_at=uow.now,
    )
    if note is not None:
        appointment.note_enc = casefile.encrypt(uow, case, "appointments", "note_enc", appointment.id, note)
    uow.session.add(appointment)
    uow.session.flush()
    return appointment


def add_disclosure(uow: UnitOfWork, case: Case, text: str = JUSTIFICATION) -> Ciphertext:
    """A disclosure without consent on the case."""
    disclosure = Disclosure(id=new_id(), case_id=case.id, reason="acute_danger", recorded_at=uow.now)
    disclosure.justification_enc = casefile.encrypt(
        uow, case, "disclosures", "justification_enc", disclosure.id, text
    )
    uow.session.add(disclosure)
    uow.session.flush()
    return _kept(case, "disclosures", "justification_enc", disclosure.id, disclosure.justification_enc)


def target_id(uow: UnitOfWork, tenant_id: str, kind: str = "company_doctor") -> str:
    """The id of a directory entry of ``kind`` in the tenant."""
    found = uow.session.scalars(
        select(ReferralTarget.id).where(ReferralTarget.tenant_id == tenant_id, ReferralTarget.kind == kind)
    ).first()
    assert found is not None
    return found


def close(uow: UnitOfWork, case: Case, *, weeks: Sequence[int] = (), months: int = 12) -> list[CheckIn]:
    """Close the case now, purge date ``months`` later, with check-ins after ``weeks``."""
    case.status, case.closed_at = "closed", uow.now
    case.purge_after = add_months(uow.now, months)
    return aftercare.schedule_checkins(uow, case, weeks, "Europe/Amsterdam")


def count_rows(uow: UnitOfWork, model: type, **where: object) -> int:
    """How many rows of ``model`` match the given column values."""
    query = select(func.count()).select_from(model)
    for column, value in where.items():
        query = query.where(getattr(model, column) == value)
    return int(uow.session.scalar(query) or 0)


def content_counts(uow: UnitOfWork, case_id: str) -> dict[str, int]:
    """How many content rows the case still has, per table."""
    threads = list(uow.session.scalars(select(Thread.id).where(Thread.case_id == case_id)))
    return {
        "case_notes": count_rows(uow, CaseNote, case_id=case_id),
        "threads": len(threads),
        "thread_messages": int(
            uow.session.scalar(select(func.count()).where(ThreadMessage.thread_id.in_(threads))) or 0
        ),
        "appointments": count_rows(uow, Appointment, case_id=case_id),
        "referrals": count_rows(uow, Referral, case_id=case_id),
        "disclosures": count_rows(uow, Disclosure, case_id=case_id),
        "checkins": count_rows(uow, CheckIn, case_id=case_id),
    }


def _kept(case: Case, table: str, column: str, row_id: str, envelope: bytes) -> Ciphertext:
    assert case.case_key_id is not None
    return Ciphertext(case.tenant_id, table, column, row_id, bytes(envelope), case.case_key_id)


def open_kept(uow: UnitOfWork, kept: Ciphertext) -> str:
    """Try to decrypt a kept ciphertext with its (possibly shredded) case key."""
    return uow.keys.decrypt_field(
        kept.tenant_id, kept.table, kept.column, kept.row_id, kept.envelope, case_key_id=kept.case_key_id
    )

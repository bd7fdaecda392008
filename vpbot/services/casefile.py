"""Opening cases and finding them for the people allowed to see them.

Shared by booking, threads, referrals and aftercare. Access rules (C5): an adviser sees only
their own cases; an employee only cases about themselves; an admin none. A case that exists
but is not the actor's is reported as ``not_found``, so ids cannot be probed.
"""

from __future__ import annotations

import secrets

from sqlalchemy import ColumnElement, and_, select

from vpbot.domain.errors import DomainError, NotFound
from vpbot.services.actor import Actor, Role
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import Case, Thread

# No 0/O, 1/I/L: references are read aloud and typed by people.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_PSEUDONYM_WORDS = (
    "Berk", "Eik", "Linde", "Wilg", "Es", "Beuk", "Hazelaar", "Kastanje", "Lijster", "Merel",
    "Reiger", "Zwaluw", "Vlinder", "Duin", "Polder", "Kreek", "Heide", "Wad", "Zeef", "Anker",
)


def new_reference() -> str:
    """A short pseudonymous case reference, e.g. ``VP-7K3Q``."""
    return "VP-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(4))


def new_pseudonym() -> str:
    """A friendly pseudonym for an anonymous employee, e.g. ``Merel 42``."""
    return f"{secrets.choice(_PSEUDONYM_WORDS)} {secrets.randbelow(90) + 10}"


def open_case(
    uow: UnitOfWork, actor: Actor, adviser_id: str, *, anonymous: bool = False
) -> Case:
    """The employee's open case with this adviser, or a new one (with its own key).

    Only a case with the same anonymity is reused: an anonymous thread must not land in a
    case where the adviser knows the employee, nor a named booking in an anonymous case.
    """
    existing = uow.session.scalars(
        select(Case).where(
            Case.tenant_id == actor.tenant_id,
            Case.adviser_id == adviser_id,
            Case.employee_id == actor.person_id,
            Case.status == "open",
            Case.anonymous == anonymous,
        )
    ).first()
    if existing is not None:
        return existing
    taken = set(uow.session.scalars(select(Case.reference).where(Case.tenant_id == actor.tenant_id)))
    reference = new_reference()
    while reference in taken:
        reference = new_reference()
    case = Case(
        tenant_id=actor.tenant_id,
        adviser_id=adviser_id,
        employee_id=actor.person_id,
        case_key_id=uow.keys.new_case_key(actor.tenant_id),
        reference=reference,
        pseudonym=new_pseudonym(),
        anonymous=anonymous,
        opened_at=uow.now,
    )
    uow.session.add(case)
    uow.session.flush()
    uow.audit(actor, "case.opened", "case", case.id, role=Role.EMPLOYEE.value)
    return case


def case_for_adviser(uow: UnitOfWork, actor: Actor, case_id: str, *, for_update: bool = False) -> Case:
    """A case of the acting adviser; ``not_found`` for anyone else's."""
    adviser_id = actor.require_adviser()
    query = select(Case).where(
        Case.id == case_id, Case.tenant_id == actor.tenant_id, Case.adviser_id == adviser_id
    )
    case = uow.session.scalars(query.with_for_update() if for_update else query).first()
    if case is None or case.status == "purged":
        raise NotFound()
    return case


def case_for_employee(uow: UnitOfWork, actor: Actor, case_id: str) -> Case:
    """A case about the acting employee; ``not_found`` for anyone else's."""
    case = uow.session.scalars(
        select(Case).where(
            Case.id == case_id, Case.tenant_id == actor.tenant_id, Case.employee_id == actor.person_id
        )
    ).first()
    if case is None or case.status == "purged":
        raise NotFound()
    return case


def identity_revealed(uow: UnitOfWork, case: Case) -> bool:
    """Whether the employee of an anonymous case has revealed who they are (in a thread)."""
    return uow.session.scalars(
        select(Thread.id).where(Thread.case_id == case.id, Thread.revealed_at.is_not(None)).limit(1)
    ).first() is not None


def employee_id_for_adviser(uow: UnitOfWork, case: Case) -> str | None:
    """The employee's person id as the case's adviser may see it: never while anonymous.

    The one rule for every adviser view (case, thread, appointment): a named case shows
    the employee; an anonymous one only after the employee revealed their identity.
    """
    if case.anonymous and not identity_revealed(uow, case):
        return None
    return case.employee_id


def encrypt(uow: UnitOfWork, case: Case, table: str, column: str, row_id: str, text: str) -> bytes:
    """Encrypt content of ``case`` with its case key, bound to table/column/row."""
    if case.case_key_id is None:
        raise DomainError("not_found")
    return uow.keys.encrypt_field(case.tenant_id, table, column, row_id, text, case_key_id=case.case_key_id)


def decrypt(uow: UnitOfWork, case: Case, table: str, column: str, row_id: str, envelope: bytes) -> str:
    """Decrypt content of ``case`` (raises ``KeyShreddedError`` once the case is shredded)."""
    if case.case_key_id is None:
        raise NotFound()
    return uow.keys.decrypt_field(case.tenant_id, table, column, row_id, envelope, case_key_id=case.case_key_id)


def employee_cases(actor: Actor) -> ColumnElement[bool]:
    """The condition "a live case about the acting employee", for queries that join cases.

    Purged cases have no employee any more, but say so anyway: they are gone for everyone.
    """
    return and_(
        Case.tenant_id == actor.tenant_id, Case.employee_id == actor.person_id, Case.status != "purged"
    )

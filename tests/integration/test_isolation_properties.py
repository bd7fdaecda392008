"""Property tests: no actor reaches another tenant's data, an admin never receives content
or an employee identity, and an adviser never receives another adviser's case.

Hypothesis picks an actor, a use case and a target object; every combination that crosses a
boundary must be refused with a typed error and leave the database as it was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from tests.support.casework import add_adviser
from tests.support.core import uow_factory
from vpbot.domain.errors import DomainError
from vpbot.services import admin, booking, cases, referrals, statistics, tenants, threads
from vpbot.services.actor import Actor
from vpbot.services.uow import UnitOfWork, UnitOfWorkFactory
from vpbot.storage.models import AuditEvent, CaseNote, OutboxItem, Person, Referral, ThreadMessage

MARKER = "ZQX-confidential-9931"


@dataclass(frozen=True)
class TenantWorld:
    """One tenant with content: a thread, a note and a referral in adviser Anna's case."""

    tenant_id: str
    employee: Actor
    adviser: Actor
    other_adviser: Actor
    admin: Actor
    case_id: str
    thread_id: str
    referral_id: str
    employee_person_id: str


def _build(make: UnitOfWorkFactory, external: str) -> TenantWorld:
    with make() as uow:
        tenant_id = tenants.register_tenant(uow, "slack", external)
        employee = tenants.identify(uow, tenant_id, f"{external}_EMP")
        admin_actor = tenants.identify(uow, tenant_id, f"{external}_ADMIN")
        tenants.grant_first_admin(uow, tenant_id, admin_actor.person_id)
        admin_actor = tenants.identify(uow, tenant_id, f"{external}_ADMIN")
        anna = add_adviser(uow, tenant_id, f"{external}_ANNA", "Anna", 1)
        bram = add_adviser(uow, tenant_id, f"{external}_BRAM", "Bram", 2)
        assert anna.adviser_id is not None
        thread = threads.start_thread(uow, employee, anna.adviser_id, f"{MARKER} thread")
        case_id = thread.case_id
        cases.add_note(uow, anna, case_id, f"{MARKER} note")
        target = referrals.referral_targets(uow, anna)[0]
        referral = referrals.propose_referral(uow, anna, case_id, target.id, f"{MARKER} share")
        uow.commit()
    return TenantWorld(tenant_id, employee, anna, bram, admin_actor, case_id, thread.id,
                       referral.id, employee.person_id)


# Use cases that take a target id, with the role they are meant for.
Operation = Callable[[UnitOfWork, Actor, TenantWorld], Any]
OPERATIONS: dict[str, Operation] = {
    "case_detail": lambda uow, a, w: cases.case_detail(uow, a, w.case_id),
    "add_note": lambda uow, a, w: cases.add_note(uow, a, w.case_id, "x"),
    "set_legal_hold": lambda uow, a, w: cases.set_legal_hold(uow, a, w.case_id, True),
    "close_case": lambda uow, a, w: cases.close_case(uow, a, w.case_id, []),
    "record_disclosure": lambda uow, a, w: cases.record_disclosure(
        uow, a, w.case_id, "legal_duty", "a justification that is long enough"),
    "read_thread": lambda uow, a, w: threads.read_thread(uow, a, w.thread_id),
    "post_message": lambda uow, a, w: threads.post_message(uow, a, w.thread_id, "x"),
    "reveal_identity": lambda uow, a, w: threads.reveal_identity(uow, a, w.thread_id),
    "referral_status": lambda uow, a, w: referrals.referral_status(uow, a, w.referral_id),
    "shared_referral_text": lambda uow, a, w: referrals.shared_referral_text(uow, a, w.referral_id),
    "referral_for_employee": lambda uow, a, w: referrals.referral_for_employee(uow, a, w.referral_id),
    "decide_referral": lambda uow, a, w: referrals.decide_referral(uow, a, w.referral_id, "share"),
    "propose_referral": lambda uow, a, w: referrals.propose_referral(
        uow, a, w.case_id, referrals.referral_targets(uow, a)[0].id if a.adviser_id else "x", "x"),
}
ROLES = ("employee", "adviser", "other_adviser", "admin")


def _counts(uow: UnitOfWork) -> tuple[int, ...]:
    return tuple(
        int(uow.session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (CaseNote, ThreadMessage, Referral, OutboxItem, AuditEvent)
    )


@pytest.fixture
def two_tenants(engine: Engine) -> tuple[UnitOfWorkFactory, TenantWorld, TenantWorld]:
    make = uow_factory(engine)
    return make, _build(make, "TA"), _build(make, "TB")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(role=st.sampled_from(ROLES), operation=st.sampled_from(sorted(OPERATIONS)))
def test_nobody_reaches_another_tenants_objects(
    two_tenants: tuple[UnitOfWorkFactory, TenantWorld, TenantWorld], role: str, operation: str
) -> None:
    make, a, b = two_tenants
    actor: Actor = getattr(a, role)
    with make() as uow:
        before = _counts(uow)
        with pytest.raises(DomainError) as refused:
            OPERATIONS[operation](uow, actor, b)
            uow.commit()  # only reached if the boundary failed: make the damage visible
        assert refused.value.key in {"not_found", "auth.forbidden", "adviser.unknown", "input.invalid"}
    with make() as uow:
        assert _counts(uow) == before


ADVISER_ONLY = ("case_detail", "add_note", "set_legal_hold", "close_case", "record_disclosure",
                "referral_status", "shared_referral_text", "propose_referral")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operation=st.sampled_from(ADVISER_ONLY + ("read_thread", "post_message")))
def test_an_adviser_never_reaches_another_advisers_case(
    two_tenants: tuple[UnitOfWorkFactory, TenantWorld, TenantWorld], operation: str
) -> None:
    make, a, _b = two_tenants
    with make() as uow:
        with pytest.raises(DomainError) as refused:
            OPERATIONS[operation](uow, a.other_adviser, a)
            uow.commit()
        assert refused.value.key in {"not_found", "auth.forbidden"}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operation=st.sampled_from(sorted(OPERATIONS)))
def test_an_admin_receives_no_content_in_their_own_tenant(
    two_tenants: tuple[UnitOfWorkFactory, TenantWorld, TenantWorld], operation: str
) -> None:
    make, a, _b = two_tenants
    with make() as uow:
        with pytest.raises(DomainError):
            OPERATIONS[operation](uow, a.admin, a)
            uow.commit()


def _flatten(value: Any) -> str:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _flatten(dataclasses.asdict(value))
    return repr(value)


def test_admin_views_carry_no_content_and_no_employee_identity(
    two_tenants: tuple[UnitOfWorkFactory, TenantWorld, TenantWorld],
) -> None:
    make, a, _b = two_tenants
    with make() as uow:
        person = uow.session.get(Person, a.employee_person_id)
        assert person is not None
        platform_id = tenants.platform_user_id(uow, person)
        seen = [
            admin.list_advisers_admin(uow, a.admin),
            admin.list_directory(uow, a.admin),
            statistics.tenant_statistics(uow, a.tenant_id, 2026),
            booking.list_advisers(uow, a.admin),
        ]
        text = _flatten(seen)
    assert MARKER not in text
    assert a.employee_person_id not in text
    assert platform_id not in text
    assert a.case_id not in text and a.thread_id not in text

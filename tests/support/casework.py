"""A small tenant for case and thread tests: employees, advisers and an admin.

Advisers are made with plain rows (not through the admin use cases) so these tests depend
only on the code under test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select, text

from tests.support.core import T0, uow_factory
from vpbot.domain.tenant import TenantSettings
from vpbot.services import tenants
from vpbot.services.actor import Actor, Role
from vpbot.services.uow import UnitOfWork, UnitOfWorkFactory
from vpbot.storage.models import Adviser, AuditEvent, OutboxItem, RoleAssignment, Tenant


@dataclass(frozen=True)
class World:
    """One tenant with two employees, two advisers and an admin (not an adviser)."""

    make: UnitOfWorkFactory
    tenant_id: str
    employee: Actor
    other_employee: Actor
    adviser: Actor
    other_adviser: Actor
    admin: Actor


def add_adviser(uow: UnitOfWork, tenant_id: str, platform_user: str, name: str, seniority: int) -> Actor:
    """An active adviser; a lower ``seniority`` means appointed earlier."""
    person = tenants.ensure_person(uow, tenant_id, platform_user)
    uow.session.add(RoleAssignment(tenant_id=tenant_id, person_id=person.id, role=Role.ADVISER.value))
    uow.session.add(
        Adviser(
            tenant_id=tenant_id, person_id=person.id, display_name=name,
            created_at=T0 - timedelta(days=100 - seniority),
        )
    )
    uow.session.flush()
    return tenants.actor_for(uow, person)


def make_world(engine: Engine, *, second_adviser: bool = True) -> World:
    """A committed tenant: employees U_EMP and U_EMP2, advisers Anna (and Bram), admin U_ADMIN."""
    make = uow_factory(engine)
    with make() as uow:
        tenant_id = tenants.register_tenant(uow, "slack", "T_CASES")
        employee = tenants.identify(uow, tenant_id, "U_EMP")
        other_employee = tenants.identify(uow, tenant_id, "U_EMP2")
        admin = tenants.identify(uow, tenant_id, "U_ADMIN")
        tenants.grant_first_admin(uow, tenant_id, admin.person_id)
        admin = tenants.identify(uow, tenant_id, "U_ADMIN")
        adviser = add_adviser(uow, tenant_id, "U_ANNA", "Anna de Vries", 1)
        other = add_adviser(uow, tenant_id, "U_BRAM", "Bram Jansen", 2) if second_adviser else adviser
        uow.commit()
    return World(make, tenant_id, employee, other_employee, adviser, other, admin)


def update_settings(world: World, **changes: Any) -> None:
    """Change the tenant's settings (as an admin would)."""
    with world.make() as uow:
        tenant = uow.session.get(Tenant, world.tenant_id)
        assert tenant is not None
        settings = TenantSettings.from_json(tenant.settings).to_json()
        settings.update(changes)
        tenant.settings = TenantSettings.from_json(settings).to_json()
        uow.commit()


def raw_bytes(uow: UnitOfWork, table: str, column: str) -> list[bytes]:
    """The stored bytes of a column, read with plain SQL (as an operator would see them)."""
    return [bytes(v) for v in uow.session.execute(text(f"SELECT {column} FROM {table}")).scalars()]


def audit_actions(uow: UnitOfWork) -> list[str]:
    """All audit actions, in order."""
    return list(uow.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def audit_dump(uow: UnitOfWork) -> str:
    """Every value of every audit row as one string, to search for leaked content."""
    rows = uow.session.execute(text("SELECT * FROM audit_log")).all()
    return json.dumps([[str(v) for v in row] for row in rows])


def outbox_items(uow: UnitOfWork, kind: str | None = None) -> list[OutboxItem]:
    """Outbox rows (optionally of one kind), oldest first."""
    query = select(OutboxItem).order_by(OutboxItem.due_at, OutboxItem.id)
    if kind is not None:
        query = query.where(OutboxItem.kind == kind)
    return list(uow.session.scalars(query))

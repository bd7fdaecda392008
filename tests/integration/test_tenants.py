"""Registering tenants and resolving people (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from tests.support.core import uow_factory
from vpbot.domain.errors import DomainError
from vpbot.services import tenants
from vpbot.services.actor import Role
from vpbot.storage.models import Adviser, Person, ReferralTarget, RoleAssignment


def test_register_identify_and_first_admin(engine: Engine) -> None:
    make = uow_factory(engine)
    with make() as uow:
        tenant_id = tenants.register_tenant(uow, "slack", "T0001")
        assert tenants.register_tenant(uow, "slack", "T0001") == tenant_id
        installer = tenants.identify(uow, tenant_id, "U_INSTALLER")
        assert tenants.grant_first_admin(uow, tenant_id, installer.person_id)
        other = tenants.identify(uow, tenant_id, "U_OTHER")
        assert not tenants.grant_first_admin(uow, tenant_id, other.person_id)
        uow.commit()
    with make() as uow:
        again = tenants.identify(uow, tenant_id, "U_INSTALLER")
        assert again.person_id == installer.person_id
        assert again.has(Role.ADMIN) and not again.has(Role.ADVISER)
        assert not tenants.identify(uow, tenant_id, "U_OTHER").has(Role.ADMIN)
        kinds = uow.session.scalars(select(ReferralTarget.kind).where(ReferralTarget.tenant_id == tenant_id)).all()
        assert {"company_doctor", "victim_support", "whistleblower", "hr"} <= set(kinds)
        person = uow.session.get(Person, installer.person_id)
        assert person is not None and b"U_INSTALLER" not in person.platform_id_enc
        assert tenants.platform_user_id(uow, person) == "U_INSTALLER"


def test_same_user_id_in_two_tenants_is_two_people(engine: Engine) -> None:
    make = uow_factory(engine)
    with make() as uow:
        a = tenants.register_tenant(uow, "slack", "TA")
        b = tenants.register_tenant(uow, "teams", "TB")
        pa = tenants.identify(uow, a, "U1")
        pb = tenants.identify(uow, b, "U1")
        uow.commit()
    assert pa.person_id != pb.person_id
    assert pa.tenant_id == a and pb.tenant_id == b


def test_identify_platform_user_resolves_roles_in_one_read_like_actor_for(engine: Engine) -> None:
    make = uow_factory(engine)
    with make() as uow:
        tenant_id = tenants.register_tenant(uow, "slack", "T0FAST")
        both = tenants.identify(uow, tenant_id, "U_BOTH")
        retired = tenants.identify(uow, tenant_id, "U_RETIRED")
        plain = tenants.identify(uow, tenant_id, "U_PLAIN")
        for person_id, role in ((both.person_id, "admin"), (both.person_id, "adviser"), (retired.person_id, "adviser")):
            uow.session.add(RoleAssignment(tenant_id=tenant_id, person_id=person_id, role=role))
        uow.session.add(Adviser(tenant_id=tenant_id, person_id=both.person_id, display_name="A"))
        uow.session.add(Adviser(tenant_id=tenant_id, person_id=retired.person_id, display_name="R", active=False))
        uow.commit()
    with make() as uow:
        fast = {u: tenants.identify_platform_user(uow, "slack", "T0FAST", u) for u in ("U_BOTH", "U_RETIRED", "U_PLAIN")}
        slow = {u: tenants.actor_for(uow, uow.session.get(Person, a.person_id))  # type: ignore[arg-type]
                for u, a in (("U_BOTH", both), ("U_RETIRED", retired), ("U_PLAIN", plain))}
    assert fast == slow
    assert fast["U_BOTH"].roles == {Role.EMPLOYEE, Role.ADMIN, Role.ADVISER} and fast["U_BOTH"].adviser_id
    assert fast["U_RETIRED"].roles == {Role.EMPLOYEE} and fast["U_RETIRED"].adviser_id is None
    assert fast["U_PLAIN"].roles == {Role.EMPLOYEE}


def test_identify_platform_user_registers_and_reactivates_tenants(engine: Engine) -> None:
    make = uow_factory(engine)
    with make() as uow:
        first = tenants.identify_platform_user(uow, "teams", "tenant-new", "29:new", locale="en", timezone="UTC")
        uow.commit()
    assert (first.locale, first.timezone) == ("en", "UTC")
    with make() as uow:
        assert tenants.mark_uninstalled(uow, "teams", "tenant-new") is not None
        uow.commit()
    with make() as uow:
        again = tenants.identify_platform_user(uow, "teams", "tenant-new", "29:new")
        uow.commit()
    assert (again.tenant_id, again.person_id) == (first.tenant_id, first.person_id)
    with make() as uow:
        assert tenants.find_tenant(uow, "teams", "tenant-new") is not None  # active again
        with pytest.raises(TypeError):
            tenants.identify_platform_user(uow, "teams", "tenant-new", "29:new", nickname="x")
        with pytest.raises(DomainError):
            tenants.identify_platform_user(uow, "irc", "tenant-new", "29:new")


def test_facts_changed_earlier_in_the_same_unit_of_work_are_seen(engine: Engine) -> None:
    make = uow_factory(engine)
    with make() as uow:
        tenants.identify_platform_user(uow, "slack", "T0SEEN", "U1", is_workspace_admin=False)
        uow.commit()
    with make() as uow:  # the second read must see the first change, not the stored value
        actor = tenants.identify_platform_user(uow, "slack", "T0SEEN", "U1", is_workspace_admin=True)
        tenants.ensure_person(uow, actor.tenant_id, "U1", is_workspace_admin=False)
        uow.commit()
    with make() as uow:
        assert uow.session.scalars(select(Person.is_workspace_admin)).one() is False

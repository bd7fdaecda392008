"""Registering tenants and resolving people (on SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from tests.support.core import uow_factory
from vpbot.services import tenants
from vpbot.services.actor import Role
from vpbot.storage.models import Person, ReferralTarget


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

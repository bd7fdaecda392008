"""Tenants and people: registering an install, resolving who is acting.

Employee platform ids are stored encrypted (tenant key) and found by an HMAC blind index
(C4); nothing here stores a name in plain text.
"""

from __future__ import annotations

from sqlalchemy import select

from vpbot.domain.errors import DomainError
from vpbot.domain.referrals import DEFAULT_DIRECTORY
from vpbot.domain.tenant import LANGUAGES, TenantSettings
from vpbot.services.actor import Actor, Role, SystemActor
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import Adviser, Person, ReferralTarget, RoleAssignment, Tenant

PLATFORMS = ("slack", "teams")


def register_tenant(
    uow: UnitOfWork, platform: str, external_id: str, *, is_enterprise: bool = False
) -> str:
    """Create (or re-activate) the tenant for a workspace/org/tenant id; return its id.

    A new tenant gets its key and the Dutch default referral directory in the same
    transaction.
    """
    if platform not in PLATFORMS or not external_id:
        raise DomainError("input.invalid", field="platform")
    tenant = uow.session.scalars(
        select(Tenant).where(Tenant.platform == platform, Tenant.external_id == external_id)
    ).first()
    if tenant is not None:
        if tenant.status != "active":
            tenant.status, tenant.uninstalled_at = "active", None
            uow.audit(SystemActor("install", tenant.id), "tenant.reactivated", "tenant", tenant.id)
        return tenant.id
    tenant = Tenant(
        platform=platform,
        external_id=external_id,
        is_enterprise=is_enterprise,
        settings=TenantSettings().to_json(),
        created_at=uow.now,
    )
    uow.session.add(tenant)
    uow.session.flush()
    uow.keys.tenant_key(tenant.id)
    for position, entry in enumerate(DEFAULT_DIRECTORY):
        uow.session.add(
            ReferralTarget(
                tenant_id=tenant.id, kind=entry.kind.value, name=entry.name,
                contact=entry.contact, description=entry.description, position=position,
            )
        )
    uow.audit(SystemActor("install", tenant.id), "tenant.registered", "tenant", tenant.id)
    return tenant.id


def find_tenant(uow: UnitOfWork, platform: str, external_id: str) -> Tenant | None:
    """The active tenant for a platform's workspace/tenant id, if installed."""
    return uow.session.scalars(
        select(Tenant).where(
            Tenant.platform == platform, Tenant.external_id == external_id, Tenant.status == "active"
        )
    ).first()


def tenant_settings(uow: UnitOfWork, tenant_id: str) -> TenantSettings:
    """The tenant's current settings."""
    tenant = uow.session.get(Tenant, tenant_id)
    if tenant is None:
        raise DomainError("not_found")
    return TenantSettings.from_json(tenant.settings)


def _find_person(uow: UnitOfWork, tenant_id: str, platform_user_id: str) -> Person | None:
    index = uow.keys.index(tenant_id, platform_user_id)
    return uow.session.scalars(
        select(Person).where(Person.tenant_id == tenant_id, Person.platform_id_index == index)
    ).first()


def ensure_person(
    uow: UnitOfWork,
    tenant_id: str,
    platform_user_id: str,
    *,
    is_workspace_admin: bool | None = None,
    is_manager_or_hr: bool | None = None,
    locale: str | None = None,
    timezone: str | None = None,
) -> Person:
    """Find or create the person for a platform user id, updating what the platform told us."""
    if not platform_user_id or len(platform_user_id) > 128:
        raise DomainError("input.invalid", field="user")
    person = _find_person(uow, tenant_id, platform_user_id)
    if person is None:
        settings = tenant_settings(uow, tenant_id)
        person = Person(
            tenant_id=tenant_id,
            platform_id_index=uow.keys.index(tenant_id, platform_user_id),
            platform_id_enc=b"",
            # The platform's language is a first guess; once set, the person's own choice
            # (set_locale) is never overwritten by what the platform says.
            locale=locale if locale in LANGUAGES else settings.language,
            timezone=settings.timezone,
            created_at=uow.now,
        )
        uow.session.add(person)
        uow.session.flush()
        # The row id is part of the associated data, so encrypt after the id exists.
        person.platform_id_enc = uow.keys.encrypt_field(
            tenant_id, "people", "platform_id_enc", person.id, platform_user_id
        )
    if is_workspace_admin is not None:
        person.is_workspace_admin = is_workspace_admin
    if is_manager_or_hr is not None:
        person.is_manager_or_hr = is_manager_or_hr
    if timezone:
        person.timezone = timezone
    return person


def actor_for(uow: UnitOfWork, person: Person) -> Actor:
    """The actor (roles resolved) for a person."""
    roles = {Role.EMPLOYEE}
    roles.update(
        Role(r)
        for r in uow.session.scalars(
            select(RoleAssignment.role).where(RoleAssignment.person_id == person.id)
        )
    )
    adviser_id = uow.session.scalars(
        select(Adviser.id).where(Adviser.person_id == person.id, Adviser.active.is_(True))
    ).first()
    if adviser_id is None:
        roles.discard(Role.ADVISER)
    return Actor(
        tenant_id=person.tenant_id,
        person_id=person.id,
        roles=frozenset(roles),
        adviser_id=adviser_id,
        locale=person.locale,
        timezone=person.timezone,
    )


def identify(uow: UnitOfWork, tenant_id: str, platform_user_id: str, **facts: object) -> Actor:
    """The actor for a platform user in a tenant (creating the person on first contact)."""
    person = ensure_person(uow, tenant_id, platform_user_id, **facts)  # type: ignore[arg-type]
    return actor_for(uow, person)


def find_actor(uow: UnitOfWork, tenant_id: str, platform_user_id: str) -> Actor | None:
    """The actor for a platform user already known in the tenant; ``None`` for anyone else.

    Unlike :func:`identify` this creates nothing: for looking, not acting (the App Home tab).
    """
    person = _find_person(uow, tenant_id, platform_user_id)
    return actor_for(uow, person) if person is not None else None


def grant_first_admin(uow: UnitOfWork, tenant_id: str, person_id: str) -> bool:
    """Make ``person_id`` an admin if the tenant has none yet (the installing user)."""
    has_admin = uow.session.scalars(
        select(RoleAssignment.id).where(
            RoleAssignment.tenant_id == tenant_id, RoleAssignment.role == Role.ADMIN.value
        )
    ).first()
    if has_admin is not None:
        return False
    uow.session.add(
        RoleAssignment(tenant_id=tenant_id, person_id=person_id, role=Role.ADMIN.value, created_at=uow.now)
    )
    uow.audit(SystemActor("install", tenant_id), "role.granted.admin", "person", person_id)
    return True


def platform_user_id(uow: UnitOfWork, person: Person) -> str:
    """Decrypt a person's platform user id (for delivering notifications)."""
    return uow.keys.decrypt_field(person.tenant_id, "people", "platform_id_enc", person.id, person.platform_id_enc)


def mark_uninstalled(uow: UnitOfWork, platform: str, external_id: str) -> Tenant | None:
    """The app was removed: mark the tenant; its data policy is applied by the caller."""
    tenant = find_tenant(uow, platform, external_id)
    if tenant is None:
        return None
    tenant.status, tenant.uninstalled_at = "uninstalled", uow.now
    uow.audit(SystemActor(platform, tenant.id), "tenant.uninstalled", "tenant", tenant.id)
    return tenant


def set_locale(uow: UnitOfWork, actor: Actor, locale: str) -> Actor:
    """The person chose the language vpbot speaks to them; returns the actor in that language."""
    if locale not in LANGUAGES:
        raise DomainError("input.invalid", field="locale")
    person = uow.session.get(Person, actor.person_id)
    if person is None or person.tenant_id != actor.tenant_id:
        raise DomainError("not_found")
    person.locale = locale
    uow.audit(actor, "person.locale_set", "person", person.id, role=Role.EMPLOYEE.value)
    return actor_for(uow, person)

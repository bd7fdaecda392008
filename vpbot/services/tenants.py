"""Tenants and people: registering an install, resolving who is acting.

Employee platform ids are stored encrypted (tenant key) and found by an HMAC blind index
(C4); nothing here stores a name in plain text.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, select

from vpbot.domain.errors import DomainError
from vpbot.domain.referrals import DEFAULT_DIRECTORY
from vpbot.domain.tenant import LANGUAGES, TenantSettings
from vpbot.services.actor import Actor, Role, SystemActor
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import (
    Adviser,
    Person,
    ReferralTarget,
    RoleAssignment,
    Tenant,
    TenantKey,
)

PLATFORMS = ("slack", "teams")
# What a platform may tell about the acting user (see ensure_person).
PERSON_FACTS = frozenset({"is_workspace_admin", "is_manager_or_hr", "locale", "timezone"})
# The facts that follow the platform on every request (locale only seeds a new person).
_FOLLOWED_FACTS = ("is_workspace_admin", "is_manager_or_hr", "timezone")

# The statements every request runs, built once, selecting columns rather than ORM objects:
# both cut the per-request cost about threefold (see benchmarks/RESULTS.md).
_T, _K, _P = Tenant.__table__, TenantKey.__table__, Person.__table__
_TENANT_WITH_KEY = (
    select(_T.c.id, _T.c.status, _K.c.id, _K.c.wrapping_key_id, _K.c.wrapped_key)
    .select_from(_T.outerjoin(_K, _K.c.tenant_id == _T.c.id))  # one key per tenant (unique)
    .where(_T.c.platform == bindparam("platform"), _T.c.external_id == bindparam("external_id"))
)
_ROLE_LIST = (
    select(func.aggregate_strings(RoleAssignment.role, ","))
    .where(RoleAssignment.person_id == _P.c.id)
    .scalar_subquery()
)
_ACTIVE_ADVISER = (
    select(Adviser.id).where(Adviser.person_id == _P.c.id, Adviser.active.is_(True)).scalar_subquery()
)
# A person with their roles, in one round trip.
_PERSON_BY_INDEX = select(
    _P.c.id, _P.c.locale, _P.c.timezone, _P.c.is_workspace_admin, _P.c.is_manager_or_hr, _ROLE_LIST, _ACTIVE_ADVISER
).where(_P.c.tenant_id == bindparam("tenant_id"), _P.c.platform_id_index == bindparam("index"))


class _Known(NamedTuple):
    """A person as :data:`_PERSON_BY_INDEX` reads them."""

    id: str
    locale: str
    timezone: str
    is_workspace_admin: bool
    is_manager_or_hr: bool
    role_list: str | None  # comma-separated
    adviser_id: str | None  # their active adviser profile


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


def _lookup(uow: UnitOfWork, tenant_id: str, platform_user_id: str) -> _Known | None:
    """The person for a platform user id, with their roles and adviser id."""
    index = uow.keys.index(tenant_id, platform_user_id)
    row = uow.core(_PERSON_BY_INDEX, {"tenant_id": tenant_id, "index": index}).first()
    return _Known(*row) if row is not None else None


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
    person, actor = _ensure(
        uow, tenant_id, platform_user_id, is_workspace_admin=is_workspace_admin,
        is_manager_or_hr=is_manager_or_hr, locale=locale, timezone=timezone,
    )
    found = person if person is not None else uow.session.get(Person, actor.person_id)
    assert found is not None  # read in this transaction
    return found


def _ensure(uow: UnitOfWork, tenant_id: str, platform_user_id: str, **facts: Any) -> tuple[Person | None, Actor]:
    """:func:`ensure_person` and the actor; the person object only where it was loaded (created,
    or changed by what the platform said): a known, unchanged person costs one read."""
    if unknown := facts.keys() - PERSON_FACTS:
        raise TypeError(f"unknown person facts: {sorted(unknown)}")
    if not platform_user_id or len(platform_user_id) > 128:
        raise DomainError("input.invalid", field="user")
    known = _lookup(uow, tenant_id, platform_user_id)
    if known is None:
        person = _create_person(uow, tenant_id, platform_user_id, facts.get("locale"))
        _apply_facts(person, facts)
        return person, actor_for(uow, person)
    changes = {
        name: facts[name] for name in _FOLLOWED_FACTS
        if facts.get(name) not in (None, "") and facts[name] != getattr(known, name)
    }
    person = None
    if changes:
        person = uow.session.get(Person, known.id)
        assert person is not None  # read in this transaction
        _apply_facts(person, changes)
        known = known._replace(**changes)
    return person, _actor(tenant_id, known)


def _create_person(uow: UnitOfWork, tenant_id: str, platform_user_id: str, locale: str | None) -> Person:
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
    person.platform_id_enc = uow.keys.encrypt_field(tenant_id, "people", "platform_id_enc", person.id, platform_user_id)
    return person


def _apply_facts(person: Person, facts: dict[str, Any]) -> None:
    for name in _FOLLOWED_FACTS:
        if facts.get(name) not in (None, ""):
            setattr(person, name, facts[name])


def actor_for(uow: UnitOfWork, person: Person) -> Actor:
    """The actor (roles resolved) for a person."""
    roles = uow.session.scalars(select(RoleAssignment.role).where(RoleAssignment.person_id == person.id))
    adviser_id = uow.session.scalars(
        select(Adviser.id).where(Adviser.person_id == person.id, Adviser.active.is_(True))
    ).first()
    return _actor(person.tenant_id, _Known(
        person.id, person.locale, person.timezone, person.is_workspace_admin, person.is_manager_or_hr,
        ",".join(roles), adviser_id,
    ))


def _actor(tenant_id: str, person: _Known) -> Actor:
    """The actor from a person as read, with their roles and active adviser id."""
    roles = {Role.EMPLOYEE}
    roles.update(Role(r) for r in (person.role_list.split(",") if person.role_list else ()))
    if person.adviser_id is None:
        roles.discard(Role.ADVISER)
    return Actor(
        tenant_id=tenant_id,
        person_id=person.id,
        roles=frozenset(roles),
        adviser_id=person.adviser_id,
        locale=person.locale,
        timezone=person.timezone,
    )


def identify(uow: UnitOfWork, tenant_id: str, platform_user_id: str, **facts: object) -> Actor:
    """The actor for a platform user in a tenant (creating the person on first contact)."""
    return _ensure(uow, tenant_id, platform_user_id, **facts)[1]


def identify_platform_user(
    uow: UnitOfWork, platform: str, external_id: str, platform_user_id: str, **facts: object
) -> Actor:
    """:func:`register_tenant` then :func:`identify`, in two queries when both are known.

    The per-request path of every click: the tenant comes with its key and the person with
    their roles, so a known person in an active tenant costs two small reads.
    """
    params = {"platform": platform, "external_id": external_id}
    row = uow.core(_TENANT_WITH_KEY, params).first()
    if row is None or row[1] != "active" or row[2] is None:
        tenant_id = register_tenant(uow, platform, external_id)
    else:
        tenant_id, _, key_id, wrapping_key_id, wrapped_key = row
        uow.keys.adopt_tenant_key(tenant_id, key_id, wrapping_key_id, wrapped_key)
    return identify(uow, tenant_id, platform_user_id, **facts)


def find_actor(uow: UnitOfWork, tenant_id: str, platform_user_id: str) -> Actor | None:
    """The actor for a platform user already known in the tenant; ``None`` for anyone else.

    Unlike :func:`identify` this creates nothing: for looking, not acting (the App Home tab).
    """
    known = _lookup(uow, tenant_id, platform_user_id)
    return _actor(tenant_id, known) if known is not None else None


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

"""Installs, removals and "seen again": keeping each Teams user's conversation reference current.

Teams has no per-tenant install event: each user adds the app (and with it the bot) in
their personal scope, and removes it again. So:

- every activity from a user registers (or re-activates) their tenant and records the
  latest ``serviceUrl`` (Teams may move a tenant to another regional endpoint);
- the personal conversation id is stored the first time it is seen, which is also when the
  welcome card is due;
- the first person who installs the app in a tenant becomes its first vpbot admin;
- when the last user of a tenant removes the app, the tenant is marked uninstalled and its
  ``on_uninstall`` data policy is applied (:mod:`vpbot.services.uninstall`).

These functions work inside the caller's unit of work and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from plugins.teams import references
from plugins.teams.context import TeamsContext
from vpbot.services import tenants, uninstall
from vpbot.services.actor import Actor
from vpbot.services.uow import UnitOfWork

PLATFORM = "teams"


@dataclass(frozen=True)
class Seen:
    """The person behind an activity, after their reference was brought up to date."""

    tenant_id: str
    person_id: str
    actor: Actor
    new_conversation: bool  # the personal chat was not known before: welcome them


def touch(uow: UnitOfWork, context: TeamsContext, *, installing: bool = False) -> Seen | None:
    """Register the tenant and person and record where to reach them; ``None`` if unknown.

    With ``installing`` (the user added the app), the person becomes the tenant's first
    admin if it has none yet.
    """
    if not context.identified:
        return None
    assert context.tenant_id is not None and context.user_id is not None
    tenant_id = tenants.register_tenant(uow, PLATFORM, context.tenant_id)
    person = tenants.ensure_person(uow, tenant_id, context.user_id, **person_facts(context))
    new_conversation = remember_reference(uow, context, tenant_id, person.id)
    if installing:
        tenants.grant_first_admin(uow, tenant_id, person.id)
        uow.session.flush()
    return Seen(tenant_id, person.id, tenants.actor_for(uow, person), new_conversation=new_conversation)


def person_facts(context: TeamsContext) -> dict[str, str | None]:
    """What an activity tells about its sender (the client's language is only a first guess
    for a new person: their own choice wins)."""
    return {"timezone": context.timezone, "locale": context.language}


def remember_reference(uow: UnitOfWork, context: TeamsContext, tenant_id: str, person_id: str) -> bool:
    """Record where to reach the person; True when their personal chat was new to us."""
    state = references.reference_state(uow, person_id)
    known = state is not None and state.has_conversation
    conversation = context.conversation_id if context.personal and not known else None
    if conversation is None and state == (tenant_id, context.service_url, known):
        return False  # the usual case, on every activity: nothing changed, nothing loaded
    row = references.find_reference(uow, person_id)
    references.update_reference(uow, row, tenant_id, person_id, context.service_url, conversation)
    return conversation is not None


def remove(uow: UnitOfWork, context: TeamsContext) -> bool:
    """The user removed the app: forget where to reach them.

    Returns True when that was the tenant's last installation and the tenant is now
    marked uninstalled (any later activity from the tenant re-activates it).
    """
    if not context.identified:
        return False
    assert context.tenant_id is not None and context.user_id is not None
    tenant = tenants.find_tenant(uow, PLATFORM, context.tenant_id)
    if tenant is None:
        return False
    person_id = references.find_person_id(uow, tenant.id, context.user_id)
    if person_id is not None:
        references.delete_reference(uow, person_id)
    if references.references_in_tenant(uow, tenant.id) > 0:
        return False
    tenants.mark_uninstalled(uow, PLATFORM, context.tenant_id)
    uninstall.apply_uninstall_policy(uow, tenant.id)
    return True

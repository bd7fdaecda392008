"""The admin panel: appointing and removing advisers, marking managers and HR.

An admin never sees content or employee identities (C5). A tenant without any admin gets
its first one here: a workspace admin/owner who opens the panel (single-workspace installs
have no installing user to make admin).
"""

from __future__ import annotations

from vpbot.domain.adviser_profile import validate_display_name
from vpbot.domain.errors import DomainError, NotFound
from vpbot.flows import admin_config
from vpbot.flows.admin_config import admin_only
from vpbot.flows.core import FlowContext, Flows, Interaction, Outcome
from vpbot.flows.panel_forms import (
    checked,
    choice,
    chosen,
    clicked_id,
    invalid,
    metadata_id,
    platform_id,
    text,
)
from vpbot.services import admin, tenants
from vpbot.services.actor import Role
from vpbot.ui.actions import ActionId
from vpbot.ui.text import Msg
from vpbot.ui.views.admin import (
    ADD_ADVISER,
    CONFLICT,
    MANAGER,
    REMOVE_ADVISER,
    add_adviser_screen,
    added_screen,
    admin_panel,
    advisers_screen,
    conflict_screen,
    manager_screen,
    remove_adviser_screen,
)
from vpbot.ui.views.panel_parts import forbidden_screen

__all__ = ["register"]

CONFLICT_KEY = "adviser.conflict_of_interest"


def _grant_first_admin(context: FlowContext) -> bool:
    """Make the actor the tenant's first admin if it has none and they administer the workspace."""
    actor = context.actor
    user_id = platform_id(context, actor.person_id)
    if user_id is None or not context.directory.user_facts(user_id).is_workspace_admin:
        return False
    person = tenants.ensure_person(context.uow, actor.tenant_id, user_id, is_workspace_admin=True)
    if not tenants.grant_first_admin(context.uow, actor.tenant_id, person.id):
        return False
    context.actor = tenants.actor_for(context.uow, person)
    return True


def _advisers(context: FlowContext, interaction: Interaction, notice: Msg | None = None) -> Outcome:
    return Outcome.replace(
        advisers_screen(admin.list_advisers_admin(context.uow, context.actor), notice), interaction
    )


def _picked_person(context: FlowContext, interaction: Interaction) -> tuple[str, str | None]:
    """The person picked in the user picker (created if new), and their name on the platform.

    Whether they administer the workspace is stored for the conflict-of-interest check. A
    lookup that failed (no name, no flag) tells nothing and never clears a flag set earlier.
    """
    user_id = choice(interaction.values, "user")
    if user_id is None:
        raise NotFound()
    facts = context.directory.user_facts(user_id)
    known = facts.display_name is not None or facts.is_workspace_admin
    person = checked(
        "user",
        tenants.ensure_person,
        context.uow,
        context.actor.tenant_id,
        user_id,
        is_workspace_admin=facts.is_workspace_admin if known else None,
    )
    return person.id, facts.display_name


def _appoint(
    context: FlowContext,
    interaction: Interaction,
    person_id: str,
    name: str,
    is_external: bool,
    *,
    confirm: bool,
) -> Outcome:
    try:
        result = admin.appoint_adviser(
            context.uow,
            context.actor,
            person_id,
            display_name=name,
            is_external=is_external,
            confirm_conflict=confirm,
        )
    except DomainError as error:
        if error.key != CONFLICT_KEY:
            raise
        raw = error.params.get("reasons")
        reasons = tuple(str(r) for r in raw) if isinstance(raw, (tuple, list)) else ()
        return Outcome.replace(conflict_screen(person_id, is_external, name, reasons), interaction)
    screen = added_screen(name, reactivated=result.reactivated, conflict=result.conflict)
    return Outcome.replace(screen, interaction)


def register(flows: Flows) -> None:
    """Register the admin panel and adviser handlers (and the configuration ones)."""

    @flows.on_action(ActionId.OPEN_ADMIN)
    def open_panel(context: FlowContext, interaction: Interaction) -> Outcome:
        first = not context.actor.has(Role.ADMIN) and _grant_first_admin(context)
        if not context.actor.has(Role.ADMIN):
            return Outcome.replace(forbidden_screen(), interaction)
        return Outcome.replace(admin_panel(first_admin=first), interaction)

    @flows.on_action(ActionId.ADMIN_HOME)
    def back_to_panel(context: FlowContext, interaction: Interaction) -> Outcome:
        if not context.actor.has(Role.ADMIN):
            return Outcome.replace(forbidden_screen(), interaction)
        return Outcome.replace(admin_panel(), interaction)

    @flows.on_action(ActionId.ADMIN_ADVISERS)
    def advisers(context: FlowContext, interaction: Interaction) -> Outcome:
        return _advisers(context, interaction)

    flows.on_action(ActionId.ADMIN_ADVISER_ADD)(admin_only(add_adviser_screen))

    @flows.on_submit(ADD_ADVISER)
    def add(context: FlowContext, interaction: Interaction) -> Outcome:
        context.actor.require(Role.ADMIN)
        values = interaction.values
        if choice(values, "user") is None:
            return invalid("user", "form.required")
        person_id, platform_name = _picked_person(context, interaction)
        name = checked("name", validate_display_name, text(values, "name") or platform_name or "")
        if "yes" in chosen(values, "manager"):
            admin.mark_manager_or_hr(context.uow, context.actor, person_id, True)
        external = choice(values, "kind") == "external"
        return _appoint(context, interaction, person_id, name, external, confirm=False)

    @flows.on_submit(CONFLICT)
    def add_despite_conflict(context: FlowContext, interaction: Interaction) -> Outcome:
        if "yes" not in chosen(interaction.values, "confirm"):
            return invalid("confirm", "admin.adviser.coi.confirm.required")
        name = checked("name", validate_display_name, text(interaction.values, "name"))
        external = interaction.metadata.get("kind") == "external"
        person_id = metadata_id(interaction, "person")
        return _appoint(context, interaction, person_id, name, external, confirm=True)

    @flows.on_action(ActionId.ADMIN_ADVISER_REMOVE)
    def remove_form(context: FlowContext, interaction: Interaction) -> Outcome:
        adviser_id = clicked_id(interaction)
        listed = admin.list_advisers_admin(context.uow, context.actor)
        adviser = next((a for a in listed if a.adviser_id == adviser_id and a.active), None)
        if adviser is None:
            raise NotFound()
        return Outcome.replace(remove_adviser_screen(adviser), interaction)

    @flows.on_submit(REMOVE_ADVISER)
    def remove(context: FlowContext, interaction: Interaction) -> Outcome:
        result = admin.remove_adviser(context.uow, context.actor, metadata_id(interaction, "adviser"))
        notice = Msg("admin.adviser.removed", {"count": result.cancelled_appointments})
        return _advisers(context, interaction, notice)

    flows.on_action(ActionId.ADMIN_MANAGER_FLAG)(admin_only(manager_screen))

    @flows.on_submit(MANAGER)
    def mark_manager(context: FlowContext, interaction: Interaction) -> Outcome:
        context.actor.require(Role.ADMIN)
        if choice(interaction.values, "user") is None:
            return invalid("user", "form.required")
        person_id, _name = _picked_person(context, interaction)
        flag = choice(interaction.values, "flag") == "yes"
        result = admin.mark_manager_or_hr(context.uow, context.actor, person_id, flag)
        key = "admin.manager.saved_adviser" if flag and result.is_active_adviser else "admin.manager.saved"
        return _advisers(context, interaction, Msg(key))

    admin_config.register(flows)

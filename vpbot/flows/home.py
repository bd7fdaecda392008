"""The entry points: the menu, help, and "open" buttons on chat notifications."""

from __future__ import annotations

from vpbot.domain.errors import DomainError
from vpbot.flows.core import FlowContext, Flows, Interaction, Outcome
from vpbot.services import tenants
from vpbot.services.actor import Role
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import ObjectRef
from vpbot.ui.views.home import help_screen, home_screen

# Words after /vertrouwenspersoon that open a screen directly. Anything else typed is
# ignored (never echoed or stored, DESIGN.md C3) and opens the menu.
COMMAND_WORDS: dict[str, ActionId] = {
    "help": ActionId.MENU_HELP,
    "hulp": ActionId.MENU_HELP,
    "uitleg": ActionId.MENU_HELP,
    "adviseur": ActionId.OPEN_ADVISER,
    "adviser": ActionId.OPEN_ADVISER,
    "beheer": ActionId.OPEN_ADMIN,
    "admin": ActionId.OPEN_ADMIN,
}


def command_action(text: str | None) -> ActionId:
    """The action a slash command (or Teams command) opens, from its first word only."""
    word = (text or "").strip().lower().split(" ")[0]
    return COMMAND_WORDS.get(word, ActionId.OPEN_APP)


def register(flows: Flows) -> None:
    """Register the entry-point handlers."""

    @flows.on_action(ActionId.OPEN_APP)
    def open_app(context: FlowContext, interaction: Interaction) -> Outcome:
        # A chat notification's button carries a reference to what it is about.
        if interaction.value:
            try:
                ref = ObjectRef.parse(interaction.value)
            except (ValueError, TypeError):
                raise DomainError("not_found") from None
            return flows.open_ref(context, ref, interaction)
        actor = context.actor
        screen = home_screen(is_adviser=actor.has(Role.ADVISER), is_admin=actor.has(Role.ADMIN))
        # Back to the menu replaces the current modal: Slack stacks at most three views.
        return Outcome.replace(screen, interaction)

    @flows.on_action(ActionId.MENU_HELP)
    def open_help(context: FlowContext, interaction: Interaction) -> Outcome:
        settings = tenants.tenant_settings(context.uow, context.actor.tenant_id)
        return Outcome.show(help_screen(settings.retention_months), interaction)

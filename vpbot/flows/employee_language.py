"""The employee's language: stored on their person record; the menu re-opens in it."""

from __future__ import annotations

from vpbot.domain.errors import DomainError
from vpbot.flows.core import FieldError, FlowContext, Flows, Interaction, Outcome
from vpbot.flows.employee_common import text_value
from vpbot.services import tenants
from vpbot.services.actor import Role
from vpbot.ui.actions import ActionId
from vpbot.ui.views.employee_language import LANGUAGE, language_screen, with_notice
from vpbot.ui.views.home import home_screen

__all__ = ["register"]


def register(flows: Flows) -> None:
    """Register the language handlers."""

    @flows.on_action(ActionId.MENU_LANGUAGE)
    def choose(context: FlowContext, interaction: Interaction) -> Outcome:
        return Outcome.replace(language_screen(context.actor.locale), interaction)

    @flows.on_submit(LANGUAGE)
    def save(context: FlowContext, interaction: Interaction) -> Outcome:
        try:
            chosen = text_value(interaction.values, "language") or ""
            actor = tenants.set_locale(context.uow, context.actor, chosen)
        except DomainError as error:
            raise FieldError("language", error) from None
        context.actor = actor  # the menu (and everything after) speaks the new language
        menu = home_screen(is_adviser=actor.has(Role.ADVISER), is_admin=actor.has(Role.ADMIN))
        return Outcome.replace(with_notice(menu, "language.saved"), interaction)

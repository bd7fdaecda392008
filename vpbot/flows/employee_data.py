"""The "My data" journey: see everything stored about me, and delete it (explicitly confirmed)."""

from __future__ import annotations

from vpbot.domain.errors import DomainError
from vpbot.flows.core import FieldError, FlowContext, Flows, Interaction, Outcome
from vpbot.services import data_rights
from vpbot.ui.actions import ActionId
from vpbot.ui.views import employee_data as views

__all__ = ["register"]


def register(flows: Flows) -> None:
    """Register the data-rights handlers."""

    @flows.on_action(ActionId.MENU_DATA)
    def export(context: FlowContext, interaction: Interaction) -> Outcome:
        data = data_rights.export_my_data(context.uow, context.actor)
        return Outcome.replace(views.data_screen(data), interaction)

    @flows.on_action(ActionId.DATA_DELETE)
    def confirm_delete(context: FlowContext, interaction: Interaction) -> Outcome:
        return Outcome.replace(views.delete_confirm_screen(), interaction)

    @flows.on_submit(views.DELETE)
    def delete(context: FlowContext, interaction: Interaction) -> Outcome:
        if views.CONFIRM not in (interaction.values.get("confirm") or ()):
            raise FieldError("confirm", DomainError("input.invalid", field="confirm"))
        report = data_rights.delete_my_data(context.uow, context.actor)
        return Outcome.replace(views.deleted_screen(report), interaction)

"""The "My appointments and messages" overview, and the disclosures recorded about the employee."""

from __future__ import annotations

from vpbot.flows.core import FlowContext, Flows, Interaction, Outcome
from vpbot.services import booking, checkins, referrals, threads
from vpbot.services.cases import my_disclosures
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import ObjectType
from vpbot.ui.views import employee_mine as views

__all__ = ["register"]


def register(flows: Flows) -> None:
    """Register the overview and the disclosures opener."""

    @flows.on_action(ActionId.MENU_MINE)
    def mine(context: FlowContext, interaction: Interaction) -> Outcome:
        uow, actor = context.uow, context.actor
        overview = views.Mine(
            appointments=booking.my_appointments(uow, actor),
            threads=threads.my_threads(uow, actor),
            referrals=referrals.my_referrals(uow, actor),
            checkins=checkins.my_checkins(uow, actor),
            disclosures=my_disclosures(uow, actor),
        )
        return Outcome.replace(views.mine_screen(overview), interaction)

    @flows.on_ref(ObjectType.DISCLOSURE)
    def disclosures(context: FlowContext, disclosure_id: str, interaction: Interaction) -> Outcome | None:
        recorded = my_disclosures(context.uow, context.actor)
        if not any(d.id == disclosure_id for d in recorded):
            return None
        return Outcome.replace(views.disclosures_screen(recorded, first=disclosure_id), interaction)

"""Answering an aftercare check-in, from the chat notification or from "mine"."""

from __future__ import annotations

from vpbot.domain.errors import DomainError
from vpbot.flows.core import FlowContext, Flows, Handler, Interaction, Outcome
from vpbot.flows.employee_common import ref_id
from vpbot.services import checkins
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import ObjectType
from vpbot.ui.views import employee_checkins as views

__all__ = ["ANSWER_ACTIONS", "register"]

ANSWER_ACTIONS = {ActionId.CHECKIN_GOOD: "good", ActionId.CHECKIN_TALK: "talk", ActionId.CHECKIN_STOP: "stop"}
# Answering twice, or after the check-ins were stopped, is not an error to the employee.
_CLOSED = frozenset({"checkin.already_answered", "checkin.cancelled"})


def _answer_handler(answer: str) -> Handler:
    def answer_checkin(context: FlowContext, interaction: Interaction) -> Outcome:
        checkin_id = ref_id(interaction.value, ObjectType.CHECKIN)
        try:
            checkins.answer_checkin(context.uow, context.actor, checkin_id, answer)
        except DomainError as error:
            if error.key not in _CLOSED:
                raise
            return Outcome.replace(views.closed_screen(f"error.{error.key}"), interaction)
        return Outcome.replace(views.answered_screen(answer), interaction)

    return answer_checkin


def register(flows: Flows) -> None:
    """Register the check-in opener and the three answers."""

    @flows.on_ref(ObjectType.CHECKIN)
    def open_checkin(context: FlowContext, checkin_id: str, interaction: Interaction) -> Outcome | None:
        view = next((c for c in checkins.my_checkins(context.uow, context.actor) if c.id == checkin_id), None)
        if view is None:
            return None
        return Outcome.replace(views.checkin_screen(view), interaction)

    for action_id, answer in ANSWER_ACTIONS.items():
        flows.on_action(action_id)(_answer_handler(answer))

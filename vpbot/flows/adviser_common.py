"""What the adviser flows share: who counts as an adviser, the panel and the case screen."""

from __future__ import annotations

from collections.abc import Callable

from vpbot.domain.errors import NotFound
from vpbot.flows.core import FlowContext, Interaction, Outcome, RefOpener
from vpbot.flows.panel_forms import clicked_id, display_name
from vpbot.services import booking, casefile, cases
from vpbot.services.actor import Actor, Role
from vpbot.ui.screens import Screen
from vpbot.ui.text import Msg
from vpbot.ui.views.adviser import adviser_panel
from vpbot.ui.views.adviser_case import case_screen

__all__ = ["adviser_opener", "case_outcome", "is_adviser", "own_case_id", "panel"]


def is_adviser(actor: Actor) -> bool:
    """Whether the actor is an active adviser."""
    return actor.has(Role.ADVISER) and actor.adviser_id is not None


def panel(context: FlowContext, notice: Msg | None = None) -> Screen:
    """The adviser's panel, fresh from the services."""
    uow, actor = context.uow, context.actor
    return adviser_panel(
        booking.adviser_appointments(uow, actor), cases.adviser_cases(uow, actor, status="open"), notice
    )


def case_outcome(
    context: FlowContext, case_id: str, interaction: Interaction, notice: Msg | None = None
) -> Outcome:
    """The case screen (opening it is audited by the service), replacing the current one."""
    detail = cases.case_detail(context.uow, context.actor, case_id)
    name = display_name(context, detail.employee_person_id)
    return Outcome.replace(case_screen(detail, name, notice), interaction)


def own_case_id(context: FlowContext, interaction: Interaction) -> str:
    """The clicked case id, checked to be one of the acting adviser's cases."""
    return casefile.case_for_adviser(context.uow, context.actor, clicked_id(interaction)).id


def adviser_opener(open_screen: Callable[[FlowContext, str, Interaction], Outcome]) -> RefOpener:
    """An opener for a notification's "open" button that answers only for the adviser whose
    object it is; for anyone else it returns None, so the next opener (the employee's) is tried.

    ``open_screen`` must raise ``not_found`` before changing anything when the object is not
    the adviser's (the unit of work is shared with the next opener).
    """

    def opener(context: FlowContext, ref_id: str, interaction: Interaction) -> Outcome | None:
        if not is_adviser(context.actor):
            return None
        try:
            return open_screen(context, ref_id, interaction)
        except NotFound:
            return None

    return opener

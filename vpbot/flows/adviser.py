"""The adviser's panel: appointments, cases and the way into everything else.

The panel and its lists carry no identities and no content; an appointment or case screen
opened by a click does (C2). People without the adviser role get a polite refusal.
"""

from __future__ import annotations

from vpbot.domain.errors import NotFound
from vpbot.flows import adviser_case, adviser_settings, adviser_sharing
from vpbot.flows.adviser_common import adviser_opener, is_adviser, panel
from vpbot.flows.core import FlowContext, Flows, Interaction, Outcome
from vpbot.flows.panel_forms import clicked_id, display_name, metadata_id
from vpbot.services import booking, cases, report
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import ObjectType
from vpbot.ui.text import When
from vpbot.ui.views.adviser import (
    CANCEL,
    appointment_screen,
    cancel_screen,
    cancelled_screen,
    closed_cases_screen,
)
from vpbot.ui.views.adviser_numbers import numbers_screen
from vpbot.ui.views.panel_parts import forbidden_screen

__all__ = ["register"]


def _appointment(context: FlowContext, appointment_id: str, interaction: Interaction) -> Outcome:
    detail = booking.appointment_detail(context.uow, context.actor, appointment_id)
    can_cancel = detail.status == booking.BOOKED and detail.starts_at > context.uow.now
    name = display_name(context, detail.employee_person_id)
    return Outcome.replace(appointment_screen(detail, name, can_cancel=can_cancel), interaction)


def register(flows: Flows) -> None:
    """Register the adviser panel, case work and settings handlers."""

    @flows.on_action(ActionId.OPEN_ADVISER)
    @flows.on_action(ActionId.ADVISER_HOME)
    def open_panel(context: FlowContext, interaction: Interaction) -> Outcome:
        if not is_adviser(context.actor):
            return Outcome.replace(forbidden_screen(), interaction)
        return Outcome.replace(panel(context), interaction)

    @flows.on_action(ActionId.ADVISER_CLOSED_CASES)
    def closed_cases(context: FlowContext, interaction: Interaction) -> Outcome:
        closed = cases.adviser_cases(context.uow, context.actor, status="closed")
        return Outcome.replace(closed_cases_screen(closed), interaction)

    @flows.on_action(ActionId.ADVISER_NUMBERS)
    def my_numbers(context: FlowContext, interaction: Interaction) -> Outcome:
        numbers = report.adviser_numbers(context.uow, context.actor)
        return Outcome.replace(numbers_screen(numbers), interaction)

    @flows.on_action(ActionId.ADVISER_OPEN_APPOINTMENT)
    def open_appointment(context: FlowContext, interaction: Interaction) -> Outcome:
        return _appointment(context, clicked_id(interaction), interaction)

    # Not this adviser's appointment: perhaps the actor's own, as an employee (next opener).
    flows.on_ref(ObjectType.APPOINTMENT)(adviser_opener(_appointment))

    @flows.on_action(ActionId.ADVISER_CANCEL_APPOINTMENT)
    def confirm_cancel(context: FlowContext, interaction: Interaction) -> Outcome:
        appointment_id = clicked_id(interaction)
        upcoming = booking.adviser_appointments(context.uow, context.actor)
        match = next((a for a in upcoming if a.appointment_id == appointment_id), None)
        if match is None:
            raise NotFound()
        return Outcome.replace(cancel_screen(appointment_id, When(match.starts_at)), interaction)

    @flows.on_submit(CANCEL)
    def cancel(context: FlowContext, interaction: Interaction) -> Outcome:
        booking.cancel(context.uow, context.actor, metadata_id(interaction, "appointment"))
        return Outcome.replace(cancelled_screen(), interaction)

    adviser_case.register(flows)
    adviser_sharing.register(flows)
    adviser_settings.register(flows)

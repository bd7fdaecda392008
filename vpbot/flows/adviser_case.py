"""Working on a case: open it, add a note, set categories, legal hold, close and reopen.

Every handler reaches only the acting adviser's own cases (the services answer ``not_found``
for anyone else's). After a change the case screen comes back with a confirmation line.
"""

from __future__ import annotations

from vpbot.domain.aftercare import validate_checkin_weeks
from vpbot.domain.cases import validate_categories
from vpbot.domain.errors import DomainError, NotFound
from vpbot.flows.adviser_common import adviser_opener, case_outcome, own_case_id
from vpbot.flows.core import FlowContext, Flows, Interaction, Outcome
from vpbot.flows.panel_forms import checked, chosen, clicked_id, invalid, metadata_id, parse_weeks, text
from vpbot.services import casefile, cases, tenants
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import ObjectType
from vpbot.ui.text import Msg
from vpbot.ui.views.adviser_case import (
    CATEGORIES,
    CLOSE,
    NOTE,
    categories_screen,
    close_screen,
    closed_screen,
    note_screen,
)

__all__ = ["register"]


def register(flows: Flows) -> None:
    """Register the case handlers."""

    @flows.on_action(ActionId.ADVISER_OPEN_CASE)
    def open_case(context: FlowContext, interaction: Interaction) -> Outcome:
        return case_outcome(context, clicked_id(interaction), interaction)

    flows.on_ref(ObjectType.CASE)(adviser_opener(case_outcome))

    @flows.on_action(ActionId.ADVISER_ADD_NOTE)
    def note_form(context: FlowContext, interaction: Interaction) -> Outcome:
        return Outcome.replace(note_screen(own_case_id(context, interaction)), interaction)

    @flows.on_submit(NOTE)
    def add_note(context: FlowContext, interaction: Interaction) -> Outcome:
        case_id = metadata_id(interaction, "case")
        checked("note", cases.add_note, context.uow, context.actor, case_id, text(interaction.values, "note"))
        return case_outcome(context, case_id, interaction, Msg("case.note.saved"))

    @flows.on_action(ActionId.ADVISER_CATEGORIES)
    def categories_form(context: FlowContext, interaction: Interaction) -> Outcome:
        case = casefile.case_for_adviser(context.uow, context.actor, clicked_id(interaction))
        return Outcome.replace(categories_screen(case.id, tuple(case.categories or ())), interaction)

    @flows.on_submit(CATEGORIES)
    def set_categories(context: FlowContext, interaction: Interaction) -> Outcome:
        case_id = metadata_id(interaction, "case")
        picked = chosen(interaction.values, "categories")
        try:
            validate_categories(picked)
        except DomainError:
            return invalid("categories", "case.categories.invalid")
        cases.set_categories(context.uow, context.actor, case_id, picked)
        return case_outcome(context, case_id, interaction, Msg("case.categories.saved"))

    @flows.on_action(ActionId.ADVISER_LEGAL_HOLD)
    def legal_hold(context: FlowContext, interaction: Interaction) -> Outcome:
        case_id, _, switch = clicked_id(interaction).partition(":")
        if switch not in ("on", "off"):
            raise NotFound()
        cases.set_legal_hold(context.uow, context.actor, case_id, switch == "on")
        return case_outcome(context, case_id, interaction, Msg(f"case.hold.saved_{switch}"))

    @flows.on_action(ActionId.ADVISER_CLOSE_CASE)
    def close_form(context: FlowContext, interaction: Interaction) -> Outcome:
        case_id = own_case_id(context, interaction)
        settings = tenants.tenant_settings(context.uow, context.actor.tenant_id)
        screen = close_screen(case_id, settings.retention_months, settings.aftercare_weeks)
        return Outcome.replace(screen, interaction)

    @flows.on_submit(CLOSE)
    def close(context: FlowContext, interaction: Interaction) -> Outcome:
        case_id = metadata_id(interaction, "case")
        typed = text(interaction.values, "weeks")
        none = "none" in chosen(interaction.values, "no_checkins")
        if not none and not typed:
            return invalid("weeks", "adviser.close.weeks.empty")
        weeks = () if none else parse_weeks(typed)
        try:
            if weeks is None:
                raise DomainError("input.invalid", field="checkin_weeks")
            checkin_weeks = validate_checkin_weeks(weeks)
        except DomainError:
            return invalid("weeks", "adviser.close.weeks.invalid")
        closed = cases.close_case(context.uow, context.actor, case_id, list(checkin_weeks))
        return Outcome.replace(
            closed_screen(case_id, closed.purge_after, closed.checkins_due_at), interaction
        )

    @flows.on_action(ActionId.ADVISER_REOPEN_CASE)
    def reopen(context: FlowContext, interaction: Interaction) -> Outcome:
        case_id = clicked_id(interaction)
        cases.reopen_case(context.uow, context.actor, case_id)
        return case_outcome(context, case_id, interaction, Msg("case.reopened"))

"""The adviser's side of a thread, referral proposals and disclosure records.

A thread opened from a chat notification is shown here only to the thread's adviser; the
employee's opener (``employee_threads``) answers for the employee, and each returns None
for a thread that is not theirs in that role.
"""

from __future__ import annotations

from vpbot.domain.errors import NotFound
from vpbot.flows.adviser_common import adviser_opener, case_outcome, own_case_id
from vpbot.flows.core import FlowContext, Flows, Interaction, Outcome
from vpbot.flows.panel_forms import checked, choice, clicked_id, display_name, invalid, metadata_id, text
from vpbot.services import cases, referrals, threads
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import ObjectType
from vpbot.ui.options import DISCLOSURE_GROUND_VALUES
from vpbot.ui.text import Msg
from vpbot.ui.views.adviser_sharing import (
    DISCLOSURE,
    REFERRAL,
    THREAD,
    disclosure_screen,
    referral_screen,
    referral_text_screen,
    thread_screen,
)

__all__ = ["register"]

ADVISER_SIDE = "adviser"


def _thread(
    context: FlowContext, thread_id: str, interaction: Interaction, notice: Msg | None = None
) -> Outcome:
    view = threads.read_thread(context.uow, context.actor, thread_id)
    if view.viewer != ADVISER_SIDE:
        raise NotFound()  # the actor's own thread as an employee: not shown here (rolled back)
    name = display_name(context, view.employee_person_id)
    return Outcome.replace(thread_screen(view, name, notice), interaction)


def register(flows: Flows) -> None:
    """Register the thread, referral and disclosure handlers."""

    @flows.on_action(ActionId.ADVISER_OPEN_THREAD)
    def open_thread(context: FlowContext, interaction: Interaction) -> Outcome:
        return _thread(context, clicked_id(interaction), interaction)

    def own_thread(context: FlowContext, thread_id: str, interaction: Interaction) -> Outcome:
        # Checked on the content-free list first: opening marks messages read.
        if thread_id not in {t.id for t in threads.adviser_threads(context.uow, context.actor)}:
            raise NotFound()
        return _thread(context, thread_id, interaction)

    flows.on_ref(ObjectType.THREAD)(adviser_opener(own_thread))

    @flows.on_submit(THREAD)
    def reply(context: FlowContext, interaction: Interaction) -> Outcome:
        thread_id = metadata_id(interaction, "thread")
        sent = checked(
            "reply",
            threads.post_message,
            context.uow,
            context.actor,
            thread_id,
            text(interaction.values, "reply"),
        )
        if sent.sender != ADVISER_SIDE:
            raise NotFound()
        return _thread(context, thread_id, interaction, Msg("adviser.thread.sent"))

    @flows.on_action(ActionId.ADVISER_PROPOSE_REFERRAL)
    def referral_form(context: FlowContext, interaction: Interaction) -> Outcome:
        case_id = own_case_id(context, interaction)
        targets = referrals.referral_targets(context.uow, context.actor)
        return Outcome.replace(referral_screen(case_id, targets), interaction)

    @flows.on_submit(REFERRAL)
    def propose(context: FlowContext, interaction: Interaction) -> Outcome:
        case_id = metadata_id(interaction, "case")
        target = choice(interaction.values, "target")
        if target is None:
            return invalid("target", "form.required")
        share_text = text(interaction.values, "share_text")
        checked(
            "share_text", referrals.propose_referral, context.uow, context.actor, case_id, target, share_text
        )
        return case_outcome(context, case_id, interaction, Msg("referral.propose.done"))

    @flows.on_action(ActionId.ADVISER_REFERRAL_TEXT)
    def shared_text(context: FlowContext, interaction: Interaction) -> Outcome:
        referral_id = clicked_id(interaction)
        # Refused (referral.no_consent) unless the employee's consent stands right now.
        shared = referrals.shared_referral_text(context.uow, context.actor, referral_id)
        status = referrals.referral_status(context.uow, context.actor, referral_id)
        return Outcome.replace(referral_text_screen(status, shared), interaction)

    @flows.on_action(ActionId.ADVISER_RECORD_DISCLOSURE)
    def disclosure_form(context: FlowContext, interaction: Interaction) -> Outcome:
        return Outcome.replace(disclosure_screen(own_case_id(context, interaction)), interaction)

    @flows.on_submit(DISCLOSURE)
    def record_disclosure(context: FlowContext, interaction: Interaction) -> Outcome:
        case_id = metadata_id(interaction, "case")
        ground = choice(interaction.values, "ground")
        if ground not in DISCLOSURE_GROUND_VALUES:
            return invalid("ground", "form.required")
        justification = text(interaction.values, "justification")
        checked(
            "justification",
            cases.record_disclosure,
            context.uow,
            context.actor,
            case_id,
            ground,
            justification,
        )
        return case_outcome(context, case_id, interaction, Msg("disclosure.recorded"))

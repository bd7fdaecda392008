"""The employee's side of a referral: open the offer, decide, withdraw consent later."""

from __future__ import annotations

from vpbot.domain.errors import DomainError, NotFound
from vpbot.flows.core import FieldError, FlowContext, Flows, Interaction, Outcome
from vpbot.flows.employee_common import field_errors, metadata_id, ref_id, text_value
from vpbot.services import referrals
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import ObjectType
from vpbot.ui.views import employee_referrals as views

__all__ = ["DECISIONS", "register"]

# The form's choices (vpbot.ui.options.REFERRAL_CHOICE_VALUES) and the decisions they record.
DECISIONS = {"share": "share", "self": "self_contact", "decline": "decline"}
CHOICE_FIELDS = {"referral.already_decided": "choice", "input.invalid:decision": "choice"}


def register(flows: Flows) -> None:
    """Register the referral handlers."""

    @flows.on_ref(ObjectType.REFERRAL)
    def open_offer(context: FlowContext, referral_id: str, interaction: Interaction) -> Outcome | None:
        try:
            offer = referrals.referral_for_employee(context.uow, context.actor, referral_id)
        except NotFound:
            return None  # not the actor's offer: perhaps their referral as adviser
        return Outcome.replace(views.referral_screen(offer), interaction)

    @flows.on_action(ActionId.REFERRAL_OPEN)
    def open_from_list(context: FlowContext, interaction: Interaction) -> Outcome:
        outcome = open_offer(context, ref_id(interaction.value, ObjectType.REFERRAL), interaction)
        if outcome is None:
            raise NotFound()
        return outcome

    @flows.on_submit(views.REFERRAL)
    def decide(context: FlowContext, interaction: Interaction) -> Outcome:
        referral_id = metadata_id(interaction.metadata, "referral")
        choice = text_value(interaction.values, "choice")
        if choice not in DECISIONS:
            raise FieldError("choice", DomainError("input.invalid", field="decision"))
        try:
            offer = referrals.decide_referral(context.uow, context.actor, referral_id, DECISIONS[choice])
        except DomainError as error:
            raise field_errors(error, CHOICE_FIELDS) from None
        return Outcome.replace(views.referral_done_screen(offer, choice), interaction)

    @flows.on_action(ActionId.REFERRAL_WITHDRAW)
    def confirm_withdraw(context: FlowContext, interaction: Interaction) -> Outcome:
        referral_id = ref_id(interaction.value, ObjectType.REFERRAL)
        mine = {r.id: r for r in referrals.my_referrals(context.uow, context.actor)}
        if referral_id not in mine:
            raise NotFound()
        if mine[referral_id].status != "shared":
            raise DomainError("referral.not_shared")
        return Outcome.replace(views.withdraw_confirm_screen(referral_id), interaction)

    @flows.on_submit(views.WITHDRAW)
    def withdraw(context: FlowContext, interaction: Interaction) -> Outcome:
        referrals.withdraw_consent(context.uow, context.actor, metadata_id(interaction.metadata, "referral"))
        return Outcome.replace(views.withdrawn_screen(), interaction)

"""A referral offer as the employee sees it: the target and exactly what would be shared.

The employee chooses: share (the adviser may pass exactly that text on), contact them
themself, or decline; consent to share can be withdrawn later.
"""

from __future__ import annotations

from vpbot.services.referrals import ReferralOffer
from vpbot.ui import i18n
from vpbot.ui.actions import ActionId
from vpbot.ui.options import referral_choice_options
from vpbot.ui.screens import Block, Button, Buttons, ButtonStyle, Divider, Screen, Select, SelectStyle, Text
from vpbot.ui.text import Dynamic, Msg
from vpbot.ui.views.employee_common import dynamic_blocks, nav_row
from vpbot.ui.views.employee_mine import referral_type

__all__ = [
    "DECIDED",
    "REFERRAL",
    "WITHDRAW",
    "WITHDRAWN",
    "referral_done_screen",
    "referral_screen",
    "withdraw_confirm_screen",
    "withdrawn_screen",
]

REFERRAL = "vpbot.employee.referral"
DECIDED = "vpbot.employee.referral.done"
WITHDRAW = "vpbot.employee.referral.withdraw"
WITHDRAWN = "vpbot.employee.referral.withdrawn"

_PROPOSED, _SHARED = "proposed", "shared"


def _mine_row() -> Buttons:
    return nav_row(Button(ActionId.MENU_MINE, "button.menu.mine"))


def _target(offer: ReferralOffer) -> list[Block]:
    """Who the referral is to, and how to reach them."""
    kind = referral_type(offer.kind)
    blocks: list[Block] = [Text("referral.proposed.type", {"type": kind})]
    # The directory's own entries are often named after their kind ("Bedrijfsarts").
    labels = {i18n.t(kind.key, locale).casefold() for locale in i18n.SUPPORTED_LOCALES}
    if offer.target_name and offer.target_name.casefold() not in labels:
        blocks.append(Text("referral.proposed.target", {"name": Dynamic(offer.target_name)}))
    if offer.target_contact:
        blocks.append(Text("referral.proposed.contact", {"contact": Dynamic(offer.target_contact)}))
    return [*blocks, *dynamic_blocks(offer.target_description, muted=True)]


def _shared_text(offer: ReferralOffer) -> list[Block]:
    """Exactly the text that would be (or is) passed on."""
    if not offer.share_text:
        return [Text("referral.share.nothing")]
    return [Text("referral.share.heading"), *dynamic_blocks(offer.share_text)]


def referral_screen(offer: ReferralOffer) -> Screen:
    """The offer; while undecided, the choice (share / contact them myself / decline)."""
    status = Text("referral.status.line", {"status": Msg(f"referral.status.{offer.status}")})
    blocks: list[Block] = [
        Text("referral.proposed.intro") if offer.status == _PROPOSED else status,
        *_target(offer),
        Divider(),
        *_shared_text(offer),
        Divider(),
    ]
    if offer.status == _PROPOSED:
        blocks.append(Select("choice", "referral.choice.label", referral_choice_options(),
                             style=SelectStyle.RADIO, hint_key="referral.choice.hint"))
        blocks.append(_mine_row())
        return Screen(REFERRAL, "referral.title", tuple(blocks), submit_key="modal.confirm",
                      close_key="modal.close", private_metadata={"referral": offer.id})
    if offer.status == _SHARED:
        blocks.append(Buttons((Button(ActionId.REFERRAL_WITHDRAW, "button.referral.withdraw", value=offer.id,
                                      style=ButtonStyle.DANGER),)))
    blocks.append(_mine_row())
    return Screen(REFERRAL, "referral.title", tuple(blocks), close_key="modal.close")


def referral_done_screen(offer: ReferralOffer, choice: str) -> Screen:
    """What the choice means; after "contact them myself" the contact details stay here."""
    blocks: list[Block] = [Text(f"referral.done.{choice}")]
    if choice == "self":
        blocks += _target(offer)
    blocks.append(_mine_row())
    return Screen(DECIDED, "referral.title", tuple(blocks), close_key="modal.close")


def withdraw_confirm_screen(referral_id: str) -> Screen:
    """Withdraw consent? From now on nothing more is passed on."""
    blocks = (
        Text("referral.withdraw.body"),
        Buttons((Button(ActionId.REFERRAL_OPEN, "button.referral.open", value=referral_id),)),
    )
    return Screen(WITHDRAW, "referral.withdraw.title", blocks, submit_key="modal.withdraw",
                  close_key="modal.cancel", private_metadata={"referral": referral_id})


def withdrawn_screen() -> Screen:
    """Consent is withdrawn."""
    return Screen(WITHDRAWN, "referral.withdraw.title", (Text("referral.withdraw.done"), _mine_row()),
                  close_key="modal.close")

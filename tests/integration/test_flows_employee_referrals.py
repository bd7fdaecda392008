"""A referral offer as the employee handles it, click by click (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from tests.support.employee_flows import (
    EMPLOYEE,
    OTHER,
    actions,
    assert_not_stored_in_clear,
    button,
    canary,
    field_ids,
    journey,
    keys,
    open_case,
    propose,
    rendered,
    screen_of,
)
from vpbot.flows.core import Mode
from vpbot.services import referrals
from vpbot.ui.actions import ActionId
from vpbot.ui.views import employee_referrals as views


def test_share_then_withdraw_consent(engine: Engine) -> None:
    j = journey(engine)
    marker = canary()
    referral_id = propose(j, open_case(j), f"Gesprek over terugkeer. {marker}")

    opened = j.driver.click(EMPLOYEE, ActionId.OPEN_APP, f"referral:{referral_id}", in_modal=False)
    offer = screen_of(opened, views.REFERRAL)
    text = rendered(offer)
    assert opened.mode is Mode.OPEN and marker in text and "referral.share.heading" in keys(offer)
    assert "Bedrijfsarts" in text and field_ids(offer) == ["choice"]
    assert "referral.proposed.target" not in keys(offer)  # named after its kind: said once
    assert offer.private_metadata == {"referral": referral_id}

    done = screen_of(j.driver.submit(EMPLOYEE, offer, {"choice": "share"}), views.DECIDED)
    assert "referral.done.share" in keys(done) and ActionId.MENU_MINE in actions(done)
    again = j.driver.submit(EMPLOYEE, offer, {"choice": "decline"})
    assert set(again.errors) == {"choice"}

    mine = screen_of(j.driver.click(EMPLOYEE, ActionId.MENU_MINE))
    listed = button(mine, ActionId.REFERRAL_OPEN).value
    shared = screen_of(j.driver.click(EMPLOYEE, ActionId.REFERRAL_OPEN, listed), views.REFERRAL)
    assert shared.fields() == () and "referral.status.line" in keys(shared)
    confirm = screen_of(j.driver.click(EMPLOYEE, ActionId.REFERRAL_WITHDRAW,
                                       button(shared, ActionId.REFERRAL_WITHDRAW).value), views.WITHDRAW)
    assert confirm.submit_key == "modal.withdraw"
    assert screen_of(j.driver.submit(EMPLOYEE, confirm, {}), views.WITHDRAWN)
    with j.world.make() as uow:
        assert referrals.referral_status(uow, j.world.adviser, referral_id).status == "withdrawn"
    assert screen_of(j.driver.click(EMPLOYEE, ActionId.REFERRAL_WITHDRAW, referral_id)).id == "vpbot.error"
    assert_not_stored_in_clear(j.driver, marker)


@pytest.mark.parametrize(("choice", "status"), [("self", "self_contact"), ("decline", "declined")])
def test_contact_them_myself_or_decline(engine: Engine, choice: str, status: str) -> None:
    j = journey(engine)
    referral_id = propose(j, open_case(j), "", kind="mediator")
    offer = screen_of(j.driver.click(EMPLOYEE, ActionId.REFERRAL_OPEN, referral_id), views.REFERRAL)
    assert "referral.share.nothing" in keys(offer)
    done = screen_of(j.driver.submit(EMPLOYEE, offer, {"choice": choice}), views.DECIDED)
    assert ("referral.proposed.type" in keys(done)) is (choice == "self")  # the contact stays at hand
    with j.world.make() as uow:
        assert referrals.referral_status(uow, j.world.adviser, referral_id).status == status
    reopened = screen_of(j.driver.click(EMPLOYEE, ActionId.REFERRAL_OPEN, referral_id), views.REFERRAL)
    assert ActionId.REFERRAL_WITHDRAW not in actions(reopened)


def test_a_missing_choice_and_someone_elses_offer(engine: Engine) -> None:
    j = journey(engine)
    marker = canary()
    referral_id = propose(j, open_case(j), marker)
    offer = screen_of(j.driver.click(EMPLOYEE, ActionId.REFERRAL_OPEN, referral_id))
    assert set(j.driver.submit(EMPLOYEE, offer, {"choice": None}).errors) == {"choice"}
    for outcome in (
        j.driver.click(OTHER, ActionId.OPEN_APP, f"referral:{referral_id}", in_modal=False),
        j.driver.click(OTHER, ActionId.REFERRAL_OPEN, referral_id),
        j.driver.submit(OTHER, offer, {"choice": "share"}),
    ):
        assert screen_of(outcome).id == "vpbot.error" and marker not in rendered(screen_of(outcome))


def test_a_named_target_is_shown_with_its_kind(engine: Engine) -> None:
    j = journey(engine)
    referral_id = propose(j, open_case(j), "Vragen over je contract.", kind="legal")
    offer = screen_of(j.driver.click(EMPLOYEE, ActionId.REFERRAL_OPEN, referral_id), views.REFERRAL)
    assert {"referral.proposed.type", "referral.proposed.target", "referral.proposed.contact"} <= keys(offer)

"""Referrals with consent: nothing is shared without it (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from tests.support.casedata import SHARE, new_case, target_id
from tests.support.casework import World, audit_actions, audit_dump, make_world, outbox_items, raw_bytes
from vpbot.domain.consent import SHARE_TEXT_MAX
from vpbot.domain.errors import DomainError
from vpbot.services import referrals, tenants
from vpbot.storage.models import Consent, ReferralTarget


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def _propose(world: World, text: str = SHARE, kind: str = "company_doctor") -> tuple[str, str]:
    case_id = new_case(world)
    with world.make() as uow:
        view = referrals.propose_referral(uow, world.adviser, case_id, target_id(uow, world.tenant_id, kind), text)
        uow.commit()
    return case_id, view.id


def _error(call: Callable[..., object], *args: object) -> str:
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value.key


def test_share_pass_on_and_withdraw(world: World) -> None:
    case_id, referral_id = _propose(world)
    with world.make() as uow:
        [note] = outbox_items(uow, "referral_proposed")
        assert note.recipient_id == world.employee.person_id
        assert note.payload["ref"] == {"type": "referral", "id": referral_id}
        assert all(SHARE.encode() not in blob for blob in raw_bytes(uow, "referrals", "share_text_enc"))
        # Proposed, not yet decided: nothing to pass on.
        assert _error(referrals.shared_referral_text, uow, world.adviser, referral_id) == "referral.no_consent"

        offer = referrals.referral_for_employee(uow, world.employee, referral_id)
        assert offer.share_text == SHARE
        assert (offer.kind, offer.target_name) == ("company_doctor", "Bedrijfsarts")
        assert offer.target_contact and offer.target_description
        assert offer.status == "proposed" and offer.history == ()

        decided = referrals.decide_referral(uow, world.employee, referral_id, "share")
        assert decided.status == "shared" and [h.decision for h in decided.history] == ["share"]
        assert referrals.shared_referral_text(uow, world.adviser, referral_id) == SHARE

        withdrawn = referrals.withdraw_consent(uow, world.employee, referral_id)
        assert withdrawn.status == "withdrawn"
        assert _error(referrals.shared_referral_text, uow, world.adviser, referral_id) == "referral.no_consent"
        assert _error(referrals.withdraw_consent, uow, world.employee, referral_id) == "referral.not_shared"
        uow.commit()

    with world.make() as uow:
        status = referrals.referral_status(uow, world.adviser, referral_id)
        assert status.status == "withdrawn" and status.case_id == case_id
        assert [h.decision for h in status.history] == ["share", "withdraw"]
        assert [v.id for v in referrals.referrals_for_case(uow, world.adviser, case_id)] == [referral_id]
        assert [v.status for v in referrals.my_referrals(uow, world.employee)] == ["withdrawn"]
        decisions = uow.session.scalars(select(Consent.decision).where(Consent.referral_id == referral_id))
        assert sorted(decisions) == ["share", "withdraw"]
        actions = audit_actions(uow)
        for action in ("referral.proposed", "referral.viewed", "referral.consent.share",
                       "referral.shared_text_read", "referral.consent.withdraw"):
            assert action in actions
        assert "pesten" not in audit_dump(uow)
        assert "pesten" not in json.dumps([item.payload for item in outbox_items(uow)])


@pytest.mark.parametrize("decision", ["self_contact", "decline"])
def test_no_share_decision_never_passes_anything_on(world: World, decision: str) -> None:
    _, referral_id = _propose(world)
    with world.make() as uow:
        assert referrals.decide_referral(uow, world.employee, referral_id, decision).status == (
            "self_contact" if decision == "self_contact" else "declined"
        )
        assert _error(referrals.shared_referral_text, uow, world.adviser, referral_id) == "referral.no_consent"
        assert _error(referrals.withdraw_consent, uow, world.employee, referral_id) == "referral.not_shared"
        assert _error(referrals.decide_referral, uow, world.employee, referral_id, "share") == (
            "referral.already_decided"
        )
        # The employee still sees the offer (the contact details stay available).
        assert referrals.referral_for_employee(uow, world.employee, referral_id).share_text == SHARE


def test_withdraw_before_any_decision_is_refused(world: World) -> None:
    _, referral_id = _propose(world)
    with world.make() as uow:
        assert _error(referrals.withdraw_consent, uow, world.employee, referral_id) == "referral.not_shared"
        assert _error(referrals.decide_referral, uow, world.employee, referral_id, "withdraw") == "input.invalid"
        assert _error(referrals.decide_referral, uow, world.employee, referral_id, "yes") == "input.invalid"


def test_only_the_people_of_the_case_reach_a_referral(world: World) -> None:
    case_id, referral_id = _propose(world)
    with world.make() as uow:
        target = target_id(uow, world.tenant_id)
        for call, args in (
            (referrals.referral_for_employee, ()),
            (referrals.decide_referral, ("share",)),
            (referrals.withdraw_consent, ()),
        ):
            assert _error(call, uow, world.other_employee, referral_id, *args) == "not_found"
            # An admin is an employee too, and this is not their case either.
            assert _error(call, uow, world.admin, referral_id, *args) == "not_found"
        assert _error(referrals.shared_referral_text, uow, world.other_adviser, referral_id) == "not_found"
        assert _error(referrals.referral_status, uow, world.other_adviser, referral_id) == "not_found"
        assert _error(referrals.propose_referral, uow, world.other_adviser, case_id, target, "x") == "not_found"
        assert _error(referrals.referrals_for_case, uow, world.other_adviser, case_id) == "not_found"
        assert _error(referrals.shared_referral_text, uow, world.admin, referral_id) == "auth.forbidden"
        assert _error(referrals.propose_referral, uow, world.admin, case_id, target, "x") == "auth.forbidden"
        assert _error(referrals.propose_referral, uow, world.employee, case_id, target, "x") == "auth.forbidden"
        assert _error(referrals.referral_status, uow, world.admin, "0" * 32) == "auth.forbidden"
        assert _error(referrals.referral_status, uow, world.adviser, "0" * 32) == "not_found"


def test_proposal_is_validated(world: World) -> None:
    case_id = new_case(world)
    with world.make() as uow:
        target = target_id(uow, world.tenant_id)
        too_long = "x" * (SHARE_TEXT_MAX + 1)
        with pytest.raises(DomainError) as caught:
            referrals.propose_referral(uow, world.adviser, case_id, target, too_long)
        assert caught.value.key == "referral.text_too_long" and caught.value.params == {"max": SHARE_TEXT_MAX}
        assert _error(referrals.propose_referral, uow, world.adviser, case_id, "0" * 32, "x") == "not_found"
        # Another tenant's directory entry is as unknown as a missing one.
        elsewhere = tenants.register_tenant(uow, "teams", "T_ELSEWHERE")
        foreign = target_id(uow, elsewhere)
        assert _error(referrals.propose_referral, uow, world.adviser, case_id, foreign, "x") == "not_found"
        # An entry the admin switched off can no longer be proposed.
        row = uow.session.get(ReferralTarget, target)
        assert row is not None
        row.active = False
        assert _error(referrals.propose_referral, uow, world.adviser, case_id, target, "x") == "not_found"
        # The longest allowed text, and an empty one ("make contact, share nothing more"), are fine.
        other = target_id(uow, world.tenant_id, "mediator")
        assert referrals.propose_referral(uow, world.adviser, case_id, other, "y" * SHARE_TEXT_MAX).status == "proposed"
        empty = referrals.propose_referral(uow, world.adviser, case_id, other, "   ")
        referrals.decide_referral(uow, world.employee, empty.id, "share")
        assert referrals.shared_referral_text(uow, world.adviser, empty.id) == ""

"""The referral consent state machine (vpbot.domain.consent)."""

from __future__ import annotations

import itertools

import pytest

from vpbot.domain.consent import (
    SHARE_TEXT_MAX,
    Decision,
    ReferralStatus,
    may_pass_on,
    parse_decision,
    replay,
    step,
    transition,
    validate_share_text,
)
from vpbot.domain.errors import DomainError

ALLOWED = {
    (ReferralStatus.PROPOSED, Decision.SHARE): ReferralStatus.SHARED,
    (ReferralStatus.PROPOSED, Decision.SELF_CONTACT): ReferralStatus.SELF_CONTACT,
    (ReferralStatus.PROPOSED, Decision.DECLINE): ReferralStatus.DECLINED,
    (ReferralStatus.SHARED, Decision.WITHDRAW): ReferralStatus.WITHDRAWN,
}


@pytest.mark.parametrize(("status", "decision"), list(itertools.product(ReferralStatus, Decision)))
def test_every_transition_is_either_allowed_or_a_typed_error(status: ReferralStatus, decision: Decision) -> None:
    if (status, decision) in ALLOWED:
        assert transition(status, decision) is ALLOWED[status, decision]
        return
    with pytest.raises(DomainError) as caught:
        transition(status, decision)
    expected = "referral.not_shared" if decision is Decision.WITHDRAW else "referral.already_decided"
    assert caught.value.key == expected


def test_only_standing_consent_allows_passing_on() -> None:
    assert may_pass_on("shared", ["share"])
    assert not may_pass_on("proposed", [])
    assert not may_pass_on("withdrawn", ["share", "withdraw"])
    assert not may_pass_on("declined", ["decline"])
    assert not may_pass_on("self_contact", ["self_contact"])


def test_status_and_history_must_agree() -> None:
    # A status column saying "shared" without a recorded consent shares nothing.
    assert not may_pass_on("shared", [])
    assert not may_pass_on("shared", ["share", "withdraw"])
    assert not may_pass_on("shared", ["decline", "share"])
    assert not may_pass_on("shared", ["nonsense"])


def test_replay_rebuilds_the_status() -> None:
    assert replay([]) is ReferralStatus.PROPOSED
    assert replay(["share", "withdraw"]) is ReferralStatus.WITHDRAWN
    with pytest.raises(DomainError):
        replay(["share", "withdraw", "share"])


def test_decisions_are_parsed_from_form_values() -> None:
    assert parse_decision("self_contact") is Decision.SELF_CONTACT
    for bad in ("withdraw", "SHARE", "", "ja"):
        with pytest.raises(DomainError) as caught:
            parse_decision(bad)
        assert caught.value.key == "input.invalid" and caught.value.params == {"field": "decision"}


def test_share_text_is_trimmed_and_limited() -> None:
    assert validate_share_text("  kort verhaal \n") == "kort verhaal"
    assert validate_share_text("") == ""
    assert validate_share_text(" " + "a" * SHARE_TEXT_MAX + " ") == "a" * SHARE_TEXT_MAX
    with pytest.raises(DomainError) as caught:
        validate_share_text("a" * (SHARE_TEXT_MAX + 1))
    assert (caught.value.key, caught.value.params) == ("referral.text_too_long", {"max": SHARE_TEXT_MAX})
    with pytest.raises(DomainError):
        validate_share_text(None)  # type: ignore[arg-type]


def test_decisions_of_one_moment_are_ordered_as_they_must_have_happened() -> None:
    assert sorted(["withdraw", "share"], key=step) == ["share", "withdraw"]
    assert replay(sorted(["withdraw", "share"], key=step)) is ReferralStatus.WITHDRAWN

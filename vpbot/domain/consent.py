"""Consent for referrals (doorverwijzing): the state machine, pure.

Nothing about an employee is passed on without their explicit consent (DESIGN.md §2). A
referral starts as ``proposed``: the adviser has written exactly what would be shared. The
employee then decides once:

::

    proposed ──share────────> shared ──withdraw──> withdrawn
        ├─────self_contact──> self_contact
        └─────decline───────> declined

Only ``shared`` allows the adviser to pass the text on, and only until consent is withdrawn.
A decision is final for that proposal: an employee who changes their mind after declining
asks their adviser, who proposes again (so the text consented to is always the text shown).
Every decision is kept as a row; :func:`replay` rebuilds the status from that history, so
the stored status can be checked against what the employee actually decided.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from vpbot.domain.errors import DomainError

__all__ = [
    "EMPLOYEE_DECISIONS",
    "SHARE_TEXT_MAX",
    "Decision",
    "ReferralStatus",
    "may_pass_on",
    "parse_decision",
    "replay",
    "step",
    "transition",
    "validate_share_text",
]

SHARE_TEXT_MAX = 2000


class ReferralStatus(enum.StrEnum):
    """Where a referral is. Stored in ``referrals.status``."""

    PROPOSED = "proposed"
    SHARED = "shared"
    SELF_CONTACT = "self_contact"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class Decision(enum.StrEnum):
    """An employee's recorded decision. Stored in ``consents.decision``."""

    SHARE = "share"
    SELF_CONTACT = "self_contact"
    DECLINE = "decline"
    WITHDRAW = "withdraw"


# The answers to a proposal; withdrawing is a separate act on a given consent.
EMPLOYEE_DECISIONS: frozenset[Decision] = frozenset(
    {Decision.SHARE, Decision.SELF_CONTACT, Decision.DECLINE}
)

_TRANSITIONS: Mapping[tuple[ReferralStatus, Decision], ReferralStatus] = MappingProxyType(
    {
        (ReferralStatus.PROPOSED, Decision.SHARE): ReferralStatus.SHARED,
        (ReferralStatus.PROPOSED, Decision.SELF_CONTACT): ReferralStatus.SELF_CONTACT,
        (ReferralStatus.PROPOSED, Decision.DECLINE): ReferralStatus.DECLINED,
        (ReferralStatus.SHARED, Decision.WITHDRAW): ReferralStatus.WITHDRAWN,
    }
)


def transition(status: str, decision: Decision) -> ReferralStatus:
    """The status after ``decision`` in ``status``.

    Raises ``referral.not_shared`` when withdrawing consent that was never given (or is
    already withdrawn), and ``referral.already_decided`` for a second decision.
    """
    after = _TRANSITIONS.get((ReferralStatus(status), decision))
    if after is None:
        if decision is Decision.WITHDRAW:
            raise DomainError("referral.not_shared")
        raise DomainError("referral.already_decided")
    return after


def replay(decisions: Iterable[Decision | str]) -> ReferralStatus:
    """The status that a history of decisions (oldest first) leads to from ``proposed``."""
    status = ReferralStatus.PROPOSED
    for decision in decisions:
        status = transition(status, Decision(decision))
    return status


def step(decision: Decision | str) -> int:
    """A decision's place in any history: the answer first (0), a withdrawal after it (1).

    The state machine has no cycles, so this orders decisions recorded at the same moment
    (the same clock tick) the only way they can have happened.
    """
    return 1 if Decision(decision) is Decision.WITHDRAW else 0


def may_pass_on(status: str, decisions: Iterable[Decision | str]) -> bool:
    """Whether the share text may be passed on: consent given and not withdrawn.

    Both the stored status and the recorded history must say so; if they ever disagree
    (a bug, a hand-edited row), nothing is shared.
    """
    try:
        replayed = replay(decisions)
    except (DomainError, ValueError):
        return False
    return status == ReferralStatus.SHARED and replayed is ReferralStatus.SHARED


def parse_decision(value: str, allowed: frozenset[Decision] = EMPLOYEE_DECISIONS) -> Decision:
    """A decision from a form value; ``input.invalid`` for anything else."""
    try:
        decision = Decision(value)
    except ValueError:
        raise DomainError("input.invalid", field="decision") from None
    if decision not in allowed:
        raise DomainError("input.invalid", field="decision")
    return decision


def validate_share_text(text: str) -> str:
    """What the adviser proposes to share, trimmed; at most :data:`SHARE_TEXT_MAX` characters.

    It may be empty: "make contact, share nothing more" is a valid proposal.
    """
    if not isinstance(text, str):
        raise DomainError("input.invalid", field="share_text")
    cleaned = text.strip()
    if len(cleaned) > SHARE_TEXT_MAX:
        raise DomainError("referral.text_too_long", max=SHARE_TEXT_MAX)
    return cleaned

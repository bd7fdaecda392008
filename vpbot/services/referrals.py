"""Referrals (doorverwijzing) with the employee's consent.

The adviser proposes a referral to an entry of the tenant's directory and writes exactly
what would be shared (encrypted with the case key, at most 2000 characters). The employee
gets a content-free notification, opens the offer (target and exactly that text) and
decides: share, contact them themself, or decline; consent to share may be withdrawn later.
Each decision is a ``consents`` row; the state machine is :mod:`vpbot.domain.consent`.

The adviser can read the text for passing on only while consent stands
(:func:`shared_referral_text`, ``referral.no_consent`` otherwise): nothing is shared without
consent. The adviser sees the status and its history, never more than that about the
decision. Every step is audited without content; reading content is audited too.

Access: the adviser only on their own cases, the employee only on their own (``not_found``
for anyone else's); a non-adviser calling an adviser use case gets ``auth.forbidden``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from vpbot.domain import consent as rules
from vpbot.domain.consent import Decision, ReferralStatus
from vpbot.domain.errors import DomainError, NotFound
from vpbot.services import casefile
from vpbot.services.actor import Actor, Role
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import Case, Consent, Referral, ReferralTarget, new_id
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType

__all__ = [
    "ConsentEntry",
    "ReferralOffer",
    "ReferralStatusView",
    "TargetOption",
    "decide_referral",
    "my_referral_offers",
    "my_referrals",
    "propose_referral",
    "referral_for_employee",
    "referral_status",
    "referral_targets",
    "referrals_for_case",
    "shared_referral_text",
    "withdraw_consent",
]

_ADVISER = Role.ADVISER.value
_EMPLOYEE = Role.EMPLOYEE.value
_TABLE, _COLUMN = "referrals", "share_text_enc"


@dataclass(frozen=True)
class ConsentEntry:
    """One recorded decision."""

    decision: str
    recorded_at: datetime


@dataclass(frozen=True)
class ReferralOffer:
    """A referral as the employee sees it: the target and exactly what would be shared."""

    id: str
    case_reference: str
    kind: str
    target_name: str
    target_contact: str
    target_description: str
    share_text: str
    status: str
    proposed_at: datetime
    history: tuple[ConsentEntry, ...]


@dataclass(frozen=True)
class ReferralStatusView:
    """A referral as its adviser sees it in lists: target, status and history, no text."""

    id: str
    case_id: str
    case_reference: str
    kind: str
    target_name: str
    status: str
    proposed_at: datetime
    decided_at: datetime | None
    history: tuple[ConsentEntry, ...]


@dataclass(frozen=True)
class TargetOption:
    """A directory entry an adviser can refer to (public contact details, no case data)."""

    id: str
    kind: str
    name: str
    contact: str


# --------------------------------------------------------------------------- adviser


def referral_targets(uow: UnitOfWork, actor: Actor) -> list[TargetOption]:
    """The tenant's referral directory, in display order, for an adviser choosing a target."""
    actor.require_adviser()
    rows = uow.session.scalars(
        select(ReferralTarget)
        .where(ReferralTarget.tenant_id == actor.tenant_id, ReferralTarget.active.is_(True))
        .order_by(ReferralTarget.position, ReferralTarget.name, ReferralTarget.id)
    ).all()
    return [TargetOption(row.id, row.kind, row.name, row.contact) for row in rows]


def propose_referral(
    uow: UnitOfWork, actor: Actor, case_id: str, target_id: str, share_text: str
) -> ReferralStatusView:
    """Propose a referral on one of the adviser's cases; notify the employee (no content)."""
    text = rules.validate_share_text(share_text)
    case = casefile.case_for_adviser(uow, actor, case_id)
    target = uow.session.scalars(
        select(ReferralTarget).where(
            ReferralTarget.id == target_id,
            ReferralTarget.tenant_id == actor.tenant_id,
            ReferralTarget.active.is_(True),
        )
    ).first()
    if target is None or case.employee_id is None:
        raise NotFound()
    referral = Referral(
        id=new_id(), case_id=case.id, target_id=target.id, kind=target.kind,
        status=ReferralStatus.PROPOSED.value, created_at=uow.now,
    )
    referral.share_text_enc = casefile.encrypt(uow, case, _TABLE, _COLUMN, referral.id, text)
    uow.session.add(referral)
    uow.session.flush()
    uow.notify(
        case.tenant_id,
        case.employee_id,
        Notification(NotificationKind.REFERRAL_PROPOSED, ref=ObjectRef(ObjectType.REFERRAL, referral.id)),
        dedupe_key=f"referral:{referral.id}",
    )
    uow.audit(actor, "referral.proposed", "referral", referral.id, role=_ADVISER)
    return _status_view(uow, referral, case, target)


def referral_status(uow: UnitOfWork, actor: Actor, referral_id: str) -> ReferralStatusView:
    """Status and decision history of one of the adviser's referrals (no content)."""
    referral, case = _for_adviser(uow, actor, referral_id)
    return _status_view(uow, referral, case, _target(uow, referral))


def referrals_for_case(uow: UnitOfWork, actor: Actor, case_id: str) -> list[ReferralStatusView]:
    """The referrals on one of the adviser's cases, oldest first (no content)."""
    case = casefile.case_for_adviser(uow, actor, case_id)
    referrals = uow.session.scalars(
        select(Referral).where(Referral.case_id == case.id).order_by(Referral.created_at, Referral.id)
    ).all()
    return [_status_view(uow, r, case, _target(uow, r)) for r in referrals]


def shared_referral_text(uow: UnitOfWork, actor: Actor, referral_id: str) -> str:
    """The text to pass on — only while the employee's consent to share stands.

    ``referral.no_consent`` if they never consented, chose to make contact themself,
    declined, or withdrew their consent.
    """
    referral, case = _for_adviser(uow, actor, referral_id, for_update=True)
    if not rules.may_pass_on(referral.status, _decisions(uow, referral)):
        raise DomainError("referral.no_consent")
    uow.audit(actor, "referral.shared_text_read", "referral", referral.id, role=_ADVISER)
    return casefile.decrypt(uow, case, _TABLE, _COLUMN, referral.id, referral.share_text_enc)


# --------------------------------------------------------------------------- employee


def referral_for_employee(uow: UnitOfWork, actor: Actor, referral_id: str) -> ReferralOffer:
    """The employee opens a referral offer: the target and exactly the text to be shared."""
    referral, case = _for_employee(uow, actor, referral_id)
    uow.audit(actor, "referral.viewed", "referral", referral.id, role=_EMPLOYEE)
    return _offer(uow, referral, case)


def my_referrals(uow: UnitOfWork, actor: Actor) -> list[ReferralStatusView]:
    """The employee's referrals, newest first, without the share text (open one to read it)."""
    rows = uow.session.execute(
        _employee_query(actor).order_by(Referral.created_at.desc(), Referral.id)
    ).all()
    return [_status_view(uow, referral, case, _target(uow, referral)) for referral, case in rows]


def decide_referral(uow: UnitOfWork, actor: Actor, referral_id: str, decision: str) -> ReferralOffer:
    """Record the employee's decision: ``share``, ``self_contact`` or ``decline`` (once)."""
    chosen = rules.parse_decision(decision)
    referral, case = _for_employee(uow, actor, referral_id, for_update=True)
    return _record(uow, actor, referral, case, chosen)


def withdraw_consent(uow: UnitOfWork, actor: Actor, referral_id: str) -> ReferralOffer:
    """Withdraw consent to share (only after ``share``): from now on nothing is passed on."""
    referral, case = _for_employee(uow, actor, referral_id, for_update=True)
    return _record(uow, actor, referral, case, Decision.WITHDRAW)


def my_referral_offers(uow: UnitOfWork, actor: Actor) -> list[ReferralOffer]:
    """All the employee's referral offers with their texts, oldest first.

    For the data export, which audits itself; screens use :func:`my_referrals` and open one
    offer at a time (C2).
    """
    rows = uow.session.execute(
        _employee_query(actor).order_by(Referral.created_at, Referral.id)
    ).all()
    return [_offer(uow, referral, case) for referral, case in rows]


# --------------------------------------------------------------------------- helpers


def _record(uow: UnitOfWork, actor: Actor, referral: Referral, case: Case, decision: Decision) -> ReferralOffer:
    after = rules.transition(referral.status, decision)
    referral.status = after.value
    if decision is not Decision.WITHDRAW:
        referral.decided_at = uow.now
    uow.session.add(Consent(id=new_id(), referral_id=referral.id, decision=decision.value, recorded_at=uow.now))
    uow.session.flush()
    # The decision itself is the accountable fact (proof of consent); it is not content.
    uow.audit(actor, f"referral.consent.{decision.value}", "referral", referral.id, role=_EMPLOYEE)
    return _offer(uow, referral, case)


def _employee_query(actor: Actor) -> Select[tuple[Referral, Case]]:
    return (
        select(Referral, Case)
        .join(Case, Case.id == Referral.case_id)
        .where(casefile.employee_cases(actor))
    )


def _for_employee(
    uow: UnitOfWork, actor: Actor, referral_id: str, *, for_update: bool = False
) -> tuple[Referral, Case]:
    query = _employee_query(actor).where(Referral.id == referral_id)
    if for_update:
        query = query.with_for_update(of=Referral)
    row = uow.session.execute(query).first()
    if row is None:
        raise NotFound()
    referral, case = row
    return referral, case


def _for_adviser(
    uow: UnitOfWork, actor: Actor, referral_id: str, *, for_update: bool = False
) -> tuple[Referral, Case]:
    actor.require_adviser()
    query = select(Referral).where(Referral.id == referral_id)
    # Locked when passing the text on: a withdrawal committing at the same moment either
    # lands first (and we refuse) or waits until we are done — never half of each.
    referral = uow.session.scalars(query.with_for_update() if for_update else query).first()
    if referral is None:
        raise NotFound()
    # Someone else's case is reported exactly like a missing referral.
    return referral, casefile.case_for_adviser(uow, actor, referral.case_id)


def _target(uow: UnitOfWork, referral: Referral) -> ReferralTarget | None:
    return uow.session.get(ReferralTarget, referral.target_id) if referral.target_id else None


def _decisions(uow: UnitOfWork, referral: Referral) -> list[Decision]:
    return [Decision(entry.decision) for entry in _history(uow, referral)]


def _history(uow: UnitOfWork, referral: Referral) -> tuple[ConsentEntry, ...]:
    rows = uow.session.scalars(select(Consent).where(Consent.referral_id == referral.id)).all()
    ordered = sorted(rows, key=lambda row: (row.recorded_at, rules.step(row.decision)))
    return tuple(ConsentEntry(row.decision, row.recorded_at) for row in ordered)


def _status_view(
    uow: UnitOfWork, referral: Referral, case: Case, target: ReferralTarget | None
) -> ReferralStatusView:
    return ReferralStatusView(
        id=referral.id,
        case_id=case.id,
        case_reference=case.reference,
        kind=referral.kind,
        # A directory entry removed since keeps its kind; the UI labels it by kind then.
        target_name=target.name if target is not None else "",
        status=referral.status,
        proposed_at=referral.created_at,
        decided_at=referral.decided_at,
        history=_history(uow, referral),
    )


def _offer(uow: UnitOfWork, referral: Referral, case: Case) -> ReferralOffer:
    target = _target(uow, referral)
    return ReferralOffer(
        id=referral.id,
        case_reference=case.reference,
        kind=referral.kind,
        target_name=target.name if target is not None else "",
        target_contact=target.contact if target is not None else "",
        target_description=target.description if target is not None else "",
        share_text=casefile.decrypt(uow, case, _TABLE, _COLUMN, referral.id, referral.share_text_enc),
        status=referral.status,
        proposed_at=referral.created_at,
        history=_history(uow, referral),
    )

"""A generated year of casework for report tests, with a canary in every free-text field.

Cases are opened all through the year with an internal and an external adviser, with
categories, appointments (some cancelled), notes, messages, referrals, disclosures and
check-ins. Everything anyone could type — adviser names and intros, directory entries,
booking notes, case notes, messages, share texts, justifications, even the platform user
ids — is a random marker, so a test can prove that no output carries any of it.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine, select

from tests.support.casedata import add_appointment, add_disclosure, add_message, add_note, close
from tests.support.core import uow_factory
from vpbot.domain.cases import CATEGORIES
from vpbot.services import casefile, checkins, referrals, tenants
from vpbot.services.actor import Actor, Role
from vpbot.services.clock import FixedClock
from vpbot.services.uow import UnitOfWork, UnitOfWorkFactory
from vpbot.storage.models import Adviser, Case, ReferralTarget, RoleAssignment

MODES = ("in_person", "phone", "video")


@dataclass
class History:
    """The tenant, who is in it, and every secret string and id that must stay out of reports."""

    make: UnitOfWorkFactory
    tenant_id: str
    external_id: str
    admin: Actor
    advisers: list[Actor] = field(default_factory=list)
    never_shown: list[str] = field(default_factory=list)  # markers, case ids, references, pseudonyms

    def marker(self) -> str:
        """A fresh random marker, remembered."""
        text = f"CANARY{secrets.token_hex(5)}"
        self.never_shown.append(text)
        return text

    @property
    def clock(self) -> FixedClock:
        """The clock every unit of work of this history reads."""
        assert isinstance(self.make.clock, FixedClock)
        return self.make.clock


def _adviser(uow: UnitOfWork, history: History, *, external: bool) -> Actor:
    person = tenants.ensure_person(uow, history.tenant_id, history.marker())
    uow.session.add(RoleAssignment(tenant_id=history.tenant_id, person_id=person.id, role=Role.ADVISER.value))
    uow.session.add(
        Adviser(tenant_id=history.tenant_id, person_id=person.id, display_name=history.marker(),
                intro=history.marker(), is_external=external)
    )
    uow.session.flush()
    return tenants.actor_for(uow, person)


def _setup(engine: Engine, year: int, external_id: str) -> History:
    make = uow_factory(engine, FixedClock(datetime(year, 1, 5, 9, 0, tzinfo=timezone.utc)))
    with make() as uow:
        tenant_id = tenants.register_tenant(uow, "slack", external_id)
        admin = tenants.identify(uow, tenant_id, "U_ADMIN")
        tenants.grant_first_admin(uow, tenant_id, admin.person_id)
        history = History(make, tenant_id, external_id, tenants.identify(uow, tenant_id, "U_ADMIN"))
        history.advisers = [_adviser(uow, history, external=False), _adviser(uow, history, external=True)]
        for target in uow.session.scalars(select(ReferralTarget).where(ReferralTarget.tenant_id == tenant_id)):
            target.name, target.contact, target.description = history.marker(), history.marker(), history.marker()
        uow.commit()
    return history


def _case(history: History, rng: random.Random, opened_at: datetime) -> None:
    """One case, opened at ``opened_at``, with a random amount of everything."""
    history.clock.at = opened_at
    adviser = rng.choice(history.advisers)
    assert adviser.adviser_id is not None
    with history.make() as uow:
        employee = tenants.identify(uow, history.tenant_id, history.marker())
        case = casefile.open_case(uow, employee, adviser.adviser_id, anonymous=rng.random() < 0.2)
        case.categories = rng.choice([[], ["undisclosed"], *([c] for c in CATEGORIES[:6]), ["bullying", "workload"]])
        history.never_shown += [case.id, case.reference, case.pseudonym]
        for _ in range(rng.randint(0, 3)):
            status = "cancelled" if rng.random() < 0.2 else "booked"
            # Minutes from the marker count: no two appointments ever hold the same slot.
            start = opened_at + timedelta(days=rng.randint(0, 30), minutes=len(history.never_shown))
            add_appointment(uow, case, start, mode=rng.choice(MODES), note=history.marker(), status=status)
        add_note(uow, case, history.marker())
        if rng.random() < 0.5:
            add_message(uow, case, history.marker())
        if rng.random() < 0.1:
            add_disclosure(uow, case, history.marker())
        offer = None
        if rng.random() < 0.5:
            targets = list(uow.session.scalars(select(ReferralTarget.id).where(ReferralTarget.tenant_id == history.tenant_id)))
            offer = referrals.propose_referral(uow, adviser, case.id, rng.choice(targets), history.marker())
        uow.commit()
        case_id = case.id
    if offer is not None and rng.random() < 0.8:
        with history.make() as uow:
            referrals.decide_referral(uow, employee, offer.id, rng.choice(["share", "self_contact", "decline"]))
            uow.commit()
    if rng.random() < 0.8:
        history.clock.at = opened_at + timedelta(days=rng.randint(20, 60))
        with history.make() as uow:
            due = close(uow, uow.session.get_one(Case, case_id), weeks=(2, 6))
            uow.commit()
            ids = [c.id for c in due]
        if rng.random() < 0.6:
            with history.make() as uow:
                checkins.answer_checkin(uow, employee, ids[0], rng.choice(["good", "talk", "stop"]))
                uow.commit()


def make_history(engine: Engine, *, seed: int, year: int = 2026, cases: int = 24,
                 external_id: str = "T-HISTORY") -> History:
    """A committed tenant with ``cases`` generated cases opened during ``year``."""
    rng = random.Random(seed)
    history = _setup(engine, year, external_id)
    start = datetime(year, 1, 5, 9, 0, tzinfo=timezone.utc)
    for offset in sorted(rng.randint(0, 350) for _ in range(cases)):
        _case(history, rng, start + timedelta(days=offset))
    return history

"""Helpers for the employee-journey flow tests: a bookable tenant, screen inspection, canaries."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select, text

from plugins.slack.render import Renderer
from tests.support import booking as bookable
from tests.support.core import T0
from tests.support.flows import TENANT, FlowDriver
from vpbot.flows.core import Outcome
from vpbot.services import casefile, cases, referrals
from vpbot.services.clock import FixedClock
from vpbot.storage.models import CheckIn, OutboxItem, ReferralTarget
from vpbot.ui.screens import Button, Buttons, Screen

EMPLOYEE = "U_EMP"
OTHER = "U_EMP2"


@dataclass
class Journey:
    """A driver on a tenant with an admin and one bookable adviser ("Anne de Vries")."""

    driver: FlowDriver
    world: bookable.World

    @property
    def adviser_id(self) -> str:
        return self.world.adviser_id

    def tick(self, minutes: int = 1) -> None:
        """Move the shared clock forward (so messages get distinct times)."""
        clock = self.driver.uows.clock
        assert isinstance(clock, FixedClock)
        clock.advance(timedelta(minutes=minutes))


def journey(engine: Engine) -> Journey:
    """A fresh tenant (the driver's) with a bookable adviser, at ``T0`` (Monday 08:00Z)."""
    driver = FlowDriver(engine, FixedClock(T0))
    world = bookable.make_world(engine, external_id=TENANT, make=driver.uows)
    return Journey(driver, world)


def open_case(j: Journey, user: str = EMPLOYEE) -> str:
    """A case of ``user`` with the adviser (committed); its id."""
    actor = j.world.person(user)
    with j.world.make() as uow:
        case = casefile.open_case(uow, actor, j.adviser_id)
        uow.commit()
        return case.id


def propose(j: Journey, case_id: str, share_text: str, kind: str = "company_doctor") -> str:
    """The adviser proposes a referral to the tenant's ``kind`` entry; the referral id."""
    with j.world.make() as uow:
        target = uow.session.scalars(
            select(ReferralTarget.id)
            .where(ReferralTarget.tenant_id == j.world.tenant_id, ReferralTarget.kind == kind)
        ).first()
        assert target is not None
        view = referrals.propose_referral(uow, j.world.adviser, case_id, target, share_text)
        uow.commit()
        return view.id


def close_with_checkins(j: Journey, case_id: str, weeks: list[int]) -> list[str]:
    """The adviser closes the case with check-ins after ``weeks``; their ids, soonest first."""
    with j.world.make() as uow:
        cases.close_case(uow, j.world.adviser, case_id, weeks)
        uow.commit()
    with j.world.make() as uow:
        return list(uow.session.scalars(
            select(CheckIn.id).where(CheckIn.case_id == case_id).order_by(CheckIn.due_at)
        ))


def disclose(j: Journey, case_id: str, justification: str) -> str:
    """The adviser records a disclosure without consent; its id."""
    with j.world.make() as uow:
        view = cases.record_disclosure(uow, j.world.adviser, case_id, "acute_danger", justification)
        uow.commit()
        return view.id


def canary() -> str:
    """A random marker to type into a free-text field."""
    return f"CANARY{secrets.token_hex(6)}"


def screen_of(outcome: Outcome, screen_id: str | None = None) -> Screen:
    """The outcome's screen (optionally checking its id)."""
    assert outcome.screen is not None, outcome
    if screen_id is not None:
        assert outcome.screen.id == screen_id, (outcome.screen.id, screen_id)
    return outcome.screen


def rendered(screen: Screen, locale: str = "nl", tz: str = "Europe/Amsterdam") -> str:
    """The Slack modal for ``screen`` as JSON text (for searching what a person sees)."""
    return json.dumps(Renderer(locale, tz).modal(screen), ensure_ascii=False)


def slack_blocks(screen: Screen) -> list[dict[str, Any]]:
    """The Slack blocks of ``screen`` (Dutch)."""
    return Renderer("nl", "Europe/Amsterdam").modal(screen)["blocks"]


def buttons(screen: Screen) -> list[Button]:
    """Every button on the screen, in order."""
    return [b for block in screen.blocks if isinstance(block, Buttons) for b in block.buttons]


def button(screen: Screen, action_id: str, value: str | None = None) -> Button:
    """The first button with ``action_id`` (and ``value``, if given)."""
    for b in buttons(screen):
        if b.action_id == action_id and (value is None or b.value == value):
            return b
    raise AssertionError(f"no button {action_id} {value} on {screen.id}")


def actions(screen: Screen) -> set[str]:
    """The action ids of the screen's buttons."""
    return {b.action_id for b in buttons(screen)}


def field_ids(screen: Screen) -> list[str]:
    """The ids of the screen's input fields."""
    return [f.id for f in screen.fields()]


def keys(screen: Screen) -> set[str]:
    """The message keys of the screen's texts."""
    return {getattr(block, "key") for block in screen.blocks if hasattr(block, "key")}


def stored_traces(driver: FlowDriver) -> Iterator[str]:
    """Every outbox payload and every audit row, as text."""
    with driver.uows() as uow:
        for payload in uow.session.scalars(select(OutboxItem.payload)):
            yield json.dumps(payload)
        for row in uow.session.execute(text("SELECT * FROM audit_log")).all():
            yield json.dumps([str(v) for v in row])


def assert_not_stored_in_clear(driver: FlowDriver, marker: str) -> None:
    """``marker`` is in no outbox payload (chat) and no audit row."""
    for trace in stored_traces(driver):
        assert marker not in trace

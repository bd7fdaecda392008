"""Entry points through the platform-neutral flows."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select

from tests.support.core import uow_factory
from tests.support.flows import FlowDriver
from vpbot.domain.errors import DomainError
from vpbot.flows.core import Interaction, Kind, Mode
from vpbot.flows.home import command_action
from vpbot.flows.registry import build_flows
from vpbot.services import tenants
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import Person, Tenant
from vpbot.ui.actions import ActionId


def test_command_words_choose_the_screen_and_anything_else_opens_the_menu() -> None:
    assert command_action("help") is ActionId.MENU_HELP
    assert command_action("Beheer") is ActionId.OPEN_ADMIN
    assert command_action("adviseur please") is ActionId.OPEN_ADVISER
    assert command_action("mijn baas intimideert mij") is ActionId.OPEN_APP
    assert command_action(None) is ActionId.OPEN_APP


def test_menu_and_help(engine: Engine) -> None:
    driver = FlowDriver(engine)
    outcome = driver.click("U1", ActionId.OPEN_APP, in_modal=False)
    assert outcome.mode is Mode.OPEN and outcome.screen is not None
    assert outcome.screen.id == "vpbot.home"
    outcome = driver.click("U1", ActionId.MENU_HELP)
    assert outcome.mode is Mode.PUSH and outcome.screen is not None and outcome.screen.id == "vpbot.help"


def test_unknown_action_and_bad_reference_give_a_calm_error_screen(engine: Engine) -> None:
    driver = FlowDriver(engine)
    outcome = driver.click("U1", "vpbot.does.not.exist")
    assert outcome.screen is not None and outcome.screen.id == "vpbot.error"
    outcome = driver.click("U1", ActionId.OPEN_APP, value="thread:not-an-id", in_modal=False)
    assert outcome.screen is not None and outcome.screen.id == "vpbot.error"


def test_first_requests_from_a_new_workspace_at_once_all_get_the_menu(engine: Engine) -> None:
    # Found by the benchmark on PostgreSQL: 10 people opening the app in a new workspace at
    # the same moment raced to create the tenant, and the losers' requests failed.
    flows = build_flows(uow_factory(engine))
    users = [f"U{i}" for i in range(12)] * 2  # each person twice: the person row races too
    start = threading.Barrier(len(users))

    def open_app(user: str) -> str | None:
        start.wait()
        _, outcome = flows.handle("slack", "T0RACE", user, Interaction(Kind.ACTION, ActionId.OPEN_APP, in_modal=False))
        return outcome.screen.id if outcome.screen is not None else None

    with ThreadPoolExecutor(len(users)) as pool:
        screens = list(pool.map(open_app, users))
    assert screens == ["vpbot.home"] * len(users)
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Tenant)) == 1
        assert connection.scalar(select(func.count()).select_from(Person)) == 12


def test_a_unit_of_work_that_keeps_losing_races_ends_in_a_calm_try_again(engine: Engine) -> None:
    uows = uow_factory(engine)
    runs = []

    def always_conflicting(uow: UnitOfWork) -> None:
        runs.append(1)
        tenant_id = tenants.register_tenant(uow, "slack", "T0DUP")
        uow.session.add(Person(tenant_id=tenant_id, platform_id_index="same", platform_id_enc=b"x", created_at=uow.now))
        uow.session.add(Person(tenant_id=tenant_id, platform_id_index="same", platform_id_enc=b"y", created_at=uow.now))
        uow.commit()

    with pytest.raises(DomainError) as refused:
        uows.run(always_conflicting, attempts=3)
    assert refused.value.key == "service.unavailable" and len(runs) == 3

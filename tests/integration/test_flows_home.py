"""Entry points through the platform-neutral flows."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.support.flows import FlowDriver
from vpbot.flows.core import Mode
from vpbot.flows.home import command_action
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

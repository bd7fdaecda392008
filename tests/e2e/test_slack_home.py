"""The App Home tab over real HTTP: ``app_home_opened`` -> a content-free ``views.publish``.

A published view is visible without anyone clicking for it, so it must never hold content
(DESIGN.md C2): markers typed into a booking note, a thread and a case note never appear in
it. An adviser sees moments and case references; a click opens the content in a modal.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.e2e.conftest import SlackWorld
from tests.support.http_fakes import RecordedCall
from tests.support.slack_seed import ADVISER, ADVISER_NAME, EMPLOYEE, SeededCase, seed_case, server_db
from vpbot.services import booking, tenants
from vpbot.storage.models import Person
from vpbot.ui.actions import ActionId
from vpbot.ui.text import When

MARKER = "CANARY-home-9d41"


@pytest.fixture
def seeded(slack_world: SlackWorld) -> Iterator[SeededCase]:
    with server_db(slack_world.db_url, slack_world.master_key) as db:
        yield seed_case(db, MARKER)


def _open_home(world: SlackWorld, user: str, tab: str = "home") -> None:
    event = {"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": tab,
             "event_ts": f"{time.time():.6f}"}
    assert world.slack.event(event).status_code == 200


def _published(world: SlackWorld, count: int = 1) -> RecordedCall:
    calls = world.api.wait_for("views.publish", count)
    assert len(calls) == count, "no views.publish"
    return calls[count - 1]


def _buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_the_adviser_sees_times_and_references_and_never_content(
    slack_world: SlackWorld, seeded: SeededCase
) -> None:
    _open_home(slack_world, ADVISER)
    call = _published(slack_world)
    assert call.params["user_id"] == ADVISER
    view = slack_world.api.view_of(call)
    shown = json.dumps(view, ensure_ascii=False)
    assert view["type"] == "home" and slack_world.api.view_errors == []
    for secret in (MARKER, ADVISER_NAME, seeded.pseudonym, EMPLOYEE):
        assert secret not in shown
    with seeded.make() as uow:
        actor = tenants.find_actor(uow, seeded.tenant_id, ADVISER)
        assert actor is not None
        [appointment] = booking.adviser_appointments(uow, actor)
    assert When(appointment.starts_at).render(actor.locale, actor.timezone) in shown
    assert seeded.reference in shown
    actions = {(b["action_id"].partition("|")[0], b.get("value")) for b in _buttons(view)}
    assert (ActionId.ADVISER_OPEN_CASE.value, seeded.case_id) in actions
    assert (ActionId.ADVISER_OPEN_APPOINTMENT.value, seeded.appointment_id) in actions
    assert (ActionId.OPEN_ADVISER.value, None) in actions


def test_a_click_on_the_home_tab_opens_the_content_in_a_modal(
    slack_world: SlackWorld, seeded: SeededCase
) -> None:
    _open_home(slack_world, ADVISER)
    view = slack_world.api.view_of(_published(slack_world))
    [open_case] = [b for b in _buttons(view) if b.get("value") == seeded.case_id]
    home = {**view, "id": "VHOME0001", "team_id": slack_world.slack.team_id}
    response = slack_world.slack.action(ADVISER, open_case["action_id"], open_case["value"], view=home)
    assert response.status_code == 200
    [opened] = slack_world.api.wait_for("views.open")
    modal = slack_world.api.view_of(opened)
    assert modal["type"] == "modal" and f"adviser note {MARKER}" in json.dumps(modal, ensure_ascii=False)
    assert slack_world.api.calls_to("views.update") == [], "the Home tab itself is never overwritten"


def test_an_employee_gets_the_way_in_and_nothing_else(slack_world: SlackWorld, seeded: SeededCase) -> None:
    _open_home(slack_world, EMPLOYEE)
    view = slack_world.api.view_of(_published(slack_world))
    shown = json.dumps(view, ensure_ascii=False)
    assert MARKER not in shown and seeded.reference not in shown and ADVISER_NAME not in shown
    assert [b["action_id"] for b in _buttons(view)] == [
        ActionId.OPEN_APP.value, ActionId.MENU_MINE.value, ActionId.MENU_HELP.value,
    ]
    assert "113" in shown  # the crisis numbers are there without a click


def test_looking_creates_nothing_and_the_messages_tab_publishes_nothing(slack_world: SlackWorld) -> None:
    _open_home(slack_world, "U0STRANGER", tab="messages")
    _open_home(slack_world, "U0STRANGER")
    _published(slack_world)
    time.sleep(0.2)
    assert len(slack_world.api.calls_to("views.publish")) == 1
    with server_db(slack_world.db_url, slack_world.master_key) as db, db.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Person)).scalar_one() == 0


def test_no_marker_reaches_slack_at_all(slack_world: SlackWorld, seeded: SeededCase) -> None:
    """The canary over everything sent to Slack: the Home tab and the DMs the worker posted."""
    _open_home(slack_world, ADVISER)
    _open_home(slack_world, EMPLOYEE)
    _published(slack_world, 2)
    slack_world.api.wait_for("chat.postMessage")  # the adviser's "new request" notification
    assert slack_world.api.calls_to("chat.postMessage"), "the embedded worker sends Slack DMs"
    for call in slack_world.api.calls:
        assert MARKER not in call.body.decode("utf-8", "replace")

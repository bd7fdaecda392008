"""Slack modals at their edges, over real HTTP into one ``vpbot serve`` (single workspace):
a time taken meanwhile, inline errors as ``response_action: errors``, malformed submits.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.support.fake_slack import TEAM_ID, FakeSlackApi
from tests.support.server import RunningServer, vpbot_serve
from tests.support.slack_oauth import SlackPerson, SlackAccounts
from tests.support.slack_requests import SIGNING_SECRET, SlackSender
from tests.support.slack_setup import appoint_adviser, offer_modes, open_week
from tests.support.slack_ui import SlackUser, ViewLog
from vpbot.crypto.keyring import generate_entry
from vpbot.domain.booking import MAX_BOOKING_NOTE_LENGTH
from vpbot.storage.db import make_engine
from vpbot.storage.models import Appointment
from vpbot.ui.actions import ActionId
from vpbot.ui.views import adviser as adviser_views
from vpbot.ui.views import adviser_case, adviser_settings, adviser_sharing, employee_booking

ADMIN, ADVISER = "U0WSADMIN1", "U0ADVISER2"


@dataclass
class World:
    server: RunningServer
    api: FakeSlackApi
    views: ViewLog
    sender: SlackSender
    db_url: str

    def user(self, user_id: str) -> SlackUser:
        return SlackUser(self.sender, self.api, self.views, user_id)

    def appointments(self) -> int:
        engine = make_engine(self.db_url)
        try:
            with engine.connect() as connection:
                return int(connection.execute(select(func.count()).select_from(Appointment)).scalar_one())
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[World]:
    """One workspace (SLACK_BOT_TOKEN) with an adviser who can be booked from an hour ahead."""
    root = tmp_path_factory.mktemp("slack-modals")
    shutil.copyfile(sqlite_template, root / "vpbot.db")
    db_url = f"sqlite:///{root / 'vpbot.db'}"
    with FakeSlackApi() as api:
        accounts = SlackAccounts(api)
        accounts.people.update({ADMIN: SlackPerson("Wies Beheer", is_admin=True), ADVISER: SlackPerson("Bram Bakker")})
        env = {
            "VPBOT_DATABASE_URL": db_url,
            "VPBOT_MASTER_KEY": generate_entry("e2e-modals"),
            "SLACK_BOT_TOKEN": "xoxb-0000-1111-e2emodalstoken",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api.url,
        }
        with vpbot_serve(root, env) as server:
            running = World(server, api, ViewLog(api), SlackSender(server.base_url), db_url)
            # No installing user here: a workspace admin opening the panel becomes the first admin.
            appoint_adviser(running.user(ADMIN), ADVISER)
            adviser = running.user(ADVISER)
            open_week(adviser)
            offer_modes(adviser, "Bram Bakker")
            yield running
            assert api.view_errors == []


def to_booking_form(employee: SlackUser, slot_value: str | None = None) -> str:
    """Menu -> book -> first available -> a time (``slot_value``, or the last shown); its value.

    Not the first shown by default: the server's clock is real, and the first time can fall
    inside the notice period between showing and booking.
    """
    employee.command()
    employee.click(ActionId.MENU_BOOK)
    employee.submit()
    assert employee.callback_id == employee_booking.SLOTS
    slot = employee.button(ActionId.SLOT_PICK, slot_value, last=True)
    assert employee.click(slot["action_id"], slot["value"])["callback_id"] == employee_booking.FORM
    return str(slot["value"])


# --------------------------------------------------------------------------- a time taken meanwhile


def test_a_time_taken_meanwhile_shows_the_next_free_times(world: World) -> None:
    first, second = world.user("U0EMPFIRST"), world.user("U0EMPSECOND")
    taken = to_booking_form(first)
    assert to_booking_form(second, taken) == taken  # both look at the same time

    first.submit({"mode": "video"})
    assert first.callback_id == employee_booking.BOOKED
    booked = world.appointments()

    second.submit({"mode": "phone"})
    assert second.errors == {}
    assert second.callback_id == employee_booking.TAKEN  # in place of the form
    following = [b["value"] for b in second.buttons() if b["action_id"].startswith(ActionId.SLOT_PICK)]
    assert following and taken not in following
    assert world.appointments() == booked

    # One of the next times books as usual.
    assert second.click(ActionId.SLOT_PICK, following[0])["callback_id"] == employee_booking.FORM
    second.submit({"mode": "phone"})
    assert second.callback_id == employee_booking.BOOKED
    assert world.appointments() == booked + 1


# --------------------------------------------------------------------------- inline errors


def test_mistakes_come_back_inline_next_to_their_field_and_change_nothing(world: World) -> None:
    employee = world.user("U0EMPERR")
    to_booking_form(employee)
    before = world.appointments()

    # A note over the limit (the Slack client would stop it; a forged submit must not pass).
    too_long = "x" * (MAX_BOOKING_NOTE_LENGTH + 1)
    response = employee.submit({"mode": "video", "note": too_long}, as_slack_allows=False)
    assert response.json()["response_action"] == "errors"
    assert set(employee.errors) == {"note"}
    # No way to meet chosen: a required choice left empty.
    employee.submit({"note": "kort"}, as_slack_allows=False)
    assert set(employee.errors) == {"mode"}
    for text in employee.errors.values():
        assert 0 < len(text) <= 150 and "x" * 20 not in text
    assert employee.callback_id == employee_booking.FORM and world.appointments() == before

    # Put right, the same modal books.
    employee.submit({"mode": "video"})
    assert employee.errors == {} and employee.callback_id == employee_booking.BOOKED

    # The adviser's forms too: a referral without a target, a close with unreadable weeks,
    # a day's hours that are not times.
    adviser = world.user(ADVISER)
    assert adviser.command("adviseur")["callback_id"] == adviser_views.PANEL
    assert adviser.click(ActionId.ADVISER_OPEN_CASE)["callback_id"] == adviser_case.CASE
    assert adviser.click(ActionId.ADVISER_PROPOSE_REFERRAL)["callback_id"] == adviser_sharing.REFERRAL
    adviser.submit({"target": None, "share_text": ""}, as_slack_allows=False)
    assert set(adviser.errors) == {"target"}
    adviser.close()

    adviser.command("adviseur")
    adviser.click(ActionId.ADVISER_OPEN_CASE)
    assert adviser.click(ActionId.ADVISER_CLOSE_CASE)["callback_id"] == adviser_case.CLOSE
    adviser.submit({"weeks": "binnenkort"})
    assert set(adviser.errors) == {"weeks"}
    adviser.close()

    adviser.command("adviseur")
    assert adviser.click(ActionId.ADVISER_AVAILABILITY)["callback_id"] == adviser_settings.AVAILABILITY
    adviser.submit({"day0": "van negen tot vijf", "slot": "5"})
    assert set(adviser.errors) == {"day0", "slot"}
    assert adviser.callback_id == adviser_settings.AVAILABILITY


# --------------------------------------------------------------------------- malformed submits


def _submission(view: Any) -> dict[str, Any]:
    return {"type": "view_submission", "user": {"id": "U0FORGE", "team_id": TEAM_ID},
            "team": {"id": TEAM_ID}, "api_app_id": "A0VPBOT", "trigger_id": "t-malformed", "view": view}


def test_malformed_view_submissions_get_400_never_500(world: World) -> None:
    sender = world.sender
    good_view = {"id": "V0MALFORMED", "type": "modal", "callback_id": employee_booking.FORM,
                 "private_metadata": "{}", "state": {"values": {}}}
    malformed = [
        _submission(None),
        _submission("a string"),
        _submission({k: v for k, v in good_view.items() if k != "callback_id"}),
        _submission({**good_view, "callback_id": 42}),
        _submission({**good_view, "state": "not a dict"}),
        _submission({**good_view, "state": {"values": ["a", "list"]}}),
        {k: v for k, v in _submission(good_view).items() if k != "user"},
        {**_submission(good_view), "user": "U0FORGE"},
    ]
    for payload in malformed:
        response = sender.form({"payload": json.dumps(payload)})
        assert response.status_code == 400, (payload, response.status_code, response.text)
    assert sender.form({"payload": "{not json"}).status_code == 400

    # Well-formed but odd: answered calmly, never 500.
    odd = [
        _submission({**good_view, "private_metadata": "{not json"}),
        _submission({**good_view, "private_metadata": json.dumps({"adviser": 7, "start": ["x"]})}),
        _submission({**good_view, "state": {"values": {"mode": {"mode": {"type": "radio_buttons",
                                                                          "selected_option": "video"}},
                                                       "note": {"note": {"type": "plain_text_input",
                                                                         "value": ["x"]}}}}}),
        _submission({**good_view, "callback_id": "vpbot.no.such.screen"}),
        _submission({**good_view, "callback_id": "someone-elses-modal"}),
    ]
    before = world.appointments()
    for payload in odd:
        response = sender.form({"payload": json.dumps(payload)})
        assert response.status_code < 500, (payload, response.status_code, response.text)
    assert world.appointments() == before

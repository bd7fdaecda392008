"""Requests into /slack/events: authentic ones are served, everything else refused cleanly."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from tests.e2e.conftest import SlackWorld
from vpbot.storage.db import make_engine
from vpbot.storage.models import Person, ProcessedEvent

MARKER = "CANARY-7f3a-geheim"


def _count(db_url: str, model: type) -> int:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(model)).scalar_one())
    finally:
        engine.dispose()


def test_command_opens_the_home_modal_and_never_echoes(slack_world: SlackWorld) -> None:
    response = slack_world.slack.command("U0EMPLOYEE", text=f"ik word gepest {MARKER}")
    assert response.status_code == 200
    assert MARKER not in response.text
    opened = slack_world.api.wait_for("views.open")
    assert len(opened) == 1
    view = slack_world.api.view_of(opened[0])
    assert view["callback_id"] == "vpbot.home"
    assert "113" in json.dumps(view)  # crisis numbers are on the first screen
    assert MARKER not in json.dumps([c.body.decode() for c in slack_world.api.calls])
    assert slack_world.api.view_errors == []


def test_help_subcommand_opens_help(slack_world: SlackWorld) -> None:
    slack_world.slack.command("U0EMPLOYEE", text="help")
    view = slack_world.api.view_of(slack_world.api.wait_for("views.open")[0])
    assert view["callback_id"] == "vpbot.help"


def test_forged_stale_and_replayed_requests_get_401_and_change_nothing(slack_world: SlackWorld) -> None:
    slack = slack_world.slack
    people_before = _count(slack_world.db_url, Person)
    body = "command=%2Fvertrouwenspersoon&team_id=T0VPBOT01&user_id=U0FORGER&trigger_id=t1&text="
    forged = slack.post(body, "application/x-www-form-urlencoded",
                        headers={"content-type": "application/x-www-form-urlencoded",
                                 "x-slack-request-timestamp": str(int(time.time())),
                                 "x-slack-signature": "v0=" + "0" * 64})
    assert forged.status_code == 401
    stale_headers = slack.signed_headers(body, "application/x-www-form-urlencoded", int(time.time()) - 301)
    assert slack.post(body, "application/x-www-form-urlencoded", stale_headers).status_code == 401
    unsigned = slack.http.post(slack.url, content=body, headers={"content-type": "application/x-www-form-urlencoded"})
    assert unsigned.status_code == 401
    assert slack_world.api.calls_to("views.open") == []
    assert _count(slack_world.db_url, Person) == people_before

    headers = slack.signed_headers(body, "application/x-www-form-urlencoded")
    assert slack.post(body, "application/x-www-form-urlencoded", headers).status_code == 200
    replay = slack.post(body, "application/x-www-form-urlencoded", headers)
    assert replay.status_code == 401
    assert len(slack_world.api.wait_for("views.open")) == 1
    time.sleep(0.2)
    assert len(slack_world.api.calls_to("views.open")) == 1


def test_malformed_payloads_get_400_never_500(slack_world: SlackWorld) -> None:
    slack = slack_world.slack
    cases = [
        ("{not json", "application/json"),
        (json.dumps({"type": "event_callback"}), "application/json"),
        (json.dumps(["list"]), "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        ("payload=" + json.dumps({"type": "block_actions"}), "application/x-www-form-urlencoded"),
        ("command=%2Fvertrouwenspersoon", "application/x-www-form-urlencoded"),
        ("hello", "text/plain"),
    ]
    for body, content_type in cases:
        response = slack.post(body, content_type)
        assert response.status_code == 400, (body, response.status_code)


def test_oversized_body_is_refused(slack_world: SlackWorld) -> None:
    body = "command=" + "x" * 1_100_000
    response = slack_world.slack.post(body, "application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_free_text_to_the_bot_gets_a_neutral_reply_and_is_not_stored(slack_world: SlackWorld) -> None:
    event = {"type": "message", "channel_type": "im", "channel": "D0EMP", "user": "U0EMPLOYEE",
             "text": f"help mij {MARKER}", "ts": "1.2"}
    assert slack_world.slack.event(event, event_id="Ev0FREE1").status_code == 200
    # Slack retries the same event (signed anew): it is handled once.
    retry = slack_world.slack.event(event, event_id="Ev0FREE1", timestamp=int(time.time()) + 1)
    assert retry.status_code == 200
    slack_world.api.wait_for("chat.postMessage")
    time.sleep(0.3)
    posts = slack_world.api.calls_to("chat.postMessage")
    assert len(posts) == 1
    assert MARKER not in posts[0].body.decode()
    assert "chat" in posts[0].params["text"].lower()
    assert _count(slack_world.db_url, ProcessedEvent) >= 1

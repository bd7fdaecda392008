"""The database goes down under a running server: calm answers, never a 500, nothing lost.

vpbot serve talks to PostgreSQL through a TCP proxy the test cuts (a crashed database or a
failed network) and restores.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.support.fake_slack import FakeSlackApi
from tests.support.server import RunningServer, vpbot_serve
from tests.support.slack_requests import SIGNING_SECRET, SlackSender
from tests.support.tcp_proxy import CuttableProxy
from tests.support.teams_fakes import (
    FakeConnector,
    OpenIdServer,
    activity,
    mint_token,
    teams_env,
)
from vpbot.crypto.keyring import generate_entry

pytestmark = pytest.mark.postgres


@dataclass
class World:
    server: RunningServer
    slack: SlackSender
    api: FakeSlackApi
    connector: FakeConnector
    proxy: CuttableProxy


@pytest.fixture
def world(postgres_url: str, tmp_path: Path) -> Iterator[World]:
    url = make_url(postgres_url)
    with (CuttableProxy(url.host or "127.0.0.1", url.port or 5432) as proxy, FakeSlackApi() as api,
          OpenIdServer() as openid, FakeConnector() as connector):
        env = {
            "VPBOT_DATABASE_URL": url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
            "VPBOT_MASTER_KEY": generate_entry("down"),
            "SLACK_BOT_TOKEN": "xoxb-0000-1111-downtokenvalue",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api.url,
            **teams_env(openid),
        }
        with vpbot_serve(tmp_path, env, args=["--no-worker"]) as server:
            yield World(server, SlackSender(server.base_url), api, connector, proxy)


def _ready(world: World) -> int:
    return httpx.get(world.server.base_url + "/readyz", timeout=10).status_code


def test_slack_while_the_database_is_down_then_back(world: World) -> None:
    slack, api = world.slack, world.api
    assert slack.command("U0DOWN").status_code == 200
    assert len(api.wait_for("views.open")) == 1

    world.proxy.cut()
    command = slack.command("U0DOWN")
    assert command.status_code == 200, command.text  # Slack shows the text to this person only
    body = command.json()
    assert body["response_type"] == "ephemeral" and "niet bereikbaar" in body["text"] and "unavailable" in body["text"]
    click = slack.action("U0DOWN", "vpbot.menu.help")
    assert click.status_code == 503, click.text  # Slack shows its own error for the click
    event = slack.event({"type": "message", "channel_type": "im", "user": "U0DOWN", "text": "hallo", "channel": "D1"})
    assert event.status_code == 503  # so that Slack delivers the event again later
    assert len(api.calls_to("views.open")) == 1 and not api.calls_to("chat.postMessage")
    assert _ready(world) == 503

    world.proxy.restore()
    assert slack.command("U0DOWN").status_code == 200
    assert len(api.wait_for("views.open", count=2)) == 2
    assert _ready(world) == 200


def test_teams_dialog_while_the_database_is_down_then_back(world: World) -> None:
    service_url = world.connector.service_url("emea")
    headers = {"authorization": f"Bearer {mint_token(service_url)}"}

    def open_dialog(n: int) -> httpx.Response:
        body = activity(service_url, type="invoke", name="task/fetch", value={"data": {}}, text=None, id=f"down-{n}")
        return httpx.post(world.server.base_url + "/api/messages", json=body, headers=headers, timeout=30)

    assert open_dialog(1).json()["task"]["type"] == "continue"
    world.proxy.cut()
    down = open_dialog(2)
    assert down.status_code == 200, down.text  # Teams shows the answer in the dialog
    assert "niet bereikbaar" in down.text or "unavailable" in down.text, down.text
    world.proxy.restore()
    back = open_dialog(3)
    assert back.status_code == 200 and "niet bereikbaar" not in back.text

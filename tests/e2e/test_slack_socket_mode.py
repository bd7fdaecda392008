"""`vpbot serve --socket-mode`: Slack requests over a WebSocket, no public URL."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx

from tests.support.fake_slack import TEAM_ID, FakeSlackApi
from tests.support.fake_socket_mode import FakeSocketModeServer
from tests.support.http_fakes import Reply
from tests.support.server import VPBOT, clean_env, vpbot_serve
from vpbot.crypto.keyring import generate_entry


def test_a_slash_command_over_socket_mode_opens_the_menu(tmp_path: Path) -> None:
    with FakeSlackApi() as api, FakeSocketModeServer() as socket_server:
        api.handlers["apps.connections.open"] = lambda call: Reply(200, {"ok": True, "url": socket_server.url})
        env = {
            "VPBOT_MASTER_KEY": generate_entry("sock"),
            "SLACK_BOT_TOKEN": "xoxb-0000-1111-sockettoken",
            "SLACK_APP_TOKEN": "xapp-1-A0VPBOT-0000-apptoken",
            "SLACK_API_URL": api.url,
        }
        with vpbot_serve(tmp_path, env, args=["--socket-mode", "--no-worker"]) as server:
            # Without a signing secret nothing Slack-related is reachable over HTTP.
            assert httpx.post(server.base_url + "/slack/events", content=b"{}").status_code == 404
            socket_server.send({
                "envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
                "payload": {"command": "/vertrouwenspersoon", "text": "iets geheims", "team_id": TEAM_ID,
                            "user_id": "U0SOCKET", "trigger_id": "trigger-socket", "channel_id": "D1"},
            })
            socket_server.wait_for_ack("env-1")
            opened = api.wait_for("views.open")
            assert opened and api.view_of(opened[0])["callback_id"] == "vpbot.home"
            assert "iets geheims" not in str(socket_server.received)
        assert api.calls_to("apps.connections.open"), "the app-level token opened the connection"
        assert api.view_errors == []


def test_socket_mode_without_an_app_token_is_a_clear_error(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-0000-1111-x", "SLACK_SIGNING_SECRET": "s",
           "VPBOT_MASTER_KEY": generate_entry("sock")}
    result = subprocess.run([*VPBOT, "serve", "--socket-mode"], cwd=tmp_path, env=clean_env(env),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN" in result.stderr and "Traceback" not in result.stderr

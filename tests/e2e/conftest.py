"""End-to-end fixtures: ``vpbot serve`` as a process, talking to fake platforms over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.fake_slack import FakeSlackApi
from tests.support.server import RunningServer, vpbot_serve
from tests.support.slack_requests import SIGNING_SECRET, SlackSender
from vpbot.crypto.keyring import generate_entry


@dataclass
class SlackWorld:
    """A running vpbot with Slack configured (single workspace), its fake API and a sender."""

    server: RunningServer
    api: FakeSlackApi
    slack: SlackSender
    db_url: str
    master_key: str = ""  # what the server encrypts with, for tests that seed through the services


@pytest.fixture
def slack_world(tmp_path: Path, db_url: str) -> Iterator[SlackWorld]:
    master_key = generate_entry("e2e")
    with FakeSlackApi() as api:
        env = {
            "VPBOT_DATABASE_URL": db_url,
            "VPBOT_MASTER_KEY": master_key,
            "SLACK_BOT_TOKEN": "xoxb-0000-1111-e2etokenvalue",
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": api.url,
            "VPBOT_LOG_LEVEL": "DEBUG",
        }
        with vpbot_serve(tmp_path, env) as server:
            yield SlackWorld(server, api, SlackSender(server.base_url), db_url, master_key)

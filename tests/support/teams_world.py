"""A running vpbot with the real Teams bot: signed activities in over HTTP, a recording Bot
Connector out, msal on a fake HTTP client, on the test database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import Engine, select
from starlette.routing import BaseRoute

from plugins.teams.bot import TeamsBot
from plugins.teams.http import PATH, teams_routes
from plugins.teams.plugin import build_teams_bot
from tests.support.teams_fakes import (
    APP_ID,
    FakeConnector,
    FakeMsalHttp,
    OpenIdServer,
    activity,
    mint_token,
    teams_settings,
)
from tests.support.teams_server import serve_in_thread
from vpbot.bootstrap import Container, bootstrap
from vpbot.crypto.keyring import generate_entry
from vpbot.settings import Settings
from vpbot.storage.models import Base
from vpbot.web.app import create_app

BOT = {"id": f"28:{APP_ID}", "name": "vpbot"}


@dataclass
class TeamsWorld:
    """vpbot serving Teams on a loopback port, and the fakes around it."""

    base_url: str
    container: Container
    bot: TeamsBot
    connector: FakeConnector
    msal: FakeMsalHttp

    @property
    def service_url(self) -> str:
        return self.connector.service_url("emea")

    def send(self, **overrides: Any) -> httpx.Response:
        """POST one activity (a personal-chat message unless overridden), correctly signed."""
        body = activity(self.service_url, **overrides)
        token = mint_token(body["serviceUrl"])
        return httpx.post(self.base_url + PATH, json=body, headers={"authorization": f"Bearer {token}"}, timeout=10)

    def invoke(self, name: str, value: Any, **overrides: Any) -> httpx.Response:
        """POST an invoke activity."""
        return self.send(type="invoke", name=name, value=value, text=None, **overrides)

    def install(self, **overrides: Any) -> httpx.Response:
        """The user adds the app in their personal scope."""
        return self.send(type="installationUpdate", action="add", text=None, **overrides)

    def posted(self) -> list[dict[str, Any]]:
        """Every activity vpbot posted into a chat, as JSON."""
        return [json.loads(call.body) for call in self.connector.activities()]

    def outgoing_text(self) -> str:
        """Everything vpbot sent to the Bot Connector, as text."""
        return "\n".join(call.body.decode("utf-8", "replace") for call in self.connector.calls)


def database_text(engine: Engine) -> str:
    """Every row of every table, as text (for canary checks)."""
    lines: list[str] = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                lines.append(repr(tuple(row)))
    return "\n".join(lines)


@contextmanager
def teams_world(engine: Engine, openid: OpenIdServer, connector: FakeConnector) -> Iterator[TeamsWorld]:
    """Start vpbot's app with the Teams bot on ``engine``; stop it on exit."""
    settings = Settings(master_key=generate_entry("teams-journey"), teams=teams_settings(openid))
    container = bootstrap(settings, engine=engine)
    msal = FakeMsalHttp()
    bot = build_teams_bot(container, msal_http=msal)
    routes: list[BaseRoute] = [*teams_routes(container, bot)]
    with serve_in_thread(create_app(container, routes)) as base_url:
        yield TeamsWorld(base_url, container, bot, connector, msal)

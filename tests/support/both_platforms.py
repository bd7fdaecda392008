"""``vpbot serve`` as a real subprocess with Slack *and* Teams configured, and its fakes.

- Slack: single workspace (``SLACK_BOT_TOKEN``), ``SLACK_SIGNING_SECRET``, ``SLACK_API_URL``
  pointing at a recording :class:`FakeSlackApi`.
- Teams: ``VPBOT_TEAMS_*`` with the local OpenID metadata + JWKS server, a recording
  :class:`FakeConnector` (service URLs point at it) and an HTTPS :class:`FakeEntra` for
  msal (trusted through ``REQUESTS_CA_BUNDLE``).

Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from tests.support.fake_entra import FakeEntra
from tests.support.fake_slack import FakeSlackApi
from tests.support.server import RunningServer, vpbot_serve
from tests.support.slack_requests import SIGNING_SECRET, SlackSender
from tests.support.teams_fakes import (
    FakeConnector,
    OpenIdServer,
    activity,
    mint_token,
    teams_env,
)
from vpbot.crypto.keyring import generate_entry
from vpbot.storage.db import make_engine
from vpbot.storage.models import Base

TEAMS_PATH = "/api/messages"
SLACK_BOT_TOKEN = "xoxb-0000-1111-bothplatformstoken"


@dataclass
class TeamsClient:
    """Posts activities to ``/api/messages`` of a running server, signed or not."""

    base_url: str
    connector: FakeConnector
    http: httpx.Client

    @property
    def url(self) -> str:
        return self.base_url + TEAMS_PATH

    @property
    def service_url(self) -> str:
        return self.connector.service_url("emea")

    def post(self, body: Any, token: str | None = "") -> httpx.Response:
        """POST ``body`` (JSON); ``token=""`` mints a valid one for its serviceUrl, None sends none."""
        headers = {"content-type": "application/json"}
        if token is not None:
            service_url = body.get("serviceUrl") if isinstance(body, dict) else None
            token = token or mint_token(service_url if isinstance(service_url, str) else self.service_url)
            headers["authorization"] = f"Bearer {token}"
        return self.http.post(self.url, content=json.dumps(body).encode(), headers=headers)

    def send(self, **overrides: Any) -> httpx.Response:
        """A personal-chat activity (a message unless overridden), correctly signed."""
        return self.post(activity(self.service_url, **overrides))

    def invoke(self, name: str, value: Any, **overrides: Any) -> httpx.Response:
        return self.send(type="invoke", name=name, value=value, text=None, **overrides)


@dataclass
class BothPlatforms:
    """A running vpbot serving Slack and Teams, and every fake around it."""

    server: RunningServer
    db_url: str
    master_key: str
    slack_api: FakeSlackApi
    slack: SlackSender
    openid: OpenIdServer
    connector: FakeConnector
    entra: FakeEntra
    teams: TeamsClient

    def alive(self) -> bool:
        """The process runs and ``/healthz`` answers 200."""
        if self.server.process.poll() is not None:
            return False
        try:
            return httpx.get(self.server.base_url + "/healthz", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    def outgoing(self) -> int:
        """How many calls vpbot made to the chat platforms and the login service."""
        return len(self.slack_api.calls) + len(self.connector.calls) + len(self.entra.calls)

    def quiesce(self, quiet: float = 0.4, timeout: float = 10.0) -> None:
        """Wait until no new outgoing call arrived for ``quiet`` seconds (listeners run after ack)."""
        deadline = time.monotonic() + timeout
        last, since = self.outgoing(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = self.outgoing()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                return

    def row_counts(self) -> dict[str, int]:
        """Rows per table of vpbot's schema, read from the test process."""
        engine = make_engine(self.db_url)
        try:
            with engine.connect() as connection:
                return {
                    table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
                    for table in Base.metadata.sorted_tables
                }
        finally:
            engine.dispose()


@contextmanager
def serve_both_platforms(
    cwd: Path, db_url: str, *, log_level: str = "INFO", sdk_log_level: str = "INFO",
    master_key: str | None = None, extra_env: dict[str, str] | None = None,
) -> Iterator[BothPlatforms]:
    """Start the fakes and ``vpbot serve`` on ``db_url``; stop everything on exit."""
    master_key = master_key or generate_entry("both")
    with ExitStack() as stack:
        slack_api = stack.enter_context(FakeSlackApi())
        openid = stack.enter_context(OpenIdServer())
        connector = stack.enter_context(FakeConnector())
        entra = stack.enter_context(FakeEntra(cwd))
        env = {
            "VPBOT_DATABASE_URL": db_url,
            "VPBOT_MASTER_KEY": master_key,
            "VPBOT_LOG_LEVEL": log_level,
            "VPBOT_SDK_LOG_LEVEL": sdk_log_level,
            "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack_api.url,
            **teams_env(openid, entra.login_url), **entra.env(),
            **(extra_env or {}),
        }
        server = stack.enter_context(vpbot_serve(cwd, env, wait=30))
        http = stack.enter_context(httpx.Client(timeout=15))
        teams = TeamsClient(server.base_url, connector, http)
        yield BothPlatforms(server, db_url, master_key, slack_api, SlackSender(server.base_url), openid,
                            connector, entra, teams)

"""Slack's side of OAuth v2 and its user directory, on the recording fake Web API, and
``vpbot serve`` configured for many workspaces (``SLACK_CLIENT_ID`` …).

:class:`SlackAccounts` answers ``oauth.v2.access`` for authorization codes it handed out
(an install in one workspace, or an org-wide Enterprise Grid install) and for refresh
tokens (token rotation: each refresh token works once), ``auth.test`` per token, and
``users.info`` from a small directory.
"""

from __future__ import annotations

import base64
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.support.fake_slack import BOT_USER, FakeSlackApi
from tests.support.http_fakes import RecordedCall, Reply
from tests.support.server import RunningServer, vpbot_serve
from tests.support.slack_requests import SIGNING_SECRET
from tests.support.slack_ui import APP_ID
from vpbot.crypto.keyring import generate_entry

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "oauth-client-secret-0123456789abcdef"
STATE_COOKIE = "slack-app-oauth-state"
TWELVE_HOURS = 12 * 3600


@dataclass
class Grant:
    """What one authorization code stands for: who installed it where."""

    installer: str
    team_id: str | None
    enterprise_id: str | None = None
    is_enterprise_install: bool = False
    expires_in: int = TWELVE_HOURS


@dataclass
class SlackPerson:
    """A ``users.info`` answer."""

    real_name: str
    is_admin: bool = False
    tz: str = "Europe/Amsterdam"
    locale: str = "nl-NL"


@dataclass
class SlackAccounts:
    """The fake's OAuth, token and directory answers."""

    api: FakeSlackApi
    grants: dict[str, Grant] = field(default_factory=dict)
    people: dict[str, SlackPerson] = field(default_factory=dict)
    bot_tokens: dict[str, Grant] = field(default_factory=dict)  # every bot token ever issued
    refresh_tokens: dict[str, Grant] = field(default_factory=dict)  # refresh tokens not yet used
    used_refresh_tokens: set[str] = field(default_factory=set)
    rotations: list[str] = field(default_factory=list)  # refresh tokens exchanged, in order
    expires_in_after_refresh: int = TWELVE_HOURS
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.api.handlers["oauth.v2.access"] = self.oauth_v2_access
        self.api.handlers["auth.test"] = self.auth_test
        self.api.handlers["users.info"] = self.users_info

    def code_for(self, grant: Grant) -> str:
        """A fresh authorization code that stands for ``grant``."""
        code = f"code-{secrets.token_hex(8)}"
        self.grants[code] = grant
        return code

    # -- answers ------------------------------------------------------------------------

    def oauth_v2_access(self, call: RecordedCall) -> Reply:
        params = call.params
        if client_credentials(call) != (CLIENT_ID, CLIENT_SECRET):
            return Reply(200, {"ok": False, "error": "invalid_client_id"})
        with self._lock:
            if params.get("grant_type") == "refresh_token":
                token = params.get("refresh_token", "")
                grant = self.refresh_tokens.pop(token, None)
                if grant is None:  # unknown, or used before: refresh tokens are single-use
                    return Reply(200, {"ok": False, "error": "invalid_refresh_token"})
                self.used_refresh_tokens.add(token)
                self.rotations.append(token)
                return Reply(200, self._tokens(grant, self.expires_in_after_refresh, refreshed=True))
            grant = self.grants.pop(params.get("code", ""), None)
            if grant is None:
                return Reply(200, {"ok": False, "error": "invalid_code"})
            return Reply(200, self._tokens(grant, grant.expires_in, refreshed=False))

    def _tokens(self, grant: Grant, expires_in: int, *, refreshed: bool) -> dict[str, Any]:
        bot_token = f"xoxe.xoxb-1-{secrets.token_hex(12)}"
        refresh_token = f"xoxe-1-{secrets.token_hex(16)}"
        self.bot_tokens[bot_token] = grant
        self.refresh_tokens[refresh_token] = grant
        answer: dict[str, Any] = {
            "ok": True, "access_token": bot_token, "refresh_token": refresh_token,
            "expires_in": expires_in, "token_type": "bot",
        }
        if refreshed:
            return answer
        team = {"id": grant.team_id, "name": "vpbot test"} if grant.team_id else None
        enterprise = {"id": grant.enterprise_id, "name": "vpbot org"} if grant.enterprise_id else None
        return {
            **answer, "app_id": APP_ID, "scope": "commands,chat:write,im:write,users:read",
            "bot_user_id": BOT_USER, "team": team, "enterprise": enterprise,
            "is_enterprise_install": grant.is_enterprise_install,
            "authed_user": {"id": grant.installer},
        }

    def auth_test(self, call: RecordedCall) -> Reply:
        grant = self.bot_tokens.get(bearer(call) or "")
        if grant is None:
            return Reply(200, {"ok": True, "team_id": self.api.team_id, "user_id": BOT_USER, "bot_id": "B0VPBOT",
                               "url": "https://vpbot-test.slack.com/"})
        return Reply(200, {"ok": True, "team_id": grant.team_id, "enterprise_id": grant.enterprise_id,
                           "user_id": BOT_USER, "bot_id": "B0VPBOT", "url": "https://vpbot-test.enterprise.slack.com/",
                           "is_enterprise_install": grant.is_enterprise_install})

    def users_info(self, call: RecordedCall) -> Reply:
        user_id = str(call.params.get("user", ""))
        person = self.people.get(user_id)
        if person is None:
            return Reply(200, {"ok": False, "error": "user_not_found"})
        return Reply(200, {"ok": True, "user": {
            "id": user_id, "name": user_id.lower(), "real_name": person.real_name, "tz": person.tz,
            "locale": person.locale, "is_admin": person.is_admin, "is_owner": False, "is_bot": False,
            "profile": {"real_name": person.real_name, "display_name": person.real_name},
        }})


def client_credentials(call: RecordedCall) -> tuple[str | None, str | None]:
    """The app's client id and secret: HTTP Basic (as slack_sdk sends them) or form fields."""
    header = call.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        return client_id, secret
    return call.params.get("client_id"), call.params.get("client_secret")


def bearer(call: RecordedCall) -> str | None:
    """The token a Web API call was made with."""
    header = call.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:]
    token = call.params.get("token")
    return str(token) if token else None


# ----------------------------------------------------------------------------- the browser


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs += [v for k, v in attrs if k == "href" and v]


@dataclass
class InstallPage:
    """What ``GET /slack/install`` gave the browser."""

    response: httpx.Response
    state: str
    authorize_url: str
    cookie: SimpleCookie


def open_install_page(base_url: str) -> InstallPage:
    """``GET /slack/install``: the state cookie and the "Add to Slack" link."""
    response = httpx.get(base_url + "/slack/install", timeout=10)
    assert response.status_code == 200, response.text
    cookie: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        cookie.load(header)
    parser = _Links()
    parser.feed(response.text)
    authorize = next(h for h in parser.hrefs if "oauth/v2/authorize" in h)
    state = parse_qs(urlsplit(authorize.replace("&amp;", "&")).query)["state"][0]
    return InstallPage(response, state, authorize.replace("&amp;", "&"), cookie)


def redirect_back(base_url: str, code: str, state: str, cookie: str | None) -> httpx.Response:
    """Slack sends the browser back: ``GET /slack/oauth_redirect?code=…&state=…``."""
    headers = {"cookie": cookie} if cookie is not None else {}
    return httpx.get(base_url + "/slack/oauth_redirect", params={"code": code, "state": state},
                     headers=headers, timeout=10)


def install(base_url: str, accounts: SlackAccounts, grant: Grant) -> httpx.Response:
    """The whole browser round trip for ``grant``; the redirect's response."""
    page = open_install_page(base_url)
    response = redirect_back(base_url, accounts.code_for(grant), page.state, f"{STATE_COOKIE}={page.state}")
    assert response.status_code == 200, response.text
    return response


# ----------------------------------------------------------------------------- the server


@dataclass
class OAuthWorld:
    """``vpbot serve`` for many workspaces, the fake Web API and its accounts."""

    server: RunningServer
    api: FakeSlackApi
    accounts: SlackAccounts
    db_url: str
    master_key: str

    @property
    def base_url(self) -> str:
        return self.server.base_url


def oauth_env(api: FakeSlackApi, db_url: str, master_key: str) -> dict[str, str]:
    return {
        "VPBOT_DATABASE_URL": db_url,
        "VPBOT_MASTER_KEY": master_key,
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api.url,
        "VPBOT_LOG_LEVEL": "DEBUG",
    }


@contextmanager
def oauth_world(cwd: Path, db_url: str) -> Iterator[OAuthWorld]:
    """Start the fake and ``vpbot serve`` with OAuth; stop both on exit."""
    master_key = generate_entry("e2e-oauth")
    with FakeSlackApi() as api:
        accounts = SlackAccounts(api)
        with vpbot_serve(cwd, oauth_env(api, db_url, master_key)) as server:
            yield OAuthWorld(server, api, accounts, db_url, master_key)




def sqlite_files(db_url: str) -> list[Path]:
    """The SQLite database file and its -wal / -shm companions that exist now."""
    path = Path(db_url.removeprefix("sqlite:///"))
    return [p for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")) if p.exists()]


def sqlite_bytes(db_url: str) -> bytes:
    """Every byte of the SQLite database and its write-ahead log (empty for other databases)."""
    if not db_url.startswith("sqlite"):
        return b""
    return b"".join(p.read_bytes() for p in sqlite_files(db_url))

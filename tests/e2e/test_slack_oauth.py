"""Installing vpbot in Slack with OAuth v2, over real HTTP into ``vpbot serve``.

The browser's round trip (``/slack/install`` -> Slack -> ``/slack/oauth_redirect``) with the
state cookie, the code exchange against a fake ``oauth.v2.access`` (rotating bot tokens),
workspace and Enterprise Grid org-wide installs, encrypted storage, the installer as the
tenant's first admin, refused states, and serialised token rotation.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select

from tests.support.slack_oauth import (
    CLIENT_ID,
    STATE_COOKIE,
    Grant,
    OAuthWorld,
    SlackPerson,
    bearer,
    install,
    oauth_world,
    open_install_page,
    redirect_back,
    sqlite_bytes,
)
from tests.support.slack_requests import SlackSender
from tests.support.slack_ui import SlackUser, ViewLog, Workspace
from vpbot.storage.db import make_engine
from vpbot.storage.models import Installation, OAuthState, Tenant
from vpbot.ui.views.admin import PANEL as ADMIN_PANEL
from vpbot.ui.views.panel_parts import FORBIDDEN


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[OAuthWorld]:
    """One ``vpbot serve`` with OAuth for the module; each test installs its own workspace."""
    root = tmp_path_factory.mktemp("slack-oauth")
    shutil.copyfile(sqlite_template, root / "vpbot.db")
    with oauth_world(root, f"sqlite:///{root / 'vpbot.db'}") as running:
        yield running


@pytest.fixture(scope="module")
def views(world: OAuthWorld) -> ViewLog:
    return ViewLog(world.api)


def user(world: OAuthWorld, views: ViewLog, user_id: str, workspace: Workspace) -> SlackUser:
    sender = SlackSender(world.base_url, team_id=workspace.team_id)
    return SlackUser(sender, world.api, views, user_id, workspace)


def installation(world: OAuthWorld, **where: str) -> Installation | None:
    engine = make_engine(world.db_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(select(Installation).filter_by(platform="slack", **where)).first()
            return Installation(**row._asdict()) if row is not None else None
    finally:
        engine.dispose()


def tenant_status(world: OAuthWorld, external_id: str) -> str | None:
    engine = make_engine(world.db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(Tenant.status).where(Tenant.platform == "slack", Tenant.external_id == external_id)
            ).scalar_one_or_none()
    finally:
        engine.dispose()


def oauth_states(world: OAuthWorld) -> list[str]:
    engine = make_engine(world.db_url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(OAuthState.state)).scalars())
    finally:
        engine.dispose()


def exchanges(world: OAuthWorld) -> list[dict[str, str]]:
    return [c.params for c in world.api.calls_to("oauth.v2.access")]


# --------------------------------------------------------------------------- one workspace


def test_installing_stores_the_installation_encrypted_and_the_installer_is_admin(
    world: OAuthWorld, views: ViewLog
) -> None:
    team = "T0OAUTH01"
    page = open_install_page(world.base_url)

    # The install page: a state cookie for this browser and a link to Slack carrying it.
    morsel = page.cookie[STATE_COOKIE]
    assert morsel.value == page.state and morsel["httponly"] and morsel["secure"]
    link = urlsplit(page.authorize_url)
    assert (link.netloc, link.path) == ("slack.com", "/oauth/v2/authorize")
    query = parse_qs(link.query)
    assert query["state"] == [page.state] and query["client_id"] == [CLIENT_ID]
    assert "commands" in query["scope"][0].split(",") and query.get("user_scope", [""]) == [""]

    # Slack sends the browser back with a code; vpbot exchanges it (rotating bot token).
    code = world.accounts.code_for(Grant(installer="U0INSTALLER", team_id=team))
    world.accounts.people["U0INSTALLER"] = SlackPerson("Ingrid Installeert", is_admin=True)
    done = redirect_back(world.base_url, code, page.state, f"{STATE_COOKIE}={page.state}")
    assert done.status_code == 200, done.text
    assert code in [p.get("code") for p in exchanges(world)]
    # The state cookie is cleared; the state cannot be used again.
    cleared = [h for h in done.headers.get_list("set-cookie") if h.startswith(f"{STATE_COOKIE}=")]
    assert cleared and all("expires=thu, 01 jan 1970" in h.lower() for h in cleared), cleared
    assert page.state not in oauth_states(world)

    # Stored encrypted: neither token is in any column, nor anywhere in the database files.
    [bot_token] = [t for t, g in world.accounts.bot_tokens.items() if g.team_id == team]
    [refresh] = [t for t, g in world.accounts.refresh_tokens.items() if g.team_id == team]
    row = installation(world, team_id=team)
    assert row is not None and row.bot_token_enc and row.bot_refresh_token_enc
    for column in (row.bot_token_enc, row.bot_refresh_token_enc, row.bot_scopes.encode(), row.app_id.encode()):
        assert bot_token.encode() not in column and refresh.encode() not in column
    raw = sqlite_bytes(world.db_url)
    assert bot_token.encode() not in raw and refresh.encode() not in raw
    assert row.bot_token_expires_at is not None
    expires = row.bot_token_expires_at.replace(tzinfo=UTC)
    assert timedelta(hours=11) < expires - datetime.now(UTC) <= timedelta(hours=12, minutes=1)
    assert tenant_status(world, team) == "active"

    # The installer is the first admin: `/vertrouwenspersoon beheer` opens the admin panel,
    # with the installation's own token.
    installer = user(world, views, "U0INSTALLER", Workspace(team))
    assert installer.command("beheer")["callback_id"] == ADMIN_PANEL
    assert bearer(views.modal_calls()[-1]) == bot_token

    # Anyone else is refused politely — even a workspace admin: the tenant has its admin.
    world.accounts.people["U0WSADMIN"] = SlackPerson("Wim Werkruimtebeheer", is_admin=True)
    other = user(world, views, "U0WSADMIN", Workspace(team))
    assert other.command("beheer")["callback_id"] == FORBIDDEN
    assert world.api.view_errors == []


def test_an_org_wide_enterprise_grid_install_is_one_tenant_for_every_workspace(
    world: OAuthWorld, views: ViewLog
) -> None:
    org = "E0VPBOTORG"
    install(world.base_url, world.accounts,
            Grant(installer="U0ORGADMIN", team_id=None, enterprise_id=org, is_enterprise_install=True))
    row = installation(world, enterprise_id=org)
    assert row is not None and row.is_enterprise_install and row.team_id == ""
    assert tenant_status(world, org) == "active"
    [bot_token] = [t for t, g in world.accounts.bot_tokens.items() if g.enterprise_id == org]
    assert bot_token.encode() not in sqlite_bytes(world.db_url)

    # The installer administers the org from any of its workspaces; others are refused.
    for team in ("T0GRIDA01", "T0GRIDB02"):
        here = Workspace(team, enterprise_id=org, is_enterprise_install=True)
        admin = user(world, views, "U0ORGADMIN", here)
        assert admin.command("beheer")["callback_id"] == ADMIN_PANEL
        assert bearer(views.modal_calls()[-1]) == bot_token
        assert user(world, views, "U0ORGMEMBER", here).command("beheer")["callback_id"] == FORBIDDEN
    assert tenant_status(world, "T0GRIDA01") is None  # no tenant per workspace
    assert world.api.view_errors == []


# --------------------------------------------------------------------------- refused states


def test_a_bad_missing_or_replayed_state_is_refused_and_no_code_is_exchanged(world: OAuthWorld) -> None:
    base = world.base_url
    grant = Grant(installer="U0MALLORY", team_id="T0EVIL001")

    # A state vpbot never issued (with a matching cookie, as an attacker would forge it).
    forged = "f" * 43
    code = world.accounts.code_for(grant)
    assert redirect_back(base, code, forged, f"{STATE_COOKIE}={forged}").status_code == 401
    # A real state, but from another browser (no cookie, or someone else's).
    page = open_install_page(base)
    assert redirect_back(base, code, page.state, None).status_code == 400
    assert redirect_back(base, code, page.state, f"{STATE_COOKIE}=someone-else").status_code == 400
    assert code not in [p.get("code") for p in exchanges(world)]
    assert installation(world, team_id="T0EVIL001") is None

    # Replayed: a state works once.
    install_code = world.accounts.code_for(Grant(installer="U0ONCE", team_id="T0ONCE001"))
    cookie = f"{STATE_COOKIE}={page.state}"
    assert redirect_back(base, install_code, page.state, cookie).status_code == 200
    replay_code = world.accounts.code_for(grant)
    assert redirect_back(base, replay_code, page.state, cookie).status_code == 401
    assert replay_code not in [p.get("code") for p in exchanges(world)]
    assert installation(world, team_id="T0EVIL001") is None

    # The person cancelled on Slack's page: nothing is stored, no 500.
    cancelled = world.server.base_url + "/slack/oauth_redirect?error=access_denied&state=" + page.state
    assert httpx.get(cancelled, headers={"cookie": cookie}, timeout=10).status_code < 500
    states = oauth_states(world)
    assert page.state not in states and forged not in states


def test_a_command_from_a_workspace_that_never_installed_changes_nothing(world: OAuthWorld, views: ViewLog) -> None:
    stranger = user(world, views, "U0STRANGER", Workspace("T0UNKNOWN1"))
    before = len(views.modal_calls())
    response = stranger.sender.form({
        "command": "/vertrouwenspersoon", "text": "", "team_id": "T0UNKNOWN1", "user_id": "U0STRANGER",
        "trigger_id": "t-unknown", "channel_id": "D0CHAN", "response_url": "",
    })
    assert response.status_code < 500
    time.sleep(0.3)
    assert len(views.modal_calls()) == before
    assert tenant_status(world, "T0UNKNOWN1") is None


# --------------------------------------------------------------------------- token rotation


def test_an_expiring_token_is_rotated_once_even_under_concurrent_requests(
    world: OAuthWorld, views: ViewLog
) -> None:
    team = "T0ROTATE1"
    world.accounts.people["U0ROT"] = SlackPerson("Rob Roteert")
    # Installed with a token that expires within vpbot's rotation window (two hours).
    install(world.base_url, world.accounts, Grant(installer="U0ROT", team_id=team, expires_in=600))
    [old_token] = [t for t, g in world.accounts.bot_tokens.items() if g.team_id == team]
    [old_refresh] = [t for t, g in world.accounts.refresh_tokens.items() if g.team_id == team]
    rotations_before = len(world.accounts.rotations)
    before = len(views.modal_calls())

    # Five people act at once: exactly one rotation (refresh tokens are single-use).
    people = [user(world, views, f"U0ROT{i}", Workspace(team)) for i in range(5)]
    senders = [p.sender for p in people]
    with ThreadPoolExecutor(max_workers=5) as pool:
        responses = list(pool.map(
            lambda pair: pair[0].form({
                "command": "/vertrouwenspersoon", "text": "help", "team_id": team, "user_id": pair[1],
                "trigger_id": f"t-rot-{pair[1]}", "channel_id": "D0CHAN", "response_url": "",
            }),
            [(s, p.user_id) for s, p in zip(senders, people)],
        ))
    assert [r.status_code for r in responses] == [200] * 5
    deadline = time.monotonic() + 5
    while len(views.modal_calls()) < before + 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    opened = views.modal_calls()[before:]
    assert len(opened) == 5
    assert world.accounts.rotations[rotations_before:] == [old_refresh]
    [new_token] = [t for t, g in world.accounts.bot_tokens.items() if g.team_id == team and t != old_token]
    assert {bearer(c) for c in opened} == {new_token}

    # Stored (encrypted) for the next request: no second rotation, the new token is used.
    row = installation(world, team_id=team)
    assert row is not None and row.bot_token_expires_at is not None
    assert row.bot_token_expires_at.replace(tzinfo=UTC) - datetime.now(UTC) > timedelta(hours=11)
    raw = sqlite_bytes(world.db_url)
    assert new_token.encode() not in raw and old_token.encode() not in raw
    people[0].command("help")
    assert bearer(views.modal_calls()[-1]) == new_token
    assert len(world.accounts.rotations) == rotations_before + 1
    assert world.api.view_errors == []

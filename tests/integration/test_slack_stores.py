"""The Slack installation and OAuth state stores (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine, select

from plugins.slack.stores import DatabaseOAuthStateStore, EncryptingInstallationStore
from tests.support.core import uow_factory
from tests.support.fake_slack import FakeSlackApi
from tests.support.slack_rotation import SingleUseRefresh
from vpbot.services import tenants
from vpbot.services.actor import Role
from vpbot.storage.models import Installation as InstallationRow

BOT_TOKEN = "xoxb-T1-bot-SECRETBOTTOKEN"


def _installation(**overrides: object) -> Installation:
    fields: dict[str, object] = dict(
        app_id="A1", team_id="T1", bot_token=BOT_TOKEN, bot_id="B1", bot_user_id="UBOT",
        bot_scopes=["commands", "chat:write"], user_id="U_INSTALLER",
    )
    fields.update(overrides)
    return Installation(**fields)  # type: ignore[arg-type]


def test_save_and_find_with_tokens_encrypted_at_rest(engine: Engine) -> None:
    uows = uow_factory(engine)
    store = EncryptingInstallationStore(uows)
    store.save(_installation())
    bot = store.find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == BOT_TOKEN and bot.bot_user_id == "UBOT"
    installation = store.find_installation(enterprise_id=None, team_id="T1")
    assert installation is not None and installation.bot_token == BOT_TOKEN
    assert store.find_bot(enterprise_id=None, team_id="T_OTHER") is None
    with engine.connect() as connection:
        raw = connection.execute(select(InstallationRow.bot_token_enc)).scalar_one()
    assert b"SECRETBOTTOKEN" not in bytes(raw)
    # The installing user became the tenant's first admin.
    with uows() as uow:
        tenant = tenants.find_tenant(uow, "slack", "T1")
        assert tenant is not None
        assert tenants.identify(uow, tenant.id, "U_INSTALLER").has(Role.ADMIN)


def test_org_wide_install_serves_every_workspace_of_the_org(engine: Engine) -> None:
    store = EncryptingInstallationStore(uow_factory(engine))
    store.save(_installation(enterprise_id="E1", team_id=None, is_enterprise_install=True))
    bot = store.find_bot(enterprise_id="E1", team_id="T_IN_ORG")
    assert bot is not None and bot.bot_token == BOT_TOKEN
    assert store.find_bot(enterprise_id="E2", team_id="T_IN_ORG") is None


def test_delete_removes_the_tokens_at_once(engine: Engine) -> None:
    store = EncryptingInstallationStore(uow_factory(engine))
    store.save(_installation())
    store.delete_all(enterprise_id=None, team_id="T1")
    assert store.find_bot(enterprise_id=None, team_id="T1") is None
    with engine.connect() as connection:
        assert connection.execute(select(InstallationRow.id)).first() is None


def test_oauth_state_is_single_use_and_expires(engine: Engine) -> None:
    uows = uow_factory(engine)
    states = DatabaseOAuthStateStore(uows)
    state = states.issue()
    assert states.consume(state)
    assert not states.consume(state), "a state is single-use"
    old = states.issue()
    uows.clock.advance(timedelta(minutes=11))
    assert not states.consume(old), "an expired state is refused"
    assert not states.consume("never-issued")


def test_token_rotation_is_serialised_across_threads(engine: Engine) -> None:
    """Refresh tokens are single-use: 8 concurrent lookups rotate exactly once."""
    lock = threading.Lock()
    with FakeSlackApi() as api:
        oauth = SingleUseRefresh(api)
        uows = uow_factory(engine)
        rotator = TokenRotator(client_id="1.2", client_secret="s", client=WebClient(base_url=api.url))
        store = EncryptingInstallationStore(uows, rotator=rotator)
        expiring = int(uows.clock.now().timestamp()) + 60  # expires in a minute
        store.save(_installation(bot_refresh_token="xoxe-1-refresh-0", bot_token_expires_at=expiring))
        tokens: list[str] = []
        barrier = threading.Barrier(8)

        def lookup() -> None:
            barrier.wait()
            bot = store.find_bot(enterprise_id=None, team_id="T1")
            assert bot is not None
            with lock:
                tokens.append(bot.bot_token)

        threads = [threading.Thread(target=lookup) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert oauth.refreshes == ["xoxe-1-refresh-0"], "exactly one rotation, never a reused refresh token"
    assert tokens == ["xoxe.xoxb-new-1"] * 8

"""``app_uninstalled`` over real HTTP applies the tenant's data policy (purge or keep)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from tests.e2e.conftest import SlackWorld
from tests.support.slack_seed import SeededCase, seed_case, server_db
from vpbot.domain.tenant import TenantSettings
from vpbot.storage.models import Case, OutboxItem, Tenant

MARKER = "CANARY-uninstall-51c0"


def _set_policy(seeded: SeededCase, policy: str) -> None:
    with seeded.make() as uow:
        tenant = uow.session.get(Tenant, seeded.tenant_id)
        assert tenant is not None
        tenant.settings = {**TenantSettings.from_json(tenant.settings).to_json(), "on_uninstall": policy}
        uow.commit()


def _tenant_and_case(seeded: SeededCase, timeout: float = 5.0) -> tuple[str, str]:
    """The tenant's and the case's status once the server marked the tenant uninstalled."""
    deadline = time.monotonic() + timeout
    while True:
        with seeded.make() as uow:
            tenant = uow.session.get(Tenant, seeded.tenant_id)
            case_status = uow.session.scalars(select(Case.status).where(Case.id == seeded.case_id)).one()
            assert tenant is not None
            if tenant.status == "uninstalled" or time.monotonic() > deadline:
                return tenant.status, case_status
        time.sleep(0.05)


@pytest.mark.parametrize(("policy", "case_after"), [("purge", "purged"), ("keep", "open")])
def test_app_uninstalled_applies_the_data_policy(slack_world: SlackWorld, policy: str, case_after: str) -> None:
    with server_db(slack_world.db_url, slack_world.master_key) as db:
        seeded = seed_case(db, MARKER)
        _set_policy(seeded, policy)
        event = {"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"}
        assert slack_world.slack.event(event, event_id="Ev0UNINSTALL").status_code == 200
        # Slack retries (signed anew): the same event id is handled once.
        retry = slack_world.slack.event(event, event_id="Ev0UNINSTALL", timestamp=int(time.time()) + 1)
        assert retry.status_code == 200
        assert _tenant_and_case(seeded) == ("uninstalled", case_after)
        if policy == "purge":  # reminders and notifications still waiting are cancelled
            with seeded.make() as uow:
                waiting = uow.session.scalars(select(OutboxItem.id).where(OutboxItem.status == "pending")).all()
            assert waiting == []

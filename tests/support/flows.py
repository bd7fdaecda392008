"""Driving platform-neutral flows in tests, and checking that every screen renders."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.views import View
from sqlalchemy import Engine

from plugins.slack.render import Renderer
from tests.support.core import uow_factory
from vpbot.flows.core import Flows, Interaction, Kind, Outcome
from vpbot.flows.registry import build_flows
from vpbot.services.clock import FixedClock
from vpbot.ui.screens import Screen

TENANT = "T0FLOWS"


def assert_renders(screen: Screen) -> dict[str, Any]:
    """Render ``screen`` as a Slack modal in both languages and validate it; return the nl view."""
    views = []
    for locale in ("nl", "en"):
        view = Renderer(locale, "Europe/Amsterdam").modal(screen)
        View(**view).validate_json()
        assert len(view["title"]["text"]) <= 24
        views.append(view)
    return views[0]


class FlowDriver:
    """Clicks and submits as a given platform user, checking every outcome's screen renders."""

    def __init__(self, engine: Engine, clock: FixedClock | None = None, tenant: str = TENANT) -> None:
        self.uows = uow_factory(engine, clock)
        self.flows: Flows = build_flows(self.uows)
        self.tenant = tenant

    def run(self, user: str, interaction: Interaction, **facts: Any) -> Outcome:
        _actor, outcome = self.flows.handle("slack", self.tenant, user, interaction, **facts)
        if outcome.screen is not None:
            assert_renders(outcome.screen)
        return outcome

    def click(self, user: str, action_id: str, value: str | None = None, *, in_modal: bool = True,
              metadata: dict[str, Any] | None = None) -> Outcome:
        return self.run(user, Interaction(Kind.ACTION, action_id, value=value, metadata=metadata or {},
                                          in_modal=in_modal))

    def submit(self, user: str, screen: Screen, values: dict[str, Any]) -> Outcome:
        return self.run(user, Interaction(Kind.SUBMIT, screen.id, values=values,
                                          metadata=dict(screen.private_metadata)))

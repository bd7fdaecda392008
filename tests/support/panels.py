"""Driving the adviser and admin panels: a fake platform directory, and reading screens back."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, text

from plugins.slack.render import Renderer
from tests.support.flows import TENANT, FlowDriver, assert_renders
from vpbot.flows.core import Interaction, Outcome, PlatformDirectory, UserFacts
from vpbot.ui.screens import Button, Buttons, Field, Screen, TextInput

__all__ = [
    "FakeDirectory",
    "PanelDriver",
    "buttons",
    "initial_text",
    "input_field",
    "rendered",
    "stored_everywhere",
]


@dataclass
class FakeDirectory(PlatformDirectory):
    """A platform directory that knows the users it was given, and records who was looked up."""

    users: dict[str, UserFacts] = field(default_factory=dict)
    looked_up: list[str] = field(default_factory=list)

    def user_facts(self, user_id: str) -> UserFacts:
        """The facts given for ``user_id`` (nothing known for anyone else)."""
        self.looked_up.append(user_id)
        return self.users.get(user_id, UserFacts())


class PanelDriver(FlowDriver):
    """A :class:`FlowDriver` whose interactions see ``directory`` as the platform's users."""

    def __init__(self, engine: Engine, directory: FakeDirectory, tenant: str = TENANT) -> None:
        super().__init__(engine, tenant=tenant)
        self.directory = directory
        self.screens: list[tuple[str, Screen]] = []  # (user, screen) for every screen shown

    def run(self, user: str, interaction: Interaction, **facts: Any) -> Outcome:
        """Handle ``interaction`` as ``user``, check the screen renders, and remember it."""
        _actor, outcome = self.flows.handle(
            "slack", self.tenant, user, interaction, directory=self.directory, **facts
        )
        if outcome.screen is not None:
            assert_renders(outcome.screen)
            self.screens.append((user, outcome.screen))
        return outcome

    def screen(self, user: str, action_id: str, value: str | None = None, **kwargs: Any) -> Screen:
        """Click and return the screen that follows (failing if there is none)."""
        outcome = self.click(user, action_id, value, **kwargs)
        assert outcome.screen is not None, outcome
        return outcome.screen

    def send(self, user: str, screen: Screen, values: Mapping[str, Any]) -> Outcome:
        """Submit ``screen`` with ``values`` (missing fields submitted empty)."""
        filled = {f.id: None for f in screen.fields()}
        filled.update(values)
        return self.submit(user, screen, filled)

    def next(self, user: str, screen: Screen, values: Mapping[str, Any]) -> Screen:
        """Submit and return the screen that follows (failing on inline errors)."""
        outcome = self.send(user, screen, values)
        assert outcome.screen is not None and not outcome.errors, outcome
        return outcome.screen


def rendered(screen: Screen) -> str:
    """Everything a screen shows, in both languages, as one string."""
    return json.dumps(
        [Renderer(locale, "Europe/Amsterdam").modal(screen) for locale in ("nl", "en")], ensure_ascii=False
    )


def buttons(screen: Screen) -> Iterator[Button]:
    """Every button on a screen."""
    for block in screen.blocks:
        if isinstance(block, Buttons):
            yield from block.buttons


def input_field(screen: Screen, field_id: str) -> Field:
    """The input field ``field_id`` of a screen."""
    return next(f for f in screen.fields() if f.id == field_id)


def initial_text(screen: Screen, field_id: str) -> str | None:
    """The prefilled text of a text input."""
    found = input_field(screen, field_id)
    assert isinstance(found, TextInput)
    return found.initial.text if found.initial is not None else None


def stored_everywhere(engine: Engine) -> str:
    """The outbox payloads and every audit row, as one string (where content must never be)."""
    with engine.connect() as connection:
        outbox = connection.execute(text("SELECT kind, payload, dedupe_key FROM outbox")).all()
        audit = connection.execute(text("SELECT * FROM audit_log")).all()
    return json.dumps([[str(v) for v in row] for row in [*outbox, *audit]])

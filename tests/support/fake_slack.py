"""A recording fake of the Slack Web API (``SLACK_API_URL`` points here).

Every view it receives is validated with ``slack_sdk.models`` and Slack's limits; problems
are collected in ``view_errors`` so a test can assert there were none.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.views import View

from tests.support.http_fakes import RecordedCall, RecordingServer, Reply

TEAM_ID = "T0VPBOT01"
BOT_USER = "U0VPBOTBOT"
VIEW_METHODS = ("views.open", "views.push", "views.update", "views.publish")


class FakeSlackApi(RecordingServer):
    """Answers Web API methods with ``ok`` responses; tests can override per method."""

    def __init__(self, team_id: str = TEAM_ID) -> None:
        super().__init__()
        self.team_id = team_id
        self.handlers: dict[str, Callable[[RecordedCall], Reply]] = {}
        self.view_errors: list[str] = []

    def method(self, call: RecordedCall) -> str:
        return call.path.split("?")[0].rsplit("/", 1)[-1]

    def respond(self, call: RecordedCall) -> Reply:
        name = self.method(call)
        if name in VIEW_METHODS:
            self._validate_view(name, call)
        if name in self.handlers:
            return self.handlers[name](call)
        if name == "auth.test":
            return Reply(200, {"ok": True, "team_id": self.team_id, "user_id": BOT_USER, "bot_id": "B0VPBOT",
                               "url": "https://vpbot-test.slack.com/", "team": "vpbot test"})
        if name in VIEW_METHODS:
            return Reply(200, {"ok": True, "view": {"id": f"V{len(self.calls):08d}"}})
        if name == "chat.postMessage":
            return Reply(200, {"ok": True, "channel": "D0VPBOT", "ts": f"{len(self.calls)}.000100"})
        return Reply(200, {"ok": True})

    def _validate_view(self, name: str, call: RecordedCall) -> None:
        try:
            view = self.view_of(call)
            View(**view).validate_json()
            if view.get("type") == "modal" and len(view["title"]["text"]) > 24:
                raise ValueError("modal title over 24 characters")
        except (SlackObjectFormationError, ValueError, KeyError, TypeError) as exc:
            self.view_errors.append(f"{name}: {exc}")

    @staticmethod
    def view_of(call: RecordedCall) -> dict[str, Any]:
        """The ``view`` argument of a views.* call, parsed."""
        view = call.params["view"]
        return json.loads(view) if isinstance(view, str) else view

    def wait_for(self, name: str, count: int = 1, timeout: float = 5.0) -> list[RecordedCall]:
        """Wait until ``count`` calls of ``name`` arrived (listeners run after ack)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls_to(name)
            if len(calls) >= count:
                return calls
            time.sleep(0.02)
        return self.calls_to(name)

    def calls_to(self, name: str) -> list[RecordedCall]:
        """Recorded calls of one Web API method, e.g. ``views.open``."""
        return [c for c in self.calls if self.method(c) == name]

"""A recording fake of the Slack Web API (``SLACK_API_URL`` points here)."""

from __future__ import annotations

from collections.abc import Callable

from tests.support.http_fakes import RecordedCall, RecordingServer, Reply


class FakeSlackApi(RecordingServer):
    """Answers Web API methods with canned ``ok`` responses; tests can override per method."""

    def __init__(self) -> None:
        super().__init__()
        self.handlers: dict[str, Callable[[RecordedCall], Reply]] = {}

    def method(self, call: RecordedCall) -> str:
        return call.path.split("?")[0].rsplit("/", 1)[-1]

    def respond(self, call: RecordedCall) -> Reply:
        name = self.method(call)
        if name in self.handlers:
            return self.handlers[name](call)
        return Reply(200, {"ok": True})

    def calls_to(self, name: str) -> list[RecordedCall]:
        """Recorded calls of one Web API method, e.g. ``views.open``."""
        return [c for c in self.calls if self.method(c) == name]

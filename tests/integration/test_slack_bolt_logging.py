"""At ``VPBOT_LOG_LEVEL=DEBUG`` Bolt's loggers stay capped: modals carry notes and messages (C6).

Bolt sets every logger it creates to the *root* level unless it is given a logger, which
undid the INFO cap on ``slack_bolt``; vpbot gives it one capped like ``slack_bolt``. Found by
the Slack journey's canary (the adviser's note was in the server log through Bolt's
"Responding with status: 200 body: …"). The log filter withholds such bodies as well.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from slack_bolt import BoltRequest
from sqlalchemy import Engine

from plugins.slack.plugin import build_slack_plugin
from tests.support.core import uow_factory
from tests.support.fake_slack import FakeSlackApi
from vpbot.logs import configure_logging, make_handler
from vpbot.settings import SlackSettings

MARKER = "CANARY-bolt-debug-body"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = make_handler(stream)
    root = logging.getLogger()
    old_level = root.level
    configure_logging("DEBUG")  # vpbot at DEBUG; the SDKs keep their INFO cap
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        configure_logging("INFO")


def test_bolt_loggers_stay_capped_when_vpbot_logs_at_debug(engine: Engine, debug_log: io.StringIO) -> None:
    with FakeSlackApi() as api:
        settings = SlackSettings(signing_secret="s" * 32, bot_token="xoxb-1-2-debugtoken", api_url=api.url)
        plugin = build_slack_plugin(settings, uow_factory(engine))
        # Bolt's loggers: the app's, and the ones it made for vpbot's middleware and listeners.
        app = plugin.app
        parts = [*app._middleware_list, *app._listeners, app._listener_runner]
        loggers = [app.logger, *(p.logger for p in parts if isinstance(getattr(p, "logger", None), logging.Logger))]
        assert len(loggers) > 5
        assert [lg.name for lg in loggers if lg.isEnabledFor(logging.DEBUG)] == []

        # A modal with content in the answer, as vpbot's case screen has an adviser's note.
        @app.view("test.echo")
        def echo(ack, body):  # type: ignore[no-untyped-def]
            ack(response_action="update", view={
                "type": "modal", "title": {"type": "plain_text", "text": "Dossier"},
                "blocks": [{"type": "section", "text": {"type": "plain_text", "text": MARKER}}]})

        view = {"id": "V1", "type": "modal", "callback_id": "test.echo", "private_metadata": "{}",
                "state": {"values": {}}}
        payload = {"type": "view_submission", "user": {"id": "U1"}, "team": {"id": "T1"}, "view": view}
        response = app.dispatch(BoltRequest(body="payload=" + json.dumps(payload),
                                            headers={"content-type": "application/x-www-form-urlencoded"}))
        assert MARKER in response.body  # the answer had it; the log must not
    logged = debug_log.getvalue()
    assert logging.getLogger("vpbot").isEnabledFor(logging.DEBUG)
    assert MARKER not in logged

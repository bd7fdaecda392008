"""At DEBUG, a real Slack Web API round trip leaves no token or secret in the logs."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from tests.support.fake_slack import FakeSlackApi
from tests.support.http_fakes import Reply
from vpbot.logs import configure_logging, make_handler

BOT_TOKEN = "xoxb-111-222-BOTTOKENSECRET"
NEW_TOKEN = "xoxb-333-444-ISSUEDTOKENSECRET"
REFRESH = "xoxe-1-REFRESHSECRET"
CLIENT_SECRET = "CLIENTSECRETVALUE"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = make_handler(stream)
    root = logging.getLogger()
    old_level = root.level
    configure_logging("DEBUG", sdk_level="DEBUG")  # the operator raised everything
    root.addHandler(handler)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
        configure_logging("INFO")


def test_debug_logs_of_a_real_request_hold_no_secret(debug_log: io.StringIO) -> None:
    with FakeSlackApi() as api:
        api.handlers["oauth.v2.access"] = lambda call: Reply(
            200, {"ok": True, "access_token": NEW_TOKEN, "refresh_token": REFRESH}
        )
        client = WebClient(token=BOT_TOKEN, base_url=api.url)
        client.auth_test()
        client.oauth_v2_access(client_id="1.2", client_secret=CLIENT_SECRET, code="CODEVALUE")
    logged = debug_log.getvalue()
    assert "slack_sdk" in logged, "the SDK did log at DEBUG, so the filter was exercised"
    for secret in (BOT_TOKEN, NEW_TOKEN, REFRESH, CLIENT_SECRET, "CODEVALUE"):
        assert secret not in logged
    # the fake really received the credentials, so they passed through the logged code path
    oauth = api.calls_to("oauth.v2.access")[0]
    assert oauth.headers["authorization"].startswith("Basic ")
    assert b"CODEVALUE" in oauth.body

"""What the hostile-input suite (``tests/hostile``) found, pinned down without a server.

Each of these was a 500, a stalled server or a leak before it was fixed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import quote

import pytest

from plugins.slack.gate import ReplayGuard, SlackGate
from vpbot.logs import WITHHELD, RedactionFilter, redact, withhold_bodies

SECRET = "unit-signing-secret"
FORM = "application/x-www-form-urlencoded"


def _gate() -> SlackGate:
    return SlackGate(SECRET, ReplayGuard(lambda _key: True))


def _signed(body: bytes, content_type: str = FORM, timestamp: str | None = None) -> dict[str, str]:
    ts = timestamp or str(int(time.time()))
    signature = hmac.new(SECRET.encode(), b"v0:" + ts.encode("latin-1") + b":" + body, hashlib.sha256).hexdigest()
    return {"content-type": content_type, "x-slack-request-timestamp": ts, "x-slack-signature": "v0=" + signature}


@pytest.mark.parametrize(
    "headers",
    [
        {"x-slack-request-timestamp": "²", "x-slack-signature": "v0=" + "0" * 64},  # a digit to isdigit(), not int()
        {"x-slack-request-timestamp": "¹²³", "x-slack-signature": "v0=" + "0" * 64},
        {"x-slack-request-timestamp": str(int(time.time())), "x-slack-signature": "v0=é" + "0" * 63},
    ],
    ids=["superscript-timestamp", "superscript-digits", "non-ascii-signature"],
)
def test_odd_header_values_are_refused_not_crashed_on(headers: dict[str, str]) -> None:
    rejection = _gate().check(b"command=x", {"content-type": FORM, **headers})
    assert rejection is not None and rejection.status == 401


def _payload(payload: object) -> bytes:
    return ("payload=" + quote(json.dumps(payload))).encode()


USER = {"id": "U1", "team_id": "T1"}


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "application/json", "malformed_json"),
        (_payload(None).replace(b"null", quote("[" * 100_000).encode()), FORM, "malformed_payload"),
        (_payload({"type": {"a": 1}, "user": USER}), FORM, "unknown_payload_type"),
        (_payload({"type": ["block_actions"], "user": USER}), FORM, "unknown_payload_type"),
        (_payload({"type": "block_actions", "user": USER, "actions": []}), FORM, "malformed_actions"),
        (_payload({"type": "block_actions", "user": USER, "actions": [{"action_id": "vpbot.open"}], "view": "x"}),
         FORM, "malformed_view"),
        (_payload({"type": "block_suggestion", "user": USER, "action_id": {"a": 1}}), FORM, "unknown_payload_type"),
        (_payload({"type": "view_submission", "user": USER, "view": {"callback_id": "vpbot.home"}}), FORM,
         "missing_view_type"),
    ],
    ids=["deep-json", "deep-payload", "type-dict", "type-list", "no-actions", "view-str", "suggestion-id",
         "view-no-type"],
)
def test_signed_malformed_payloads_get_400(body: bytes, content_type: str, reason: str) -> None:
    rejection = _gate().check(body, _signed(body, content_type))
    assert rejection is not None and (rejection.status, rejection.reason) == (400, reason)


def test_redaction_stays_linear_on_long_lines() -> None:
    # Unbounded prefixes made this quadratic: 50,000 letters took 80 s and stalled the server.
    started = time.monotonic()
    for text in ("x" * 100_000, "eyJ" * 30_000, "a_" * 50_000):
        redact(text)
    assert time.monotonic() - started < 10


def test_redaction_still_catches_secrets() -> None:
    line = 'client_secret=abc refresh_token: "r1" Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl'
    out = redact(line)
    assert "abc" not in out and "r1" not in out and "eyJhbGci" not in out


@pytest.mark.parametrize(
    ("logger", "message", "kept"),
    [
        ("slack_sdk.web.base_client",
         "Sending a request - url: http://x/views.open, query_params: {}, body_params: {'view': 'NOTE'}",
         "Sending a request - url: http://x/views.open"),
        ("slack_sdk.web.base_client", "Received the following response - status: 200, headers: {}, body: NOTE",
         "Received the following response - status: 200"),
        ("slack_bolt.App", 'Responding with status: 200 body: "{\\"view\\": \\"NOTE\\"}" (3 millis)',
         "Responding with status: 200"),
        ("slack_sdk.socket_mode.builtin.client", "Sending a message (session id: s1, message: NOTE)",
         "Sending a message"),
        ("slack_sdk.socket_mode.builtin.client", "on_message invoked: (message: NOTE)", "on_message invoked"),
    ],
)
def test_sdk_body_lines_keep_what_happened_but_not_the_body(logger: str, message: str, kept: str) -> None:
    assert withhold_bodies(logger, message) == f"{kept} {WITHHELD}"
    record = logging.LogRecord(logger, logging.DEBUG, __file__, 1, message, (), None)
    RedactionFilter().filter(record)
    assert "NOTE" not in record.getMessage()


def test_other_loggers_are_not_cut() -> None:
    assert withhold_bodies("vpbot.flows", "Responding with status: 200 body: x") == "Responding with status: 200 body: x"

"""Logs carry no tokens or secrets (DESIGN.md C6)."""

from __future__ import annotations

import io
import logging

import pytest

from vpbot.logs import REDACTED, cap_sdk_loggers, make_handler, quiet_routine_loggers, redact

SECRETS = [
    "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx",
    "xoxp-1-2-3-abcdef",
    "xoxe.xoxp-1-refresh",  # contains xoxp-...
    "xapp-1-A0123-456-abcdef",
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlX2hlcmVfaXNfbG9uZw",
]


@pytest.mark.parametrize("secret", SECRETS)
def test_tokens_are_redacted(secret: str) -> None:
    text = redact(f"calling api with {secret} now")
    assert secret not in text
    assert REDACTED in text


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer abc.def-ghi",
        '{"client_secret": "s3cr3t-value"}',
        "client_secret=s3cr3t-value&code=oauth-code-123",
        "signing_secret='s3cr3t-value'",
        "VPBOT_MASTER_KEY=k1:AAAAsecretAAAA",
    ],
)
def test_secret_assignments_are_redacted(line: str) -> None:
    out = redact(line)
    for needle in ("abc.def-ghi", "s3cr3t-value", "oauth-code-123", "AAAAsecretAAAA"):
        assert needle not in out


def test_harmless_text_is_kept() -> None:
    assert redact("status_code=200 for views.open") == "status_code=200 for views.open"


def test_sensitive_records_are_withheld_entirely() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("vpbot.test.sensitive")
    logger.addHandler(make_handler(stream))
    logger.propagate = False
    try:
        logger.warning("payload %s", "my boss shouts at me", extra={"sensitive": True})
    finally:
        logger.handlers.clear()
    assert "boss" not in stream.getvalue()
    assert "withheld" in stream.getvalue()


def test_exception_text_is_redacted() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("vpbot.test.exc")
    logger.addHandler(make_handler(stream))
    logger.propagate = False
    try:
        try:
            raise RuntimeError("token rejected: xoxb-999-888-secretsecret")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.handlers.clear()
    assert "secretsecret" not in stream.getvalue()
    assert "RuntimeError" in stream.getvalue()


def test_sdk_loggers_are_capped_at_info() -> None:
    cap_sdk_loggers()
    assert not logging.getLogger("slack_sdk.web.base_client").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("slack_bolt.App").isEnabledFor(logging.DEBUG)


def test_teams_conversation_ids_in_urls_are_redacted() -> None:
    line = "HTTP Request: POST https://smba.example/amer/v3/conversations/a:1Xyz-AbC_123/activities"
    out = redact(line)
    assert "a:1Xyz-AbC_123" not in out and "/activities" in out


def test_http_clients_are_quiet_at_info() -> None:
    cap_sdk_loggers("INFO")
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)


def test_the_schedulers_routine_runs_stay_out_of_the_log_at_info() -> None:
    quiet_routine_loggers("INFO")
    scheduler = logging.getLogger("apscheduler.executors.default")
    assert not scheduler.isEnabledFor(logging.INFO)  # "Running job … executed successfully"
    assert scheduler.isEnabledFor(logging.WARNING)  # "Run time of job … was missed"
    quiet_routine_loggers("DEBUG")
    assert scheduler.isEnabledFor(logging.DEBUG)  # the operator asked for everything
    quiet_routine_loggers("INFO")

"""Logging: one setup, with a redaction filter on every handler (DESIGN.md C6).

slack_sdk logs whole request and response bodies at DEBUG and bolt logs the raw body when a
signature check fails, so their loggers are capped at INFO unless explicitly raised, and
every record passes a filter that removes tokens, bearer credentials and secrets. A record
marked ``extra={"sensitive": True}`` is replaced entirely: its message is never formatted.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

REDACTED = "[redacted]"

# Loggers of libraries that may log request/response bodies.
SDK_LOGGERS = ("slack_sdk", "slack_bolt", "microsoft_teams", "msal", "httpx", "httpcore", "urllib3")

_PATTERNS: tuple[re.Pattern[str], ...] = (
    # Slack tokens: bot, user, app-level, refresh, config, workflow.
    re.compile(r"xox[a-z]-[A-Za-z0-9-]+"),
    re.compile(r"xapp-[A-Za-z0-9-]+"),
    # Authorization headers and bearer credentials.
    re.compile(r"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"),
    # Teams conversation ids in Bot Connector URLs identify a person's 1:1 chat.
    re.compile(r"(?<=/v3/conversations/)[^/\s?\"']+"),
    # JSON Web Tokens (Teams / Azure AD access tokens). Only where a token can start, and
    # key prefixes below are bounded: every pattern stays linear in the length of the text
    # (unbounded, a 50,000-letter log line took 80 s of regex and stalled the server).
    re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    # key=value or "key": "value" where the key names a secret.
    re.compile(
        r"(?i)([\"']?(?:[a-z_]{0,40}secret|password|passwd|[a-z_]{0,40}token|api_key|client_assertion|(?<![a-z_])code"
        r"|signature|authorization|master_key)[\"']?\s*[:=]\s*[\"']?)([^\"'&\s,}]+)"
    ),
)


# slack_sdk and slack_bolt log whole request and response bodies at DEBUG: modals with case
# content, submitted form values. When an operator raises their level, keep what happened
# (method, status) and withhold the body (DESIGN.md C6).
WITHHELD = "[body withheld]"
_BODY_LOGGERS = ("slack_sdk", "slack_bolt")
_BODY_LINES: tuple[re.Pattern[str], ...] = (
    re.compile(r"(Sending a request - url: [^,\s]+)", re.S),  # the web client's request
    re.compile(r"(Received the following response - status: \d+)", re.S),  # … and response
    re.compile(r"(Responding with status: \d+)", re.S),  # bolt's answer to Slack (ack bodies)
    re.compile(r"(Sending a (?:message|text data frame))", re.S),  # Socket Mode frames
    re.compile(r"(on_message invoked)", re.S),  # Socket Mode: a received envelope
)


def withhold_bodies(logger_name: str, message: str) -> str:
    """The message without the request/response body, for the SDK lines that carry one."""
    if not logger_name.startswith(_BODY_LOGGERS):
        return message
    for pattern in _BODY_LINES:
        found = pattern.match(message)
        if found is not None:
            return f"{found.group(1)} {WITHHELD}"
    return message


def redact(text: str) -> str:
    """Remove tokens and secrets from a piece of log text."""
    for pattern in _PATTERNS:
        if pattern.groups >= 2:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        else:
            text = pattern.sub(REDACTED, text)
    return text


class RedactionFilter(logging.Filter):
    """Rewrites each record's message with secrets removed (attach to handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "sensitive", False):
            record.msg = f"{record.name}: message withheld (sensitive)"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not break logging
            message = str(record.msg)
        record.msg = redact(withhold_bodies(record.name, message))
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            # Exception texts can carry request bodies; keep the type and a redacted text.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(level: str = "INFO", sdk_level: str = "INFO") -> None:
    """Configure the root logger once: a stderr handler with the redaction filter.

    ``sdk_level`` caps the libraries that log bodies; it is never lower than INFO unless the
    operator raised it explicitly (``VPBOT_SDK_LOG_LEVEL=DEBUG``).
    """
    root = logging.getLogger()
    if not any(getattr(h, "_vpbot", False) for h in root.handlers):
        root.addHandler(make_handler(sys.stderr))
    install_redaction(root)
    root.setLevel(level)
    cap_sdk_loggers(sdk_level)
    quiet_routine_loggers(level)


def make_handler(stream: TextIO) -> logging.Handler:
    """A stream handler with vpbot's format and the redaction filter."""
    handler = logging.StreamHandler(stream)
    handler._vpbot = True  # type: ignore[attr-defined]
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactionFilter())
    return handler


def install_redaction(logger: logging.Logger) -> None:
    """Add the redaction filter to every handler of ``logger`` that lacks one."""
    for handler in logger.handlers:
        if not any(isinstance(f, RedactionFilter) for f in handler.filters):
            handler.addFilter(RedactionFilter())


# APScheduler logs every run of every job at INFO ("Running job …", "… executed successfully"):
# with the dispatcher ticking every 2 s that was ~86,000 lines a day that say nothing.
# Its warnings (a missed run, too many instances) still show.
ROUTINE_AT_INFO = ("apscheduler",)


def quiet_routine_loggers(level: str = "INFO") -> None:
    """Keep libraries that narrate routine work at WARNING, unless the operator asked for DEBUG."""
    for name in ROUTINE_AT_INFO:
        logging.getLogger(name).setLevel("DEBUG" if level == "DEBUG" else "WARNING")


# HTTP client libraries log every request URL at INFO; URLs can carry ids (C6).
QUIET_AT_INFO = ("httpx", "httpcore", "urllib3")


def cap_sdk_loggers(level: str = "INFO") -> None:
    """Keep body-logging libraries at ``level`` (INFO by default) whatever the root level.

    HTTP client libraries stay at WARNING unless the operator explicitly asked for DEBUG.
    """
    for name in SDK_LOGGERS:
        quiet = name in QUIET_AT_INFO and level != "DEBUG"
        logging.getLogger(name).setLevel("WARNING" if quiet else level)

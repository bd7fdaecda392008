"""Invoke responses: what Teams expects back for invokes vpbot does not handle or fails on.

- An invoke nobody handles answers **501 Not Implemented**, the Bot Framework convention
  (botbuilder's ``ActivityHandler`` does the same); Teams then shows its own neutral error.
- An invoke whose handler failed never answers 500. Dialog invokes (task modules and
  message-extension actions) get HTTP 200 with a "message" task response, so the dialog
  shows a neutral error text; Universal Actions (``adaptiveCard/action``) get HTTP 200 with
  the documented ``application/vnd.microsoft.error`` body; anything else gets HTTP 200 with
  an empty object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from vpbot.ui import i18n

DIALOG_INVOKES = frozenset(
    {"task/fetch", "task/submit", "composeExtension/fetchTask", "composeExtension/submitAction"}
)
UNIVERSAL_ACTION = "adaptiveCard/action"


@dataclass(frozen=True)
class InvokeResponse:
    """HTTP status and JSON body (``None``: no body) of an invoke's answer."""

    status: int
    body: Any = None


def not_implemented() -> InvokeResponse:
    """The answer to an invoke vpbot does not handle."""
    return InvokeResponse(501)


def failure(name: str | None, locale: str | None) -> InvokeResponse:
    """A 500-free answer to an invoke whose handler failed (neutral text, no details)."""
    text = i18n.t("error.unexpected", i18n.normalize_locale(locale))
    if name in DIALOG_INVOKES:
        return InvokeResponse(200, {"task": {"type": "message", "value": text}})
    if name == UNIVERSAL_ACTION:
        return InvokeResponse(
            200,
            {
                "statusCode": 500,
                "type": "application/vnd.microsoft.error",
                "value": {"code": "InternalServerError", "message": text},
            },
        )
    return InvokeResponse(200, {})


def from_handler(result: object) -> InvokeResponse | None:
    """A handler's ``{"status": int, "body": …}`` as a response, or ``None`` if malformed."""
    if not isinstance(result, dict):
        return None
    status = result.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599:
        return None
    return InvokeResponse(status, result.get("body"))

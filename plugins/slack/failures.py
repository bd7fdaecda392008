"""Slack Web API failures as the dispatch port's typed failures (DESIGN.md §5, issue 6).

================================================  =========================================
Slack answer                                      :mod:`vpbot.dispatch.ports`
================================================  =========================================
HTTP 429 / ``ratelimited``                        ``RateLimited`` (``Retry-After``, else 5 s)
HTTP 5xx, ``internal_error``, ``fatal_error``,    ``TransientFailure``
``service_unavailable``, ``request_timeout``,
timeouts and connection errors
``user_not_found``, ``user_disabled``,            ``RecipientGone`` (this recipient)
``cannot_dm_bot``, ``channel_not_found``, …
``invalid_auth``, ``token_revoked``,              ``RecipientGone(tenant_wide=True)``
``not_authed``, ``token_expired``, no
installation, a refresh token Slack refused
``account_inactive``                              either: the bot's token is asked (see
                                                  :func:`account_inactive`)
any other error                                   ``TransientFailure("rejected_<error>")``: a
                                                  dead letter after the dispatcher's attempts
================================================  =========================================

Reason codes are Slack's error codes: short, never content, never a token.
"""

from __future__ import annotations

import http.client
from collections.abc import Mapping

from slack_sdk.errors import SlackApiError, SlackTokenRotationError

from vpbot.dispatch.ports import DeliveryFailure, RateLimited, RecipientGone, TransientFailure

DEFAULT_RETRY_AFTER_SECONDS = 5.0
ACCOUNT_INACTIVE = "account_inactive"

# The recipient cannot be reached (left the workspace, deactivated, not a person).
RECIPIENT_GONE = frozenset(
    {"user_not_found", "user_disabled", "cannot_dm_bot", "channel_not_found", "is_archived",
     "user_not_visible", "messages_tab_disabled"}
)
# The whole workspace is unreachable: the token is gone or refused.
TENANT_GONE = frozenset(
    {"invalid_auth", "token_revoked", "not_authed", "token_expired", "no_installation",
     "invalid_refresh_token", "app_uninstalled", "team_access_not_granted", "team_not_found"}
)
# Slack's own trouble: retry with backoff.
SLACK_TROUBLE = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
NETWORK_ERRORS: tuple[type[BaseException], ...] = (OSError, http.client.HTTPException)


def error_code(exc: SlackApiError) -> str:
    """Slack's error code of a failed call (``"unknown"`` when it gave none)."""
    data = exc.response.data if isinstance(exc.response.data, Mapping) else {}
    code = data.get("error")
    return code if isinstance(code, str) and code else "unknown"


def retry_after(headers: Mapping[str, object]) -> float:
    """Seconds from a ``Retry-After`` header (any case), else the default."""
    for name, value in headers.items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(0.0, float(str(raw)))
            except ValueError:
                break
    return DEFAULT_RETRY_AFTER_SECONDS


def failure_for(exc: SlackApiError | SlackTokenRotationError) -> DeliveryFailure:
    """The typed failure for a Slack API error (``account_inactive`` is left to the caller)."""
    if isinstance(exc, SlackTokenRotationError):
        # The refresh call itself failed: a refused refresh token means nothing can be sent.
        return failure_for(exc.api_error)
    status = exc.response.status_code
    code = error_code(exc)
    if status == 429 or code == "ratelimited":
        return RateLimited(retry_after(exc.response.headers or {}))
    if status >= 500 or code in SLACK_TROUBLE:
        return TransientFailure(f"http_{status}" if status >= 500 else code)
    if code in TENANT_GONE:
        return RecipientGone(code, tenant_wide=True)
    if code in RECIPIENT_GONE:
        return RecipientGone(code)
    return TransientFailure(f"rejected_{code}")


def token_refused(exc: SlackApiError) -> bool:
    """Whether Slack refused the token itself (not a rate limit or an outage)."""
    code = error_code(exc)
    return code in TENANT_GONE or code == ACCOUNT_INACTIVE


def account_inactive(bot_still_valid: bool) -> RecipientGone:
    """``account_inactive`` names the recipient if the bot's token still works, else the bot."""
    return RecipientGone(ACCOUNT_INACTIVE, tenant_wide=not bot_still_valid)


def network_failure(exc: BaseException) -> TransientFailure:
    """A timeout or connection error: the outcome is unknown, so the dispatcher checks first."""
    return TransientFailure(f"network_{type(exc).__name__}")

"""What every request from Slack passes before Bolt sees it.

Order matters: authenticity first (a forged, stale or replayed request gets 401 and changes
nothing), then shape (a malformed payload gets 400, never Bolt's 500). Only then is the
request dispatched.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier

MAX_BODY_BYTES = 1_000_000
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

# Interactive payload types vpbot handles or acknowledges. No ``block_suggestion``: vpbot has
# no external selects, and its ``value`` is text someone typed (Bolt would log it as unhandled).
INTERACTIVE_TYPES = frozenset({"block_actions", "view_submission", "view_closed", "shortcut", "message_action"})


@dataclass(frozen=True)
class Rejection:
    """Why a request was refused, and the HTTP status the platform gets."""

    status: int
    reason: str


class ReplayGuard:
    """Remembers request signatures for the timestamp window; a second use is a replay.

    ``remember(key)`` returns False when the key was seen before. The storage is injected
    (the database in production, so all ``vpbot serve`` processes share it).
    """

    def __init__(self, remember: Callable[[str], bool]) -> None:
        self._remember = remember

    def first_use(self, signature: str) -> bool:
        return self._remember("sig:" + hashlib.sha256(signature.encode()).hexdigest())


class SlackGate:
    """Signature, freshness, replay and shape checks for ``POST /slack/events``."""

    def __init__(
        self,
        signing_secret: str,
        replay_guard: ReplayGuard,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.verifier = SignatureVerifier(signing_secret, clock=_ClockAdapter(clock))
        self.replay_guard = replay_guard
        self.clock = clock

    def check(self, body: bytes, headers: Mapping[str, str]) -> Rejection | None:
        """None when the request may be dispatched; otherwise the rejection."""
        if len(body) > MAX_BODY_BYTES:
            return Rejection(413, "body_too_large")
        timestamp = headers.get("x-slack-request-timestamp", "")
        signature = headers.get("x-slack-signature", "")
        if not timestamp or not signature:
            return Rejection(401, "unsigned")
        # Header values arrive as latin-1: "²" is a digit to isdigit() but not to int(), and
        # hmac.compare_digest raises on non-ASCII text. Either would be a 500, not a 401.
        if not timestamp.isascii() or not timestamp.isdigit() or abs(self.clock() - int(timestamp)) > 60 * 5:
            return Rejection(401, "stale")
        if not signature.isascii():
            return Rejection(401, "bad_signature")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return Rejection(401, "bad_signature")
        if not self.verifier.is_valid(text, timestamp, signature):
            return Rejection(401, "bad_signature")
        shape = payload_shape(text, headers.get("content-type", ""))
        if shape is not None:
            return Rejection(400, shape)
        # Only authentic, well-formed requests are remembered, so junk cannot fill the table.
        if not self.replay_guard.first_use(signature):
            return Rejection(401, "replayed")
        return None


class _ClockAdapter:
    """slack_sdk's verifier wants an object with ``now()``."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock

    def now(self) -> float:
        return self.clock()


def payload_shape(body: str, content_type: str) -> str | None:
    """None for a payload Bolt can handle; otherwise a short reason for a 400."""
    media = content_type.split(";")[0].strip().lower()
    if media == JSON:
        return _json_event_shape(body)
    if media == FORM:
        return _form_shape(body)
    return "unsupported_content_type"


def _json_event_shape(body: str) -> str | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested too deeply
        return "malformed_json"
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        return "missing_type"
    if data["type"] == "url_verification":
        return None if isinstance(data.get("challenge"), str) else "missing_challenge"
    if data["type"] == "event_callback":
        event = data.get("event")
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            return "missing_event"
        if not isinstance(data.get("event_id"), str):
            return "missing_event_id"
        if not _has_str(data, "team_id") and not _has_str(data, "enterprise_id"):
            return "missing_team"
        return None
    if data["type"] == "app_rate_limited":
        return None
    return "unknown_type"


def _form_shape(body: str) -> str | None:
    try:
        form = {k: v[0] for k, v in parse_qs(body, strict_parsing=True, keep_blank_values=True).items()}
    except ValueError:
        return "malformed_form"
    if "payload" in form:
        return _interactive_shape(form["payload"])
    if "command" in form:
        for name in ("team_id", "user_id", "trigger_id"):
            if not form.get(name):
                return f"missing_{name}"
        return None
    if form.get("ssl_check") == "1":
        return None
    return "unknown_form"


def _interactive_shape(raw: str) -> str | None:
    try:
        payload: Any = json.loads(raw)
    except (ValueError, RecursionError):
        return "malformed_payload"
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str) or payload["type"] not in INTERACTIVE_TYPES:
        return "unknown_payload_type"
    user = payload.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str):
        return "missing_user"
    team = payload.get("team")
    if team is not None and not isinstance(team, dict):
        return "malformed_team"
    if "view" in payload and not isinstance(payload["view"], dict):
        return "malformed_view"  # Bolt reads view.get(...) for every payload type
    if payload["type"] in ("view_submission", "view_closed"):
        view = payload.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("callback_id"), str):
            return "missing_view"
        if not isinstance(view.get("type"), str):
            return "missing_view_type"  # Bolt reads view["type"] on every view submission
        state = view.get("state", {})
        if not isinstance(state, dict) or not isinstance(state.get("values", {}), dict):
            return "malformed_state"
    if payload["type"] == "block_actions":
        actions = payload.get("actions")
        if not isinstance(actions, list) or not actions or not all(
            isinstance(a, dict) and isinstance(a.get("action_id"), str) for a in actions
        ):
            return "malformed_actions"
    return None


def _has_str(data: Mapping[str, Any], key: str) -> bool:
    return isinstance(data.get(key), str) and bool(data[key])

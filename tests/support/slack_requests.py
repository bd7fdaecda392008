"""Signed requests into vpbot's Slack endpoint, the way Slack sends them."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from tests.support.fake_slack import TEAM_ID

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"


class SlackSender:
    """Posts signed commands, interactions and events to ``{base_url}/slack/events``."""

    def __init__(self, base_url: str, signing_secret: str = SIGNING_SECRET, team_id: str = TEAM_ID) -> None:
        self.url = base_url.rstrip("/") + "/slack/events"
        self.verifier = SignatureVerifier(signing_secret)
        self.team_id = team_id
        self.http = httpx.Client(timeout=10)
        self._n = 0

    def signed_headers(self, body: str, content_type: str, timestamp: int | None = None) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        return {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": self.verifier.generate_signature(timestamp=ts, body=body),
        }

    def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None, timestamp: int | None = None
    ) -> httpx.Response:
        return self.http.post(self.url, content=body.encode(), headers=headers or self.signed_headers(body, content_type, timestamp))

    def form(self, fields: dict[str, str]) -> httpx.Response:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded")

    def command(self, user: str, text: str = "", trigger_id: str | None = None) -> httpx.Response:
        self._n += 1
        return self.form({
            "command": "/vertrouwenspersoon", "text": text, "team_id": self.team_id, "user_id": user,
            "trigger_id": trigger_id or f"trigger-{self._n}", "channel_id": "D0CHAN", "response_url": "",
        })

    def interaction(self, payload: dict[str, Any]) -> httpx.Response:
        payload.setdefault("team", {"id": self.team_id})
        return self.form({"payload": json.dumps(payload)})

    def action(self, user: str, action_id: str, value: str | None = None, view: dict[str, Any] | None = None) -> httpx.Response:
        self._n += 1
        action: dict[str, Any] = {"action_id": action_id, "block_id": "b", "type": "button"}
        if value is not None:
            action["value"] = value
        payload: dict[str, Any] = {"type": "block_actions", "user": {"id": user, "team_id": self.team_id},
                                   "trigger_id": f"trigger-{self._n}", "actions": [action]}
        if view is not None:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
        return self.interaction(payload)

    def event(self, event: dict[str, Any], event_id: str | None = None, timestamp: int | None = None) -> httpx.Response:
        self._n += 1
        body = json.dumps({"type": "event_callback", "team_id": self.team_id, "api_app_id": "A0VPBOT",
                           "event": event, "event_id": event_id or f"Ev{self._n:08d}",
                           "event_time": int(time.time()),
                           "authorizations": [{"team_id": self.team_id, "user_id": "U0VPBOTBOT", "is_bot": True}]})
        return self.post(body, "application/json", timestamp=timestamp)

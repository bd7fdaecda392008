"""Direct messages on the fake Slack Web API: what the bot posted, per DM, with metadata.

:class:`DirectMessages` answers ``chat.postMessage``, ``conversations.open`` and
``conversations.history`` the way Slack does for a bot's DMs, so a sender's "did this already
go out?" check runs against real history. It can also post a message and then fail the call
anyway (``post_then_fail``): the outcome a timeout leaves vpbot with.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from tests.support.fake_slack import FakeSlackApi
from tests.support.http_fakes import RecordedCall, Reply


def dm_channel(user_id: str) -> str:
    """The fake's id of the bot's DM with ``user_id``."""
    return "D" + user_id.removeprefix("U")


class DirectMessages:
    """The bot's DMs, kept by the fake; install on a :class:`FakeSlackApi` at construction."""

    def __init__(self, api: FakeSlackApi) -> None:
        self.api = api
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> messages, oldest first
        self.post_then_fail: int | None = None  # HTTP status to answer after posting
        self._lock = threading.Lock()
        self._ts = 1_790_000_000
        api.handlers["chat.postMessage"] = self._post
        api.handlers["conversations.open"] = self._open
        api.handlers["conversations.history"] = self._history

    def _post(self, call: RecordedCall) -> Reply:
        params = call.params
        channel = str(params["channel"])
        channel = dm_channel(channel) if channel.startswith("U") else channel
        with self._lock:
            self._ts += 1
            message = {"type": "message", "ts": f"{self._ts}.000100", "text": params.get("text", ""),
                       "bot_id": "B0VPBOT", "blocks": _parsed(params.get("blocks"))}
            metadata = _parsed(params.get("metadata"))
            if metadata:
                message["metadata"] = metadata
            self.messages.setdefault(channel, []).append(message)
            failing = self.post_then_fail
        if failing is not None:
            return Reply(failing, b"upstream timeout", {"content-type": "text/plain"})
        return Reply(200, {"ok": True, "channel": channel, "ts": message["ts"], "message": message})

    def _open(self, call: RecordedCall) -> Reply:
        users = str(call.params.get("users") or "")
        return Reply(200, {"ok": True, "channel": {"id": dm_channel(users)}})

    def _history(self, call: RecordedCall) -> Reply:
        params = call.params
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        limit = int(params.get("limit") or 100)
        with self._lock:
            newest_first = list(reversed(self.messages.get(str(params.get("channel")), [])))[:limit]
        shown = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in newest_first]
        return Reply(200, {"ok": True, "messages": shown, "has_more": False})

    def in_dm(self, user_id: str) -> list[dict[str, Any]]:
        """The messages in the bot's DM with ``user_id``, oldest first."""
        with self._lock:
            return list(self.messages.get(dm_channel(user_id), []))


def _parsed(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value

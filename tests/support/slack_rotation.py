"""Slack's token rotation on the fake Web API: each refresh token works exactly once."""

from __future__ import annotations

import threading
import time

from tests.support.fake_slack import FakeSlackApi
from tests.support.http_fakes import RecordedCall, Reply


class SingleUseRefresh:
    """Answers ``oauth.v2.access`` refreshes; a reused refresh token gets ``invalid_refresh_token``.

    ``refreshes`` lists every refresh token presented, in order, so a test can assert that
    concurrent lookups rotated exactly once. Each answer is slowed down a little to widen the
    race window.
    """

    def __init__(self, api: FakeSlackApi, team_id: str = "T1") -> None:
        self.team_id = team_id
        self.refreshes: list[str] = []
        self._lock = threading.Lock()
        api.handlers["oauth.v2.access"] = self

    def __call__(self, call: RecordedCall) -> Reply:
        refresh_token = call.params.get("refresh_token", "")
        with self._lock:
            reused = refresh_token in self.refreshes
            self.refreshes.append(refresh_token)
            n = len(self.refreshes)
        if reused:
            return Reply(200, {"ok": False, "error": "invalid_refresh_token"})
        time.sleep(0.05)
        return Reply(200, {"ok": True, "token_type": "bot", "access_token": f"xoxe.xoxb-new-{n}",
                           "refresh_token": f"xoxe-1-refresh-{n}", "expires_in": 43200,
                           "team": {"id": self.team_id}, "bot_user_id": "UBOT"})

"""Slack's user directory behind vpbot's PlatformDirectory port (``users.info``)."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from vpbot.flows.core import PlatformDirectory, UserFacts

log = logging.getLogger(__name__)


class SlackDirectory(PlatformDirectory):
    """Looks users up with the request's client (the installation's bot token)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._cache: dict[str, UserFacts] = {}

    def user_facts(self, user_id: str) -> UserFacts:
        if user_id in self._cache:
            return self._cache[user_id]
        try:
            user = self.client.users_info(user=user_id).get("user") or {}
        except SlackApiError as exc:
            log.info("users.info failed: %s", exc.response.get("error"))
            return UserFacts()
        profile = user.get("profile") or {}
        facts = UserFacts(
            display_name=profile.get("real_name") or user.get("real_name") or profile.get("display_name"),
            is_workspace_admin=bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")),
            timezone=user.get("tz"),
            locale=(user.get("locale") or "")[:2] or None,
        )
        self._cache[user_id] = facts
        return facts

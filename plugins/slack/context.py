"""From a Slack request to vpbot's tenant and actor."""

from __future__ import annotations

from typing import Any

from slack_bolt.context import BoltContext



def tenant_external_id(context: BoltContext) -> str | None:
    """The org for org-wide installs, else the workspace."""
    if context.is_enterprise_install and context.enterprise_id:
        return context.enterprise_id
    return context.team_id


def slack_locale(body: dict[str, Any]) -> str | None:
    """The user's Slack locale when the payload carries it (``nl-NL`` -> ``nl``)."""
    user = body.get("user")
    locale = user.get("locale") if isinstance(user, dict) else None
    if isinstance(locale, str) and locale[:2] in ("nl", "en"):
        return locale[:2]
    return None

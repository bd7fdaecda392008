"""From a Slack request to vpbot's tenant and actor."""

from __future__ import annotations

from slack_bolt.context import BoltContext


def tenant_external_id(context: BoltContext) -> str | None:
    """The org for org-wide installs, else the workspace."""
    if context.is_enterprise_install and context.enterprise_id:
        return context.enterprise_id
    return context.team_id

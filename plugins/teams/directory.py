"""What Teams tells vpbot about a user, behind the :class:`PlatformDirectory` port.

Teams has no cheap user lookup for a bot: every activity carries the sender's name, locale
and time zone, and that is all. So the directory knows the acting user only; anyone else
is unknown (``UserFacts()``).

``is_workspace_admin`` is always False: nothing in an activity says whether someone is a
Teams or Entra administrator, and finding out would need a Graph directory permission
(``RoleManagement.Read.Directory``) that vpbot does not ask for (DESIGN.md C7). The
conflict-of-interest warning therefore relies on the manager/HR flag the vpbot admin sets.
"""

from __future__ import annotations

from plugins.teams.context import TeamsContext
from vpbot.flows.core import PlatformDirectory, UserFacts


class TeamsDirectory(PlatformDirectory):
    """Facts about the sender of one activity."""

    def __init__(self, context: TeamsContext) -> None:
        self.context = context

    def user_facts(self, user_id: str) -> UserFacts:
        """The sender's name, time zone and language; nothing about anyone else."""
        if user_id != self.context.user_id:
            return UserFacts()
        return UserFacts(
            display_name=self.context.display_name,
            is_workspace_admin=False,
            timezone=self.context.timezone,
            locale=self.context.language,
        )

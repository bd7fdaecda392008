"""Where the Slack sender gets a tenant's bot token.

- Single workspace (``SLACK_BOT_TOKEN``): the one token from the environment.
- OAuth: the tenant's installation, through :class:`EncryptingInstallationStore`. Its lookup
  rotates an expiring token under a row lock on the installation, so a scheduled send in any
  worker rotates safely: refresh tokens are single-use (DESIGN.md §5).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from plugins.slack.stores import EncryptingInstallationStore


class BotTokens(ABC):
    """A bot token per vpbot tenant."""

    @abstractmethod
    def token_for(self, tenant_id: str) -> str | None:
        """The tenant's current bot token, or ``None`` when the app is not installed there.

        May raise ``SlackTokenRotationError`` when Slack refused to rotate the token.
        """


class StaticBotToken(BotTokens):
    """Single-workspace mode: the token from ``SLACK_BOT_TOKEN``."""

    def __init__(self, token: str) -> None:
        self._token = token

    def token_for(self, tenant_id: str) -> str | None:
        return self._token


class InstalledBotTokens(BotTokens):
    """OAuth mode: the installation's token, rotated first when it is about to expire."""

    def __init__(self, store: EncryptingInstallationStore) -> None:
        self.store = store

    def token_for(self, tenant_id: str) -> str | None:
        bot = self.store.find_bot_for_tenant(tenant_id)
        return bot.bot_token if bot is not None and bot.bot_token else None

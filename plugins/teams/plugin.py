"""The Teams plugin wired together: the bot behind ``POST /api/messages`` and the sender.

Both talk to the Bot Connector with app-only tokens from msal in the bot's home tenant.
Tests pass ``msal_http`` (a fake for msal's HTTP) and point the cloud endpoints at local
fakes through the settings.
"""

from __future__ import annotations

from starlette.routing import BaseRoute

from plugins.teams.bot import TeamsBot
from plugins.teams.connector import BotConnectorClient, ProactiveMessenger
from plugins.teams.http import teams_routes
from plugins.teams.sender import TeamsSender
from plugins.teams.tokens import BotTokenProvider, MsalHttpClient
from vpbot.bootstrap import Container
from vpbot.flows.registry import build_flows


def connector_client(container: Container, *, msal_http: MsalHttpClient | None = None) -> BotConnectorClient:
    """A Bot Connector client with the bot's credentials from the settings."""
    teams = container.settings.teams
    if not teams.app_id:
        raise ValueError("Teams is not configured (VPBOT_TEAMS_APP_ID)")
    return BotConnectorClient(BotTokenProvider(teams, http_client=msal_http), teams.app_id)


def build_teams_bot(container: Container, *, msal_http: MsalHttpClient | None = None) -> TeamsBot:
    """The activity handler with the flows registry and a connector for chat cards."""
    return TeamsBot(
        container.uows,
        build_flows(container.uows),
        connector_client(container, msal_http=msal_http),
        default_timezone=container.settings.default_timezone,
    )


def build_teams_routes(container: Container, *, msal_http: MsalHttpClient | None = None) -> list[BaseRoute]:
    """``POST /api/messages`` for ``create_app``."""
    return list(teams_routes(container, build_teams_bot(container, msal_http=msal_http)))


def build_teams_sender(container: Container, *, msal_http: MsalHttpClient | None = None) -> TeamsSender:
    """The dispatcher's sender for Teams notifications."""
    return TeamsSender(ProactiveMessenger(container.uows, connector_client(container, msal_http=msal_http)))

"""The Teams cloud endpoints vpbot talks to, as the Teams SDK's ``CloudEnvironment``.

The public cloud is the default; every endpoint can be overridden from the settings
(sovereign clouds, and tests that point everything at local fakes). Building the value with
the SDK's own ``with_overrides`` keeps one description of "the cloud" that both vpbot's code
and the SDK's API client understand.
"""

from __future__ import annotations

from microsoft_teams.api.auth.cloud_environment import PUBLIC, CloudEnvironment, with_overrides

from vpbot.settings import TeamsSettings

# The Bot Framework channel id of Microsoft Teams; the only channel vpbot serves.
TEAMS_CHANNEL_ID = "msteams"


def cloud_environment(teams: TeamsSettings) -> CloudEnvironment:
    """The public cloud with the login, metadata, issuer and scope from ``teams``."""
    return with_overrides(
        PUBLIC,
        login_endpoint=teams.login_url.rstrip("/"),
        openid_metadata_url=teams.openid_metadata_url,
        token_issuer=teams.token_issuer,
        bot_scope=teams.bot_scope,
    )

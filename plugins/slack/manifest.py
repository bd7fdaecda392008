"""The Slack app manifest: one paste creates the app with minimal scopes (DESIGN.md C7)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

COMMAND = "/vertrouwenspersoon"

# Minimal bot scopes, each for one reason:
BOT_SCOPES = (
    "commands",  # the /vertrouwenspersoon slash command
    "chat:write",  # content-free notifications in the app's DM
    "im:history",  # to answer free text typed to the bot neutrally (never stored); and to
    # check a DM for a notification before re-sending it after an unknown outcome
    "im:write",  # to find that DM (conversations.open)
    "users:read",  # workspace admin/owner flag for the conflict-of-interest warning, time zone
)
BOT_EVENTS = ("app_home_opened", "app_uninstalled", "tokens_revoked", "message.im")


def slack_manifest(base_url: str | None, *, socket_mode: bool = False) -> dict[str, Any]:
    """The manifest for an app served at ``base_url`` (https), or via Socket Mode."""
    if not socket_mode:
        if not base_url:
            raise ValueError("--base-url is required unless --socket-mode is given")
        parts = urlsplit(base_url)
        if parts.scheme != "https" or not parts.netloc:
            raise ValueError("--base-url must be the public https URL of vpbot, e.g. https://vpbot.example.org")
        base_url = base_url.rstrip("/")
    events_url = f"{base_url}/slack/events" if not socket_mode else None
    command: dict[str, Any] = {
        "command": COMMAND,
        "description": "Vertrouwelijk een vertrouwenspersoon spreken",
        "usage_hint": "[help | adviseur | beheer]",
        "should_escape": False,
    }
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": list(BOT_EVENTS)},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": True,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": not socket_mode,
    }
    manifest: dict[str, Any] = {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "Vertrouwenspersoon",
            "description": "Vertrouwelijk in gesprek met een vertrouwenspersoon",
            "long_description": (
                "Met /vertrouwenspersoon maak je privé een afspraak met een vertrouwenspersoon, "
                "of stuur je een beveiligd bericht. Wat je bespreekt blijft buiten de chat: je "
                "werkgever en de beheerders kunnen het niet lezen. Slack ziet alleen dat de app je "
                "een bericht stuurde. Bij acuut gevaar: bel 112. Denk je aan zelfdoding: bel 113 "
                "(0800-0113)."
            ),
            "background_color": "#2c5f5d",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "vertrouwenspersoon", "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": settings,
    }
    if events_url:
        command["url"] = events_url
        settings["event_subscriptions"]["request_url"] = events_url
        settings["interactivity"]["request_url"] = events_url
        manifest["oauth_config"]["redirect_urls"] = [f"{base_url}/slack/oauth_redirect"]
    return manifest

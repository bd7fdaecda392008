"""The Teams app package: ``manifest.json`` plus icons in a zip, ready to upload in the
Teams admin center (``vpbot manifest teams``).

Manifest schema v1.29, the current release of the public schema
(https://developer.microsoft.com/json-schemas/teams/v1.29/MicrosoftTeams.schema.json, source
github.com/OfficeDev/microsoft-teams-app-schema). It declares only what vpbot uses:

- a bot in the **personal** scope (the 1:1 chat with the welcome card and notifications);
- a message extension with one **action** command, ``vertrouwenspersoon``, that fetches its
  dialog from the bot (``fetchTask``) in the compose box and the command box;
- ``validDomains``: the host of vpbot's public URL. No SSO, no Graph permissions, no
  resource-specific consent, so no ``webApplicationInfo`` (DESIGN.md C7).

Texts are Dutch, like the Slack manifest.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any
from urllib.parse import urlsplit

from plugins.teams.context import is_guid
from plugins.teams.dialogs import COMMAND_ID
from plugins.teams.icons import color_icon, outline_icon

MANIFEST_VERSION = "1.29"
SCHEMA_URL = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT_COLOR = "#2C5F5D"
COLOR_ICON = "color.png"
OUTLINE_ICON = "outline.png"
APP_VERSION = "1.0.0"

SHORT_DESCRIPTION = "Vertrouwelijk in gesprek met een vertrouwenspersoon"
FULL_DESCRIPTION = (
    "Maak privé een afspraak met een vertrouwenspersoon, of stuur een beveiligd bericht, over "
    "pesten, intimidatie, agressie, discriminatie, werkdruk, integriteit of iets anders. Wat je "
    "bespreekt blijft buiten de chat: het staat alleen in vensters die je zelf opent, versleuteld. "
    "Je werkgever en de beheerders kunnen het niet lezen; Teams ziet alleen dat de app je een "
    "melding stuurde. Bij acuut gevaar: bel 112. Denk je aan zelfdoding: bel 113 of gratis "
    "0800-0113."
)


def public_base_url(base_url: str | None) -> str:
    """``base_url`` without a trailing slash, or ``ValueError`` if it is not public https."""
    if not base_url:
        raise ValueError("--base-url (or VPBOT_BASE_URL) is required: the public https URL of vpbot")
    parts = urlsplit(base_url)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError("--base-url must be the public https URL of vpbot, e.g. https://vpbot.example.org")
    return base_url.rstrip("/")


def teams_manifest(base_url: str, app_id: str, *, version: str = APP_VERSION) -> dict[str, Any]:
    """The manifest for the bot ``app_id`` served at ``base_url`` (``/api/messages``)."""
    base = public_base_url(base_url)
    if not is_guid(app_id):
        raise ValueError("--app-id must be the bot's Microsoft App ID (a GUID)")
    app_id = app_id.lower()
    host = urlsplit(base).hostname
    assert host is not None
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "localizationInfo": {"defaultLanguageTag": "nl-nl"},
        "developer": {
            "name": "vpbot",
            "websiteUrl": f"{base}/",
            "privacyUrl": f"{base}/",
            "termsOfUseUrl": f"{base}/",
        },
        "name": {"short": "Vertrouwenspersoon", "full": "Vertrouwenspersoon (vpbot)"},
        "description": {"short": SHORT_DESCRIPTION, "full": FULL_DESCRIPTION},
        "icons": {"color": COLOR_ICON, "outline": OUTLINE_ICON},
        "accentColor": ACCENT_COLOR,
        "bots": [
            {
                "botId": app_id,
                "scopes": ["personal"],
                "isNotificationOnly": False,
                "supportsFiles": False,
                "supportsCalling": False,
                "supportsVideo": False,
            }
        ],
        "composeExtensions": [
            {
                "botId": app_id,
                "composeExtensionType": "botBased",
                "commands": [
                    {
                        "id": COMMAND_ID,
                        "type": "action",
                        "title": "Vertrouwenspersoon",
                        "description": "Open vpbot: vertrouwelijk een vertrouwenspersoon spreken",
                        "context": ["compose", "commandBox"],
                        "fetchTask": True,
                    }
                ],
            }
        ],
        "permissions": [],
        "validDomains": [host],
        "defaultInstallScope": "personal",
    }


def teams_package(base_url: str, app_id: str, *, version: str = APP_VERSION) -> bytes:
    """The app package (zip): ``manifest.json``, ``color.png`` and ``outline.png`` at its root."""
    manifest = teams_manifest(base_url, app_id, version=version)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        package.writestr(COLOR_ICON, color_icon(ACCENT_COLOR))
        package.writestr(OUTLINE_ICON, outline_icon())
    return buffer.getvalue()

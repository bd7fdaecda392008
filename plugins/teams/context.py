"""From an authenticated Teams activity to what vpbot needs: tenant, user, where to answer.

vpbot identifies a Teams user by their Entra object id (``from.aadObjectId``), not by the
bot-specific ``29:…`` id: the object id is what Entra, Graph and an admin see, so an admin
can name a person (e.g. to appoint an adviser), and the Bot Connector accepts it to create a
1:1 conversation with a user who installed the app. Activities without one (rare: some
system senders) fall back to ``from.id``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from plugins.teams.auth import TeamsClaims
from vpbot.ui.i18n import SUPPORTED_LOCALES

PERSONAL = "personal"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_USER_ID = re.compile(r"^[A-Za-z0-9:._\-]{1,128}$")
_CONVERSATION_ID = re.compile(r"^[^\s]{1,512}$")


@dataclass(frozen=True)
class TeamsContext:
    """Who sent an activity, from which tenant and conversation (never its text)."""

    tenant_id: str | None  # the Entra tenant id
    user_id: str | None  # vpbot's platform user id for the sender (see module docstring)
    display_name: str | None
    service_url: str  # from the validated token
    conversation_id: str | None
    conversation_type: str | None
    locale: str | None
    timezone: str | None
    from_bot: bool

    @property
    def personal(self) -> bool:
        """Whether the activity comes from the user's 1:1 chat with the bot."""
        return self.conversation_type == PERSONAL

    @property
    def language(self) -> str | None:
        """The client's language if vpbot speaks it (``"nl-NL"`` -> ``"nl"``), else ``None``."""
        base = (self.locale or "").replace("_", "-").split("-", 1)[0].lower()
        return base if base in SUPPORTED_LOCALES else None

    @property
    def identified(self) -> bool:
        """Whether vpbot knows the tenant and the user."""
        return bool(self.tenant_id and self.user_id) and not self.from_bot


def teams_context(activity: Mapping[str, Any], claims: TeamsClaims) -> TeamsContext:
    """Read the context of ``activity`` (malformed parts become ``None``)."""
    sender = _mapping(activity.get("from"))
    conversation = _mapping(activity.get("conversation"))
    recipient = _mapping(activity.get("recipient"))
    return TeamsContext(
        tenant_id=_tenant_id(activity, conversation),
        user_id=user_id_of(sender),
        display_name=_string(sender.get("name"), 256),
        service_url=claims.service_url,
        conversation_id=_match(conversation.get("id"), _CONVERSATION_ID),
        conversation_type=_string(conversation.get("conversationType"), 32),
        locale=_string(activity.get("locale"), 16),
        timezone=_timezone(activity.get("localTimezone")),
        from_bot=bool(sender.get("id")) and sender.get("id") == recipient.get("id"),
    )


def user_id_of(account: Mapping[str, Any]) -> str | None:
    """The platform user id of a Teams account: its Entra object id, else its id."""
    aad = account.get("aadObjectId")
    if isinstance(aad, str) and _GUID.fullmatch(aad):
        return aad.lower()
    return _match(account.get("id"), _USER_ID)


def is_guid(value: str) -> bool:
    """Whether ``value`` is a GUID (an Entra tenant or object id)."""
    return bool(_GUID.fullmatch(value))


def _tenant_id(activity: Mapping[str, Any], conversation: Mapping[str, Any]) -> str | None:
    channel_data = _mapping(activity.get("channelData"))
    tenant = _mapping(channel_data.get("tenant")).get("id") or conversation.get("tenantId")
    return tenant.lower() if isinstance(tenant, str) and _GUID.fullmatch(tenant) else None


def _timezone(value: object) -> str | None:
    if not isinstance(value, str) or not value or len(value) > 64:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return value


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _string(value: object, limit: int) -> str | None:
    return value[:limit] if isinstance(value, str) and value else None


def _match(value: object, pattern: re.Pattern[str]) -> str | None:
    return value if isinstance(value, str) and pattern.fullmatch(value) else None

"""Outbound: proactive 1:1 messages through the Bot Connector API.

:class:`BotConnectorClient` is a small synchronous client for the two calls vpbot needs —
create (or find) the bot's 1:1 conversation with a user, and post an activity into it —
with request bodies built from the Teams SDK's typed models. It is synchronous because
vpbot's dispatcher and services are (DESIGN.md §3); the SDK's ``ApiClient`` is async-only.
HTTP failures become typed errors the dispatcher can act on:

- :class:`RateLimited` — HTTP 429, with the ``Retry-After`` delay when given;
- :class:`Transient` — 5xx, network errors, timeouts, no token: try again later;
- :class:`RecipientGone` — 403/404: the user removed the app, left the tenant, or the bot
  was removed or blocked: stop trying for this person;
- :class:`SendRejected` — any other 4xx: a bug or misconfiguration; retrying will not help.

:class:`ProactiveMessenger` sends to a vpbot person: it looks up their latest stored
``serviceUrl`` and (encrypted) 1:1 conversation id, creates the conversation on first use
and remembers it. Nothing here logs a URL, a body, a user id or a conversation id.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from typing import Any, Protocol
from urllib.parse import quote

import httpx
from microsoft_teams.api.activities import ActivityParams
from microsoft_teams.api.clients.conversation.params import CreateConversationParams
from microsoft_teams.api.models import Account, ConversationResource
from pydantic import BaseModel, ValidationError

from plugins.teams.references import Recipient, load_recipient, load_recipient_for_user, remember_conversation
from plugins.teams.tokens import TokenUnavailable
from vpbot.services.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 15.0
TENANT_WIDE_CODES = frozenset({"BotDisabledByAdmin"})
_SAFE_CODE = re.compile(r"[^A-Za-z0-9_.-]")


# --------------------------------------------------------------------------- errors


class ConnectorError(Exception):
    """A send failed; ``code`` is a short, content-free reason (safe to log and store)."""

    def __init__(self, code: str, status: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


class RateLimited(ConnectorError):
    """HTTP 429: slow down; ``retry_after`` seconds when the service said so."""

    def __init__(self, code: str, status: int | None = 429, retry_after: float | None = None) -> None:
        super().__init__(code, status)
        self.retry_after = retry_after


class Transient(ConnectorError):
    """A temporary failure (5xx, network, token): try again later."""


class RecipientGone(ConnectorError):
    """The user or the bot is no longer reachable (403/404, or never seen in Teams).

    ``tenant_wide`` when the tenant's admin disabled the bot: nobody there is reachable.
    """

    @property
    def tenant_wide(self) -> bool:
        return self.code in TENANT_WIDE_CODES


class SendRejected(ConnectorError):
    """The service refused the request for another reason (4xx); do not retry as is."""


# --------------------------------------------------------------------------- client


class TokenSource(Protocol):
    """Anything that gives a Bot Connector bearer token (see ``BotTokenProvider``)."""

    def bot_token(self) -> str: ...


Activity = ActivityParams | Mapping[str, Any]


class BotConnectorClient:
    """The Bot Connector calls for proactive 1:1 messages. Blocking; thread-safe."""

    def __init__(self, tokens: TokenSource, app_id: str, *, http: httpx.Client | None = None) -> None:
        self.tokens = tokens
        self.bot_id = f"28:{app_id}"
        self._http = http or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)

    def create_conversation(self, service_url: str, teams_tenant_id: str, user_id: str) -> str:
        """The id of the bot's 1:1 conversation with ``user_id`` (created if needed)."""
        params = CreateConversationParams(
            members=[Account(id=user_id)],
            tenant_id=teams_tenant_id,
            channel_data={"tenant": {"id": teams_tenant_id}},
            bot=Account(id=self.bot_id),  # extra fields are kept by the SDK's models
            isGroup=False,
        )
        body = self._post(_join(service_url, "v3/conversations"), params.model_dump(by_alias=True, exclude_none=True))
        try:
            return ConversationResource.model_validate(body).id
        except ValidationError:
            raise Transient("bad_response") from None

    def send_activity(self, service_url: str, conversation_id: str, activity: Activity) -> str | None:
        """Post ``activity`` into the conversation; the new activity's id, if returned."""
        path = f"v3/conversations/{quote(conversation_id, safe=':@')}/activities"
        payload = activity.model_dump(by_alias=True, exclude_none=True) if isinstance(activity, BaseModel) else dict(activity)
        body = self._post(_join(service_url, path), payload)
        activity_id = body.get("id")
        return activity_id if isinstance(activity_id, str) else None

    def _post(self, url: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            token = self.tokens.bot_token()
        except TokenUnavailable as exc:
            raise Transient(f"token_{exc.code}") from None
        try:
            response = self._http.post(url, json=payload, headers={"Authorization": f"Bearer {token}"})
        except httpx.TimeoutException:
            raise Transient("timeout") from None
        except httpx.HTTPError as exc:
            raise Transient(f"network_{type(exc).__name__}") from None
        if response.status_code >= 300:
            raise _error_for(response)
        try:
            body = response.json() if response.content else {}
        except ValueError:
            body = {}
        return body if isinstance(body, dict) else {}


def _join(service_url: str, path: str) -> str:
    return f"{service_url.rstrip('/')}/{path}"


def _error_for(response: httpx.Response) -> ConnectorError:
    status = response.status_code
    code = _error_code(response) or f"http_{status}"
    log.warning("teams: connector answered %d (%s)", status, code)
    if status == 429:
        return RateLimited(code, status, retry_after=retry_after_seconds(response.headers.get("retry-after")))
    if status >= 500:
        return Transient(code, status)
    if status in (403, 404):
        return RecipientGone(code, status)
    return SendRejected(code, status)


def _error_code(response: httpx.Response) -> str | None:
    """The service's error code (``{"error": {"code": …}}``), sanitised; never the message."""
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if not isinstance(code, str):
        return None
    return _SAFE_CODE.sub("", code)[:64] or None


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


# --------------------------------------------------------------------------- messenger


@dataclass(frozen=True)
class SentMessage:
    """A delivered proactive message (ids for the outbox row, never logged)."""

    activity_id: str | None
    conversation_created: bool


class ProactiveMessenger:
    """Sends an activity to a vpbot person in their 1:1 chat with the bot."""

    def __init__(self, uows: UnitOfWorkFactory, client: BotConnectorClient) -> None:
        self.uows = uows
        self.client = client

    def send(self, person_id: str, activity: Activity) -> SentMessage:
        """Deliver ``activity`` to ``person_id`` at their latest ``serviceUrl``.

        Raises a :class:`ConnectorError` subclass; :class:`RecipientGone` also when the
        person has no Teams conversation reference at all.
        """
        with self.uows() as uow:
            recipient = load_recipient(uow, person_id)
        return self._deliver(recipient, activity)

    def send_to_user(self, tenant_id: str, user_id: str, activity: Activity) -> SentMessage:
        """Like :meth:`send`, for the person with Teams user id ``user_id`` in ``tenant_id``."""
        with self.uows() as uow:
            recipient = load_recipient_for_user(uow, tenant_id, user_id)
        return self._deliver(recipient, activity)

    def _deliver(self, recipient: Recipient | None, activity: Activity) -> SentMessage:
        if recipient is None:
            raise RecipientGone("no_conversation_reference")
        conversation_id = recipient.conversation_id
        created = conversation_id is None
        if conversation_id is None:
            conversation_id = self.client.create_conversation(
                recipient.service_url, recipient.teams_tenant_id, recipient.user_id
            )
            with self.uows() as uow:
                remember_conversation(uow, recipient.reference_id, conversation_id)
                uow.commit()
        activity_id = self.client.send_activity(recipient.service_url, conversation_id, activity)
        return SentMessage(activity_id=activity_id, conversation_created=created)

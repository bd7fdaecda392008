"""Outbound tokens: the bot's app-only token from Entra ID through msal (DESIGN.md §5).

One ``ConfidentialClientApplication`` per tenant authority (normally only the bot's home
tenant, ``{login_url}/{tenant_id}``), with a client secret or a certificate (PEM private key
plus thumbprint). msal keeps tokens in its in-memory cache and serves them until they are
close to expiry, so most sends make no call to Entra ID at all.

msal runs OIDC discovery in the application's constructor, so applications are created
lazily on first use (never at import or start), and ``instance_discovery=False`` stops msal
from asking login.microsoftonline.com about the configured login host first. Tests inject
``http_client`` (an object with requests-like ``get``/``post``).

:class:`BotTokenProvider` is both a plain synchronous source (:meth:`bot_token`, used by
vpbot's connector client in worker threads) and a Teams SDK ``TokenProviderProtocol``
(:meth:`get_app_token`, awaitable, msal's blocking I/O moved to a thread).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any, Protocol

import msal

from vpbot.settings import TeamsSettings

log = logging.getLogger(__name__)

MSAL_TIMEOUT_SECONDS = 10


class TokenUnavailable(Exception):
    """No token could be obtained; ``code`` is msal's error code (no secrets, no token)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class MsalHttpClient(Protocol):
    """What msal needs from an HTTP client (requests.Session fits)."""

    def get(self, url: str, params: Any = None, headers: Any = None, **kwargs: Any) -> Any: ...

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any) -> Any: ...


class BotTokenProvider:
    """App-only tokens for the bot, from msal, cached per authority."""

    def __init__(self, teams: TeamsSettings, *, http_client: MsalHttpClient | None = None) -> None:
        if not teams.app_id or not teams.tenant_id:
            raise ValueError("Teams app id and home tenant id are required for outbound tokens")
        if not teams.app_secret and not teams.certificate_path:
            raise ValueError("a Teams app secret or certificate is required for outbound tokens")
        self.teams = teams
        self._http_client = http_client
        self._lock = threading.Lock()
        self._apps: dict[str, msal.ConfidentialClientApplication] = {}

    @property
    def home_tenant(self) -> str:
        """The bot registration's home tenant (where bot tokens come from)."""
        assert self.teams.tenant_id is not None
        return self.teams.tenant_id

    def bot_token(self) -> str:
        """A Bot Connector token (scope ``bot_scope``) from the home tenant. Blocking."""
        return self.token(self.teams.bot_scope)

    def token(self, scope: str, tenant_id: str | None = None) -> str:
        """An app-only access token for ``scope``; cached by msal. Blocking."""
        app = self._app(tenant_id or self.home_tenant)
        try:
            result = app.acquire_token_for_client(scopes=[scope])
        except Exception as exc:  # network errors from the HTTP client, msal internals
            log.warning("teams: token request failed (%s)", type(exc).__name__)
            raise TokenUnavailable("request_failed") from None
        return _access_token(result)

    async def get_app_token(self, scope: str | None = None, tenant_id: str | None = None) -> str:
        """Teams SDK token provider: the same token, without blocking the event loop."""
        return await asyncio.to_thread(self.token, scope or self.teams.bot_scope, tenant_id)

    def _app(self, tenant_id: str) -> msal.ConfidentialClientApplication:
        with self._lock:
            app = self._apps.get(tenant_id)
            if app is None:
                app = self._new_app(tenant_id)
                self._apps[tenant_id] = app
            return app

    def _new_app(self, tenant_id: str) -> msal.ConfidentialClientApplication:
        authority = f"{self.teams.login_url.rstrip('/')}/{tenant_id}"
        credential = self._credential()  # a missing or unreadable key file is a config error
        try:
            return msal.ConfidentialClientApplication(
                self.teams.app_id,
                client_credential=credential,
                authority=authority,
                http_client=self._http_client,
                instance_discovery=False,
                timeout=MSAL_TIMEOUT_SECONDS,
                token_cache=msal.TokenCache(),
            )
        except Exception as exc:  # discovery failed (network, unknown tenant)
            log.warning("teams: msal could not discover the authority (%s)", type(exc).__name__)
            raise TokenUnavailable("authority_unavailable") from None

    def _credential(self) -> str | dict[str, str]:
        if self.teams.certificate_path:
            if not self.teams.certificate_thumbprint:
                raise ValueError("a certificate thumbprint is required with a certificate")
            return {
                "private_key": Path(self.teams.certificate_path).read_text(),
                "thumbprint": self.teams.certificate_thumbprint,
            }
        assert self.teams.app_secret is not None
        return self.teams.app_secret


def _access_token(result: dict[str, Any] | None) -> str:
    if result and isinstance(result.get("access_token"), str):
        return str(result["access_token"])
    code = str((result or {}).get("error") or "no_token")[:64]
    log.warning("teams: msal returned no token (%s)", code)
    raise TokenUnavailable(code)

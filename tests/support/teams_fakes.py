"""Fakes for Microsoft Teams: signing keys, OpenID metadata + JWKS, Bot Connector, msal HTTP.

- :class:`SigningKey` — an RSA key pair; its public half as a JWK with ``endorsements``.
- :class:`OpenIdServer` — a real HTTP server on 127.0.0.1 publishing OpenID metadata and a
  JWKS (``keys`` is mutable, so tests can rotate or withdraw keys).
- :func:`mint_token` — Bot Framework-style RS256 tokens; any claim or header can be changed
  or removed (``None``).
- :class:`FakeConnector` — a recording Bot Connector (conversation create, activities) under
  any "region" path prefix, with scripted failures (429/5xx/403/…).
- :class:`FakeMsalHttp` — the ``http_client`` msal is given in tests: answers OIDC discovery
  and the token endpoint and records every request; no network, no https needed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.http_fakes import RecordedCall, RecordingServer, Reply
from vpbot.settings import TeamsSettings

APP_ID = "6f1c7e52-3b7a-4c4e-9d2f-1a2b3c4d5e6f"
HOME_TENANT = "0b7f3a9e-2c1d-4e5f-8a6b-7c8d9e0f1a2b"
USER_TENANT = "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d"
ISSUER = "https://api.botframework.com"
LOGIN_URL = "https://login.vpbot-test.invalid"  # never resolved: msal talks to FakeMsalHttp
BOT_SCOPE = "https://api.botframework.com/.default"
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"


# --------------------------------------------------------------------------- keys, tokens


@cache
def _private_key(seed: str) -> rsa.RSAPrivateKey:
    """One RSA key per name and test session (key generation is the slow part)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class SigningKey:
    """An RSA signing key with a key id and the channels that endorse it."""

    kid: str
    endorsements: tuple[str, ...] = ("msteams",)
    name: str = "default"

    @property
    def private_key(self) -> rsa.RSAPrivateKey:
        return _private_key(self.name)

    @property
    def private_pem(self) -> str:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()

    @property
    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwk(self) -> dict[str, Any]:
        """The public key as the Bot Framework publishes it (with ``endorsements``)."""
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "endorsements": list(self.endorsements)}


TEAMS_KEY = SigningKey("vpbot-test-key-1")
OTHER_KEY = SigningKey("vpbot-test-key-2", name="other")


def default_claims(service_url: str) -> dict[str, Any]:
    """The claims of a valid Bot Framework token for ``service_url``, valid for an hour."""
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": APP_ID,
        "serviceurl": service_url,
        "nbf": now - 60,
        "iat": now - 60,
        "exp": now + 3600,
    }


def mint_token(
    service_url: str,
    key: SigningKey = TEAMS_KEY,
    *,
    headers: Mapping[str, Any] | None = None,
    **claims: Any,
) -> str:
    """An RS256 token signed by ``key``; claim or header overrides of ``None`` remove it."""
    payload = {**default_claims(service_url), **claims}
    payload = {k: v for k, v in payload.items() if v is not None}
    header = {k: v for k, v in {"kid": key.kid, **(headers or {})}.items() if v is not None}
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers=header)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(service_url: str, key: SigningKey = TEAMS_KEY) -> str:
    """``alg: none`` with valid-looking claims and a published key id."""
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": key.kid}).encode())
    return f"{header}.{_b64(json.dumps(default_claims(service_url)).encode())}."


def hs256_token(service_url: str, key: SigningKey = TEAMS_KEY) -> str:
    """The algorithm-confusion attack: HS256 with the *public* key as the HMAC secret."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    body = _b64(json.dumps(default_claims(service_url)).encode())
    signature = hmac.new(key.public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64(signature)}"


# --------------------------------------------------------------------------- servers


class _QuickServer(RecordingServer):
    """A :class:`RecordingServer` that stops in milliseconds instead of half a second."""

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )


class OpenIdServer(_QuickServer):
    """OpenID metadata and JWKS, as login.botframework.com publishes them."""

    def __init__(self, keys: list[SigningKey] | None = None) -> None:
        super().__init__()
        self.keys: list[SigningKey] = list(keys if keys is not None else [TEAMS_KEY])
        self.down = False

    @property
    def metadata_url(self) -> str:
        return self.url.rstrip("/") + METADATA_PATH

    def key_fetches(self) -> int:
        """How many times the JWKS was fetched."""
        return sum(1 for c in self.calls if c.path.split("?")[0] == KEYS_PATH)

    def respond(self, call: RecordedCall) -> Reply:
        if self.down:
            return Reply(503, {"error": "unavailable"})
        path = call.path.split("?")[0]
        if call.method == "GET" and path == METADATA_PATH:
            return Reply(200, {
                "issuer": ISSUER,
                "authorization_endpoint": "https://invalid.example/authorize",
                "jwks_uri": self.url.rstrip("/") + KEYS_PATH,
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            })
        if call.method == "GET" and path == KEYS_PATH:
            return Reply(200, {"keys": [k.jwk() for k in self.keys]})
        return Reply(404, {"error": "not_found"})


def teams_settings(openid: OpenIdServer, **overrides: Any) -> TeamsSettings:
    """Teams settings pointing at ``openid`` and the fake login host."""
    values: dict[str, Any] = {
        "app_id": APP_ID,
        "app_secret": "fake-app-secret-value",
        "tenant_id": HOME_TENANT,
        "login_url": LOGIN_URL,
        "openid_metadata_url": openid.metadata_url,
        "token_issuer": ISSUER,
        "bot_scope": BOT_SCOPE,
        **overrides,
    }
    return TeamsSettings(**values)


def activity(service_url: str, **overrides: Any) -> dict[str, Any]:
    """A personal-chat message activity as Teams sends it; overrides of ``None`` remove keys."""
    base: dict[str, Any] = {
        "type": "message",
        "id": "1700000000000",
        "timestamp": "2026-09-07T08:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": "29:1-user-employee", "aadObjectId": str(uuid.UUID(int=1)), "name": "Employee"},
        "conversation": {"id": "a:1-personal-chat", "conversationType": "personal", "tenantId": USER_TENANT},
        "recipient": {"id": f"28:{APP_ID}", "name": "vpbot"},
        "channelData": {"tenant": {"id": USER_TENANT}},
        "locale": "nl-NL",
        "text": "hallo",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


# --------------------------------------------------------------------------- Bot Connector

_CONVERSATIONS = re.compile(r"^/(?P<region>[^/]+)/v3/conversations$")
_ACTIVITIES = re.compile(r"^/(?P<region>[^/]+)/v3/conversations/(?P<conversation>[^/]+)/activities$")


@dataclass
class ScriptedFailure:
    """An error reply the fake gives to the next matching request."""

    status: int
    code: str = "Failure"
    headers: dict[str, str] = field(default_factory=dict)


class FakeConnector(_QuickServer):
    """A recording Bot Connector. Service URLs are ``service_url(region)``."""

    def __init__(self) -> None:
        super().__init__()
        self.failures: list[ScriptedFailure] = []
        self.conversations: dict[str, str] = {}  # member id -> conversation id
        self._ids = itertools.count(1)
        self._state_lock = threading.Lock()

    def service_url(self, region: str = "amer") -> str:
        """A service URL on this fake (Teams' look: a region path, trailing slash)."""
        return f"{self.url}{region}/"

    def fail_next(self, status: int, code: str = "Failure", headers: dict[str, str] | None = None) -> None:
        """Answer the next request with ``status`` and ``{"error": {"code": code}}``."""
        self.failures.append(ScriptedFailure(status, code, dict(headers or {})))

    def creates(self) -> list[RecordedCall]:
        return [c for c in self.calls if _CONVERSATIONS.match(c.path)]

    def activities(self) -> list[RecordedCall]:
        return [c for c in self.calls if _ACTIVITIES.match(c.path)]

    def respond(self, call: RecordedCall) -> Reply:
        with self._state_lock:
            if self.failures:
                failure = self.failures.pop(0)
                body = {"error": {"code": failure.code, "message": "scripted failure"}}
                return Reply(failure.status, body, dict(failure.headers))
            if call.method == "POST" and _CONVERSATIONS.match(call.path):
                members = json.loads(call.body or b"{}").get("members") or [{}]
                member = str(members[0].get("id", ""))
                conversation = self.conversations.setdefault(member, f"a:1conv{next(self._ids)}-{uuid.uuid4().hex[:8]}")
                return Reply(201, {"id": conversation})
            if call.method == "POST" and _ACTIVITIES.match(call.path):
                return Reply(201, {"id": f"1:activity-{next(self._ids)}"})
        return Reply(404, {"error": {"code": "NotFound", "message": "no such endpoint"}})


# --------------------------------------------------------------------------- msal HTTP


@dataclass
class FakeResponse:
    """What msal reads from an HTTP response."""

    status_code: int
    text: str
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "application/json"})

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}")


@dataclass
class MsalRequest:
    """One request msal made."""

    method: str
    url: str
    data: dict[str, str]
    headers: dict[str, str]


class FakeMsalHttp:
    """An msal ``http_client``: OIDC discovery and the token endpoint of a fake Entra ID."""

    def __init__(self, login_url: str = LOGIN_URL, expires_in: int = 3600) -> None:
        self.login_url = login_url.rstrip("/")
        self.expires_in = expires_in
        self.requests: list[MsalRequest] = []
        self.issued: list[str] = []
        self.error: str | None = None  # e.g. "invalid_client": the token endpoint refuses
        self._lock = threading.Lock()

    def token_requests(self) -> list[MsalRequest]:
        return [r for r in self.requests if r.method == "POST" and r.url.endswith("/oauth2/v2.0/token")]

    def get(self, url: str, params: Any = None, headers: Any = None, **kwargs: Any) -> FakeResponse:
        self._record("GET", url, None, headers)
        match = re.fullmatch(re.escape(self.login_url) + r"/([^/]+)/v2\.0/\.well-known/openid-configuration", url.split("?")[0])
        if match is None:
            return FakeResponse(404, json.dumps({"error": "not_found"}))
        base = f"{self.login_url}/{match.group(1)}"
        return FakeResponse(200, json.dumps({
            "issuer": f"{base}/v2.0",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "token_endpoint": f"{base}/oauth2/v2.0/token",
        }))

    def post(self, url: str, params: Any = None, data: Any = None, headers: Any = None, **kwargs: Any) -> FakeResponse:
        self._record("POST", url, data, headers)
        if not url.endswith("/oauth2/v2.0/token"):
            return FakeResponse(404, json.dumps({"error": "not_found"}))
        if self.error:
            return FakeResponse(401, json.dumps({"error": self.error, "error_description": "AADSTS7000215: fake"}))
        with self._lock:
            token = f"fake-bot-token-{len(self.issued) + 1}-{uuid.uuid4().hex[:12]}"
            self.issued.append(token)
        return FakeResponse(200, json.dumps({"token_type": "Bearer", "expires_in": self.expires_in, "access_token": token}))

    def _record(self, method: str, url: str, data: Any, headers: Any) -> None:
        if isinstance(data, (str, bytes)):
            text = data.decode() if isinstance(data, bytes) else data
            fields = dict(parse_qsl(text))
        else:
            fields = {
                str(k): v.decode() if isinstance(v, bytes) else str(v) for k, v in dict(data or {}).items()
            }
        with self._lock:
            self.requests.append(MsalRequest(method, url, fields, dict(headers or {})))


def tenant_of(url: str) -> str:
    """The tenant segment of a login URL (``https://host/{tenant}/…``)."""
    return urlsplit(url).path.split("/")[1]


def teams_env(openid: OpenIdServer, login_url: str = LOGIN_URL) -> dict[str, str]:
    """``VPBOT_TEAMS_*`` for a ``vpbot serve`` that trusts the local OpenID fake."""
    return {
        "VPBOT_TEAMS_APP_ID": APP_ID,
        "VPBOT_TEAMS_APP_SECRET": "fake-app-secret-value",
        "VPBOT_TEAMS_TENANT_ID": HOME_TENANT,
        "VPBOT_TEAMS_LOGIN_URL": login_url,
        "VPBOT_TEAMS_OPENID_METADATA_URL": openid.metadata_url,
        "VPBOT_TEAMS_TOKEN_ISSUER": ISSUER,
        "VPBOT_TEAMS_BOT_SCOPE": BOT_SCOPE,
    }

"""Inbound authentication of Bot Framework activities (every request to ``/api/messages``).

A request is accepted only if its ``Authorization: Bearer`` token

- is an RS256 JWS whose key id (``kid``) is published in the JWKS that the OpenID metadata
  document names (``jwks_uri``), and whose signature verifies with that key;
- has ``iss`` equal to the configured token issuer and ``aud`` equal to the bot's app id;
- is within ``exp``/``nbf`` (5 minutes of clock skew allowed);
- carries a ``serviceurl`` claim equal to the activity's ``serviceUrl``;
- was signed by a key whose ``endorsements`` include the activity's ``channelId``, and that
  channel is one vpbot serves (``msteams``).

The Teams SDK's validator does not check endorsements and also accepts Entra tokens, so vpbot
uses this module instead. Every failure is an :class:`AuthError` with a reason code; neither
the token nor the activity's content is ever logged or put into the error.

Keys are cached; an unknown ``kid`` refreshes them (key rollover), at most once a minute, so a
flood of forged tokens cannot turn into a flood of requests to the metadata endpoint.

The Bot Framework sends the same token with every activity for up to an hour, so a token whose
signature and claims verified is remembered (by its SHA-256, never the token itself) until it
expires: the next activity with it skips decoding and the RSA check, but its expiry, its key
(still published, unchanged) and the per-activity checks (``serviceUrl``, channel) are checked
every time, as for a new token.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import httpx
import jwt
from microsoft_teams.api.auth.cloud_environment import CloudEnvironment

from plugins.teams.cloud import TEAMS_CHANNEL_ID

log = logging.getLogger(__name__)

LEEWAY_SECONDS = 300
KEYS_MAX_AGE_SECONDS = 24 * 3600
MIN_REFRESH_INTERVAL_SECONDS = 60.0
FETCH_TIMEOUT_SECONDS = 10.0
ALGORITHM = "RS256"
VERIFIED_TOKENS_KEPT = 1024  # a tenant's bots share one token; this bounds memory, not correctness


class AuthFailure(enum.StrEnum):
    """Why a request was not authenticated (safe to log: never contains token data)."""

    NOT_CONFIGURED = "not_configured"
    MISSING_BEARER = "missing_bearer"
    MALFORMED_TOKEN = "malformed_token"
    BAD_ALGORITHM = "bad_algorithm"
    UNKNOWN_KEY = "unknown_key"
    KEYS_UNAVAILABLE = "keys_unavailable"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    MISSING_CLAIM = "missing_claim"
    SERVICEURL_MISMATCH = "serviceurl_mismatch"
    CHANNEL_NOT_ALLOWED = "channel_not_allowed"
    UNENDORSED = "unendorsed"


class AuthError(Exception):
    """The request is not authenticated; ``reason`` says why (the HTTP answer is 401)."""

    def __init__(self, reason: AuthFailure) -> None:
        super().__init__(reason.value)
        self.reason = reason


class KeysUnavailable(Exception):
    """The OpenID metadata or its key set could not be fetched or understood."""


@dataclass(frozen=True)
class TeamsClaims:
    """What an accepted token says about the request (the token itself is not kept)."""

    app_id: str
    issuer: str
    service_url: str
    channel_id: str
    key_id: str
    expires_at: int
    claims: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class SigningKey:
    """One published signing key and the channels that endorse it."""

    kid: str
    key: Any  # a cryptography RSA public key
    endorsements: frozenset[str]


# --------------------------------------------------------------------------- key source


class OpenIdKeySource:
    """Signing keys from an OpenID metadata document (``jwks_uri``), cached and refreshed.

    Thread-safe: validation runs in a thread pool. ``clock`` is monotonic seconds (tests).
    """

    def __init__(
        self,
        metadata_url: str,
        *,
        http: httpx.Client | None = None,
        clock: Callable[[], float] = time.monotonic,
        max_age: float = KEYS_MAX_AGE_SECONDS,
        min_refresh_interval: float = MIN_REFRESH_INTERVAL_SECONDS,
    ) -> None:
        self.metadata_url = metadata_url
        self._http = http or httpx.Client(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=False)
        self._clock = clock
        self._max_age = max_age
        self._min_interval = min_refresh_interval
        self._lock = threading.Lock()
        self._keys: dict[str, SigningKey] = {}
        self._loaded_at: float | None = None
        self._attempted_at: float | None = None

    def key(self, kid: str) -> SigningKey | None:
        """The key with id ``kid``, refreshing once if it is unknown or the cache is old.

        Raises :class:`KeysUnavailable` only when no keys at all could ever be loaded.
        """
        with self._lock:
            now = self._clock()
            if self._loaded_at is None or now - self._loaded_at >= self._max_age:
                self._try_refresh(now)
            found = self._keys.get(kid)
            if found is None and self._may_refresh(now):
                self._try_refresh(now)
                found = self._keys.get(kid)
            if found is None and not self._keys:
                raise KeysUnavailable("no signing keys could be loaded")
            return found

    def _may_refresh(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self._min_interval

    def _try_refresh(self, now: float) -> None:
        if not self._may_refresh(now):
            return
        self._attempted_at = now
        try:
            self._keys = self._fetch()
            self._loaded_at = now
        except (KeysUnavailable, httpx.HTTPError, ValueError) as exc:
            # Keep serving the keys we have; a later request will try again.
            log.warning("teams: could not refresh signing keys (%s)", type(exc).__name__)

    def _fetch(self) -> dict[str, SigningKey]:
        metadata = self._get_json(self.metadata_url)
        jwks_uri = metadata.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri:
            raise KeysUnavailable("OpenID metadata has no jwks_uri")
        jwks = self._get_json(jwks_uri)
        keys = {k.kid: k for k in _parse_keys(jwks.get("keys"))}
        if not keys:
            raise KeysUnavailable("the key set has no usable RSA keys")
        log.info("teams: loaded %d signing keys", len(keys))
        return keys

    def _get_json(self, url: str) -> dict[str, Any]:
        response = self._http.get(url)
        if response.status_code != 200:
            raise KeysUnavailable(f"HTTP {response.status_code} from a key endpoint")
        body = response.json()
        if not isinstance(body, dict):
            raise KeysUnavailable("a key endpoint did not answer a JSON object")
        return body


def _parse_keys(raw: object) -> list[SigningKey]:
    """Usable RSA signing keys from a JWKS ``keys`` list; anything else is skipped."""
    keys: list[SigningKey] = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        try:
            public = jwt.PyJWK(entry, algorithm=ALGORITHM).key
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError):
            continue
        endorsements = entry.get("endorsements")
        channels = frozenset(e for e in endorsements if isinstance(e, str)) if isinstance(endorsements, list) else frozenset()
        keys.append(SigningKey(kid=kid, key=public, endorsements=channels))
    return keys


# --------------------------------------------------------------------------- validator


def bearer_token(authorization: str | None) -> str:
    """The token of an ``Authorization: Bearer …`` header, or :class:`AuthError`."""
    if not authorization:
        raise AuthError(AuthFailure.MISSING_BEARER)
    scheme, _, token = authorization.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise AuthError(AuthFailure.MISSING_BEARER)
    return token


_JWT_ERRORS: tuple[tuple[type[Exception], AuthFailure], ...] = (
    (jwt.ExpiredSignatureError, AuthFailure.EXPIRED),
    (jwt.ImmatureSignatureError, AuthFailure.NOT_YET_VALID),
    (jwt.InvalidAudienceError, AuthFailure.WRONG_AUDIENCE),
    (jwt.InvalidIssuerError, AuthFailure.WRONG_ISSUER),
    (jwt.MissingRequiredClaimError, AuthFailure.MISSING_CLAIM),
    (jwt.InvalidSignatureError, AuthFailure.BAD_SIGNATURE),
    (jwt.InvalidAlgorithmError, AuthFailure.BAD_ALGORITHM),
)


@dataclass(frozen=True)
class _Verified:
    """A token whose signature and claims verified: with which key, and its claims."""

    key: SigningKey
    claims: Mapping[str, Any]


class ActivityTokenValidator:
    """Checks the bearer token of one inbound activity (see the module docstring).

    ``now`` is the wall clock in seconds (tests move it); thread-safe.
    """

    def __init__(
        self,
        *,
        app_id: str,
        issuer: str,
        keys: OpenIdKeySource,
        channels: frozenset[str] = frozenset({TEAMS_CHANNEL_ID}),
        leeway: int = LEEWAY_SECONDS,
        now: Callable[[], float] = time.time,
    ) -> None:
        if not app_id:
            raise ValueError("app_id is required")
        self.app_id = app_id
        self.issuer = issuer
        self.keys = keys
        self.channels = channels
        self.leeway = leeway
        self._now = now
        self._verified: OrderedDict[bytes, _Verified] = OrderedDict()
        self._verified_lock = threading.Lock()

    @classmethod
    def for_cloud(
        cls, app_id: str, cloud: CloudEnvironment, *, http: httpx.Client | None = None
    ) -> ActivityTokenValidator:
        """A validator for the bot ``app_id`` in ``cloud`` (issuer and metadata URL)."""
        return cls(
            app_id=app_id,
            issuer=cloud.token_issuer,
            keys=OpenIdKeySource(cloud.openid_metadata_url, http=http),
        )

    def validate(self, authorization: str | None, activity: Mapping[str, Any]) -> TeamsClaims:
        """The claims of a valid request, or :class:`AuthError`. Blocking (may fetch keys)."""
        token = bearer_token(authorization)
        digest = hashlib.sha256(token.encode()).digest()
        verified = self._recall(digest)
        if verified is None:
            kid = self._key_id(token)
            key = self._key(kid)
            # Read-only: every later request with this token is handed the same claims.
            verified = _Verified(key, MappingProxyType(self._decode(token, key)))
            self._remember(digest, verified)
        key, claims = verified.key, verified.claims
        service_url = self._check_service_url(claims, activity)
        channel = self._check_channel(key, activity)
        return TeamsClaims(
            app_id=self.app_id,
            issuer=self.issuer,
            service_url=service_url,
            channel_id=channel,
            key_id=key.kid,
            expires_at=int(claims["exp"]),
            claims=claims,
        )

    def _recall(self, digest: bytes) -> _Verified | None:
        """A token verified before, if it is still within ``exp`` and its key is still published
        unchanged (a key withdrawn at rollover ends its tokens); else None (verify it afresh)."""
        with self._verified_lock:
            verified = self._verified.get(digest)
        if verified is None:
            return None
        if self._now() > float(verified.claims["exp"]) + self.leeway:
            self._forget(digest)
            raise AuthError(AuthFailure.EXPIRED)
        if self._key(verified.key.kid) != verified.key:
            self._forget(digest)
            return None
        return verified

    def _forget(self, digest: bytes) -> None:
        with self._verified_lock:
            self._verified.pop(digest, None)

    def _remember(self, digest: bytes, verified: _Verified) -> None:
        with self._verified_lock:
            self._verified[digest] = verified
            while len(self._verified) > VERIFIED_TOKENS_KEPT:
                self._verified.popitem(last=False)  # the oldest first

    @staticmethod
    def _key_id(token: str) -> str:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError(AuthFailure.MALFORMED_TOKEN) from None
        if header.get("alg") != ALGORITHM:
            raise AuthError(AuthFailure.BAD_ALGORITHM)
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError(AuthFailure.UNKNOWN_KEY)
        return kid

    def _key(self, kid: str) -> SigningKey:
        try:
            key = self.keys.key(kid)
        except KeysUnavailable:
            raise AuthError(AuthFailure.KEYS_UNAVAILABLE) from None
        if key is None:
            raise AuthError(AuthFailure.UNKNOWN_KEY)
        return key

    def _decode(self, token: str, key: SigningKey) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key.key,
                algorithms=[ALGORITHM],
                audience=self.app_id,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud"], "verify_signature": True},
            )
        except jwt.PyJWTError as exc:
            for kind, reason in _JWT_ERRORS:
                if isinstance(exc, kind):
                    raise AuthError(reason) from None
            raise AuthError(AuthFailure.MALFORMED_TOKEN) from None

    @staticmethod
    def _check_service_url(claims: Mapping[str, Any], activity: Mapping[str, Any]) -> str:
        claimed = claims.get("serviceurl")
        actual = activity.get("serviceUrl")
        if not isinstance(claimed, str) or not claimed:
            raise AuthError(AuthFailure.MISSING_CLAIM)
        if not isinstance(actual, str) or claimed.rstrip("/") != actual.rstrip("/"):
            raise AuthError(AuthFailure.SERVICEURL_MISMATCH)
        return actual

    def _check_channel(self, key: SigningKey, activity: Mapping[str, Any]) -> str:
        channel = activity.get("channelId")
        if not isinstance(channel, str) or channel not in self.channels:
            raise AuthError(AuthFailure.CHANNEL_NOT_ALLOWED)
        if channel not in key.endorsements:
            raise AuthError(AuthFailure.UNENDORSED)
        return channel

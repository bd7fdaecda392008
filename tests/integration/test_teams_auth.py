"""Inbound Teams authentication against a real (local) OpenID metadata + JWKS endpoint.

Every rejected request answers 401, never reaches the handler, and is logged with a reason
code but without the token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator

import pytest
import httpx
from starlette.applications import Starlette

from plugins.teams.auth import ActivityTokenValidator, AuthError, AuthFailure, OpenIdKeySource
from plugins.teams.http import PATH, MessagesEndpoint
from tests.support.teams_fakes import (
    APP_ID,
    ISSUER,
    OTHER_KEY,
    TEAMS_KEY,
    OpenIdServer,
    SigningKey,
    activity,
    hs256_token,
    mint_token,
    unsigned_token,
)
from tests.support.teams_handlers import RecordingHandler

SERVICE_URL = "https://smba.trafficmanager.net/emea/"
WEBCHAT_KEY = SigningKey("vpbot-test-webchat", endorsements=("webchat", "skype"), name="webchat")


class FakeClock:
    """Monotonic seconds that only move when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def openid() -> Iterator[OpenIdServer]:
    with OpenIdServer([TEAMS_KEY, WEBCHAT_KEY]) as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def validator(openid: OpenIdServer, clock: FakeClock) -> ActivityTokenValidator:
    return ActivityTokenValidator(
        app_id=APP_ID, issuer=ISSUER, keys=OpenIdKeySource(openid.metadata_url, clock=clock)
    )


@pytest.fixture
def handler() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
def client(validator: ActivityTokenValidator, handler: RecordingHandler) -> Starlette:
    """The route in an ASGI app (real HTTP is the e2e tests' job; this stays fast)."""
    return Starlette(routes=[MessagesEndpoint(validator, handler).route()])


def post(client: Starlette, authorization: str | None, body: dict[str, object]) -> int:
    headers = {"content-type": "application/json"}
    if authorization is not None:
        headers["authorization"] = authorization

    async def send() -> int:
        transport = httpx.ASGITransport(app=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://vpbot.test") as http:
            return (await http.post(PATH, json=body, headers=headers)).status_code

    return asyncio.run(send())


# --------------------------------------------------------------------------- accepted


def test_a_valid_token_is_accepted_and_the_handler_sees_claims(
    client: Starlette, handler: RecordingHandler
) -> None:
    status = post(client, f"Bearer {mint_token(SERVICE_URL)}", activity(SERVICE_URL))
    assert status == 200
    assert len(handler.seen) == 1
    seen, claims = handler.seen[0]
    assert seen["text"] == "hallo"
    assert claims.app_id == APP_ID
    assert claims.service_url == SERVICE_URL
    assert claims.channel_id == "msteams"
    assert claims.key_id == TEAMS_KEY.kid
    assert "token" not in repr(claims).lower()


def test_clock_skew_of_a_few_minutes_is_tolerated(validator: ActivityTokenValidator) -> None:
    now = int(time.time())
    token = mint_token(SERVICE_URL, exp=now - 120, nbf=now + 120, iat=now - 3600)
    assert validator.validate(f"Bearer {token}", activity(SERVICE_URL)).service_url == SERVICE_URL


def test_a_trailing_slash_difference_in_the_service_url_is_not_a_mismatch(validator: ActivityTokenValidator) -> None:
    token = mint_token(SERVICE_URL.rstrip("/"))
    assert validator.validate(f"Bearer {token}", activity(SERVICE_URL)).channel_id == "msteams"


# --------------------------------------------------------------------------- rejected

Case = Callable[[], tuple[str | None, dict[str, object]]]


def _expired() -> tuple[str | None, dict[str, object]]:
    now = int(time.time())
    return f"Bearer {mint_token(SERVICE_URL, exp=now - 301 - 5, iat=now - 7200, nbf=now - 7200)}", activity(SERVICE_URL)


def _not_yet_valid() -> tuple[str | None, dict[str, object]]:
    return f"Bearer {mint_token(SERVICE_URL, nbf=int(time.time()) + 900)}", activity(SERVICE_URL)


REJECTIONS: dict[str, tuple[Case, AuthFailure]] = {
    "expired": (_expired, AuthFailure.EXPIRED),
    "not-yet-valid": (_not_yet_valid, AuthFailure.NOT_YET_VALID),
    "wrong-audience": (
        lambda: (f"Bearer {mint_token(SERVICE_URL, aud='11111111-2222-3333-4444-555555555555')}", activity(SERVICE_URL)),
        AuthFailure.WRONG_AUDIENCE,
    ),
    "wrong-issuer": (
        lambda: (f"Bearer {mint_token(SERVICE_URL, iss='https://sts.windows.net/evil/')}", activity(SERVICE_URL)),
        AuthFailure.WRONG_ISSUER,
    ),
    "unknown-key": (
        lambda: (f"Bearer {mint_token(SERVICE_URL, OTHER_KEY)}", activity(SERVICE_URL)),
        AuthFailure.UNKNOWN_KEY,
    ),
    "forged-with-published-kid": (
        lambda: (f"Bearer {mint_token(SERVICE_URL, OTHER_KEY, headers={'kid': TEAMS_KEY.kid})}", activity(SERVICE_URL)),
        AuthFailure.BAD_SIGNATURE,
    ),
    "unendorsed": (
        lambda: (f"Bearer {mint_token(SERVICE_URL, WEBCHAT_KEY)}", activity(SERVICE_URL)),
        AuthFailure.UNENDORSED,
    ),
    "other-channel": (
        lambda: (f"Bearer {mint_token(SERVICE_URL, WEBCHAT_KEY)}", activity(SERVICE_URL, channelId="webchat")),
        AuthFailure.CHANNEL_NOT_ALLOWED,
    ),
    "missing-channel": (
        lambda: (f"Bearer {mint_token(SERVICE_URL)}", activity(SERVICE_URL, channelId=None)),
        AuthFailure.CHANNEL_NOT_ALLOWED,
    ),
    "serviceurl-mismatch": (
        lambda: (f"Bearer {mint_token('https://evil.example/')}", activity(SERVICE_URL)),
        AuthFailure.SERVICEURL_MISMATCH,
    ),
    "serviceurl-missing-in-activity": (
        lambda: (f"Bearer {mint_token(SERVICE_URL)}", activity(SERVICE_URL, serviceUrl=None)),
        AuthFailure.SERVICEURL_MISMATCH,
    ),
    "serviceurl-claim-missing": (
        lambda: (f"Bearer {mint_token(SERVICE_URL, serviceurl=None)}", activity(SERVICE_URL)),
        AuthFailure.MISSING_CLAIM,
    ),
    "exp-missing": (
        lambda: (f"Bearer {mint_token(SERVICE_URL, exp=None)}", activity(SERVICE_URL)),
        AuthFailure.MISSING_CLAIM,
    ),
    "no-authorization": (lambda: (None, activity(SERVICE_URL)), AuthFailure.MISSING_BEARER),
    "basic-scheme": (lambda: ("Basic dXNlcjpwYXNz", activity(SERVICE_URL)), AuthFailure.MISSING_BEARER),
    "empty-bearer": (lambda: ("Bearer", activity(SERVICE_URL)), AuthFailure.MISSING_BEARER),
    "garbled-bearer": (lambda: ("Bearer not.a.jwt", activity(SERVICE_URL)), AuthFailure.MALFORMED_TOKEN),
    "garbage-bearer": (lambda: ("Bearer %%%%", activity(SERVICE_URL)), AuthFailure.MALFORMED_TOKEN),
    "alg-none": (lambda: (f"Bearer {unsigned_token(SERVICE_URL)}", activity(SERVICE_URL)), AuthFailure.BAD_ALGORITHM),
    "alg-hs256-with-public-key": (
        lambda: (f"Bearer {hs256_token(SERVICE_URL)}", activity(SERVICE_URL)),
        AuthFailure.BAD_ALGORITHM,
    ),
    "no-kid": (
        lambda: (f"Bearer {mint_token(SERVICE_URL, headers={'kid': None})}", activity(SERVICE_URL)),
        AuthFailure.UNKNOWN_KEY,
    ),
}


@pytest.mark.parametrize("name", list(REJECTIONS))
def test_rejected_tokens_get_401_and_never_reach_the_handler(
    name: str,
    client: Starlette,
    handler: RecordingHandler,
    validator: ActivityTokenValidator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    make, reason = REJECTIONS[name]
    authorization, body = make()
    with pytest.raises(AuthError) as raised:
        validator.validate(authorization, body)
    assert raised.value.reason is reason

    with caplog.at_level(logging.DEBUG):
        assert post(client, authorization, body) == 401
    assert handler.seen == []
    logged = caplog.text
    if reason is not AuthFailure.MISSING_BEARER:
        assert reason.value in logged
    if authorization and len(authorization) > 12:
        assert authorization.split(" ", 1)[1] not in logged, "token logged"


# --------------------------------------------------------------------------- key cache


def test_unknown_key_refreshes_the_key_set_at_most_once_a_minute(
    openid: OpenIdServer, validator: ActivityTokenValidator, clock: FakeClock
) -> None:
    validator.validate(f"Bearer {mint_token(SERVICE_URL)}", activity(SERVICE_URL))
    assert openid.key_fetches() == 1
    clock.now += 61
    forged = f"Bearer {mint_token(SERVICE_URL, OTHER_KEY)}"
    for _ in range(5):
        with pytest.raises(AuthError):
            validator.validate(forged, activity(SERVICE_URL))
    assert openid.key_fetches() == 2, "a burst of unknown kids must cause one refresh"
    clock.now += 61
    with pytest.raises(AuthError):
        validator.validate(forged, activity(SERVICE_URL))
    assert openid.key_fetches() == 3


def test_a_rolled_over_key_is_picked_up_on_first_use(
    openid: OpenIdServer, validator: ActivityTokenValidator, clock: FakeClock
) -> None:
    validator.validate(f"Bearer {mint_token(SERVICE_URL)}", activity(SERVICE_URL))
    new_key = SigningKey("vpbot-test-rolled", name="rolled")
    openid.keys.append(new_key)
    clock.now += 61
    claims = validator.validate(f"Bearer {mint_token(SERVICE_URL, new_key)}", activity(SERVICE_URL))
    assert claims.key_id == new_key.kid


def test_cached_keys_are_used_without_refetching(openid: OpenIdServer, validator: ActivityTokenValidator) -> None:
    for _ in range(3):
        validator.validate(f"Bearer {mint_token(SERVICE_URL)}", activity(SERVICE_URL))
    assert openid.key_fetches() == 1


def test_a_withdrawn_key_stops_working_after_the_cache_expires(
    openid: OpenIdServer, validator: ActivityTokenValidator, clock: FakeClock
) -> None:
    validator.validate(f"Bearer {mint_token(SERVICE_URL)}", activity(SERVICE_URL))
    openid.keys = [WEBCHAT_KEY]
    clock.now += 24 * 3600 + 1
    with pytest.raises(AuthError) as raised:
        validator.validate(f"Bearer {mint_token(SERVICE_URL)}", activity(SERVICE_URL))
    assert raised.value.reason is AuthFailure.UNKNOWN_KEY


def test_unreachable_metadata_is_401_not_500(
    openid: OpenIdServer, client: Starlette, handler: RecordingHandler
) -> None:
    openid.down = True
    assert post(client, f"Bearer {mint_token(SERVICE_URL)}", activity(SERVICE_URL)) == 401
    assert handler.seen == []


def test_keys_stay_usable_when_a_refresh_fails(
    openid: OpenIdServer, validator: ActivityTokenValidator, clock: FakeClock
) -> None:
    validator.validate(f"Bearer {mint_token(SERVICE_URL)}", activity(SERVICE_URL))
    openid.down = True
    clock.now += 24 * 3600 + 1
    assert validator.validate(f"Bearer {mint_token(SERVICE_URL)}", activity(SERVICE_URL)).key_id == TEAMS_KEY.kid


def test_validator_built_from_the_cloud_uses_the_configured_endpoints(openid: OpenIdServer) -> None:
    from plugins.teams.cloud import cloud_environment
    from tests.support.teams_fakes import teams_settings

    cloud = cloud_environment(teams_settings(openid))
    validator = ActivityTokenValidator.for_cloud(APP_ID, cloud)
    assert validator.issuer == ISSUER
    assert validator.validate(f"Bearer {mint_token(SERVICE_URL)}", activity(SERVICE_URL)).app_id == APP_ID
    assert openid.key_fetches() == 1


# --------------------------------------------------------------------------- a token seen before


class CountingValidator(ActivityTokenValidator):
    """The real validator, counting full decodes (signature and claims)."""

    decodes = 0

    def _decode(self, token: str, key: SigningKey) -> dict[str, object]:  # type: ignore[override]
        self.decodes += 1
        return super()._decode(token, key)


class WallClock:
    """Wall-clock seconds that only move when told to."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def wall() -> WallClock:
    return WallClock()


@pytest.fixture
def counting(openid: OpenIdServer, clock: FakeClock, wall: WallClock) -> CountingValidator:
    return CountingValidator(
        app_id=APP_ID, issuer=ISSUER, keys=OpenIdKeySource(openid.metadata_url, clock=clock), now=wall
    )


def test_the_bot_frameworks_reused_token_is_verified_once(counting: CountingValidator) -> None:
    token = f"Bearer {mint_token(SERVICE_URL)}"
    for _ in range(3):
        assert counting.validate(token, activity(SERVICE_URL)).key_id == TEAMS_KEY.kid
    assert counting.decodes == 1
    counting.validate(f"Bearer {mint_token(SERVICE_URL, jti='another')}", activity(SERVICE_URL))
    assert counting.decodes == 2


def test_a_token_seen_before_still_gets_the_per_activity_checks(counting: CountingValidator) -> None:
    token = f"Bearer {mint_token(SERVICE_URL)}"
    counting.validate(token, activity(SERVICE_URL))
    with pytest.raises(AuthError) as other_service:
        counting.validate(token, activity("https://smba.trafficmanager.net/amer/"))
    assert other_service.value.reason is AuthFailure.SERVICEURL_MISMATCH
    with pytest.raises(AuthError) as other_channel:
        counting.validate(token, activity(SERVICE_URL, channelId="webchat"))
    assert other_channel.value.reason is AuthFailure.CHANNEL_NOT_ALLOWED


def test_a_token_seen_before_expires_like_any_other(counting: CountingValidator, wall: WallClock) -> None:
    token = f"Bearer {mint_token(SERVICE_URL, exp=int(wall.now) + 600)}"
    counting.validate(token, activity(SERVICE_URL))
    wall.now += 600 + 300 + 1  # past exp and the five minutes of clock skew
    with pytest.raises(AuthError) as raised:
        counting.validate(token, activity(SERVICE_URL))
    assert raised.value.reason is AuthFailure.EXPIRED


def test_a_token_seen_before_stops_with_its_withdrawn_key(
    openid: OpenIdServer, counting: CountingValidator, clock: FakeClock
) -> None:
    token = f"Bearer {mint_token(SERVICE_URL)}"
    counting.validate(token, activity(SERVICE_URL))
    openid.keys = [WEBCHAT_KEY]
    clock.now += 24 * 3600 + 1  # the key set is fetched again
    with pytest.raises(AuthError) as raised:
        counting.validate(token, activity(SERVICE_URL))
    assert raised.value.reason is AuthFailure.UNKNOWN_KEY

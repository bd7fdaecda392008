"""Outbound Teams plumbing: msal tokens (fake ``http_client``) and the Bot Connector client.

The connector is a real HTTP fake on 127.0.0.1; msal never leaves the process.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import logging
from pathlib import Path
from urllib.parse import unquote

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from microsoft_teams.api import ApiClient
from microsoft_teams.api.clients.conversation.params import CreateConversationParams
from microsoft_teams.api.models import Account

from plugins.teams.cloud import cloud_environment
from plugins.teams.connector import (
    BotConnectorClient,
    RateLimited,
    RecipientGone,
    SendRejected,
    Transient,
    retry_after_seconds,
)
from plugins.teams.tokens import BotTokenProvider, TokenUnavailable
from tests.support.teams_fakes import (
    APP_ID,
    BOT_SCOPE,
    HOME_TENANT,
    LOGIN_URL,
    USER_TENANT,
    FakeConnector,
    FakeMsalHttp,
    OpenIdServer,
    SigningKey,
    teams_settings,
    tenant_of,
)

USER = "29:1-user-employee"
SECRET = "fake-app-secret-value"


@pytest.fixture
def msal_http() -> FakeMsalHttp:
    return FakeMsalHttp()


@pytest.fixture
def provider(openid: OpenIdServer, msal_http: FakeMsalHttp) -> BotTokenProvider:
    return BotTokenProvider(teams_settings(openid), http_client=msal_http)


@pytest.fixture
def client(provider: BotTokenProvider) -> BotConnectorClient:
    return BotConnectorClient(provider, APP_ID)


# --------------------------------------------------------------------------- tokens


def test_bot_token_comes_from_the_home_tenant_with_the_bot_scope(
    provider: BotTokenProvider, msal_http: FakeMsalHttp
) -> None:
    token = provider.bot_token()
    assert token == msal_http.issued[0]
    [request] = msal_http.token_requests()
    assert request.url == f"{LOGIN_URL}/{HOME_TENANT}/oauth2/v2.0/token"
    assert tenant_of(request.url) == HOME_TENANT
    assert request.data["grant_type"] == "client_credentials"
    assert request.data["client_id"] == APP_ID
    assert request.data["client_secret"] == SECRET
    assert request.data["scope"] == BOT_SCOPE


def test_tokens_are_cached(provider: BotTokenProvider, msal_http: FakeMsalHttp) -> None:
    first = provider.bot_token()
    assert provider.bot_token() == first
    assert len(msal_http.token_requests()) == 1


def test_msal_is_not_touched_before_the_first_token(openid: OpenIdServer, msal_http: FakeMsalHttp) -> None:
    BotTokenProvider(teams_settings(openid), http_client=msal_http)
    assert msal_http.requests == [], "msal's constructor does network discovery: create it lazily"


def test_a_refused_token_request_is_a_typed_error_without_the_secret(
    provider: BotTokenProvider, msal_http: FakeMsalHttp, caplog: pytest.LogCaptureFixture
) -> None:
    msal_http.error = "invalid_client"
    with caplog.at_level(logging.DEBUG), pytest.raises(TokenUnavailable) as raised:
        provider.bot_token()
    assert raised.value.code == "invalid_client"
    assert SECRET not in caplog.text


def _certificate_pem(key: SigningKey) -> tuple[str, str]:
    """A self-signed certificate + private key PEM for ``key``, and its SHA-1 thumbprint."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vpbot test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.private_key.public_key()).serial_number(7)
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .sign(key.private_key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode() + key.private_pem
    return pem, cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - Entra's x5t


def test_certificate_credentials_send_a_signed_client_assertion(
    tmp_path: Path, openid: OpenIdServer, msal_http: FakeMsalHttp
) -> None:
    key = SigningKey("cert", name="certificate")
    pem, thumbprint = _certificate_pem(key)
    path = tmp_path / "bot.pem"
    path.write_text(pem)
    settings = teams_settings(openid, app_secret=None, certificate_path=str(path), certificate_thumbprint=thumbprint)
    BotTokenProvider(settings, http_client=msal_http).bot_token()
    [request] = msal_http.token_requests()
    assert "client_secret" not in request.data
    assert request.data["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    assertion = request.data["client_assertion"]
    header = jwt.get_unverified_header(assertion)
    assert base64.urlsafe_b64decode(header["x5t"] + "==") == bytes.fromhex(thumbprint)
    claims = jwt.decode(
        assertion, key.private_key.public_key(), algorithms=[header["alg"]], audience=request.url
    )
    assert claims["iss"] == claims["sub"] == APP_ID


@pytest.mark.filterwarnings("ignore:The bot client is deprecated:DeprecationWarning")
def test_the_provider_serves_the_teams_sdk_api_client(
    provider: BotTokenProvider, connector: FakeConnector, openid: OpenIdServer, msal_http: FakeMsalHttp
) -> None:
    """The same provider works as the SDK's ``token_provider`` (async, off the event loop)."""
    cloud = cloud_environment(teams_settings(openid))

    async def create() -> str:
        api = ApiClient(connector.service_url("emea"), token_provider=provider, cloud=cloud)
        params = CreateConversationParams(members=[Account(id=USER)], tenant_id=USER_TENANT)
        return (await api.conversations.create(params)).id

    conversation_id = asyncio.run(create())
    [call] = connector.creates()
    assert call.path == "/emea/v3/conversations"
    assert call.headers["authorization"] == f"Bearer {msal_http.issued[0]}"
    assert conversation_id == connector.conversations[USER]


# --------------------------------------------------------------------------- connector


def test_create_conversation_sends_the_bot_the_member_and_the_tenant(
    client: BotConnectorClient, connector: FakeConnector, msal_http: FakeMsalHttp
) -> None:
    conversation_id = client.create_conversation(connector.service_url("amer"), USER_TENANT, USER)
    [call] = connector.creates()
    assert call.path == "/amer/v3/conversations"
    assert call.headers["authorization"] == f"Bearer {msal_http.issued[0]}"
    body = json.loads(call.body)
    assert body["bot"] == {"id": f"28:{APP_ID}"}
    assert body["members"] == [{"id": USER}]
    assert body["tenantId"] == USER_TENANT
    assert body["channelData"] == {"tenant": {"id": USER_TENANT}}
    assert body["isGroup"] is False
    assert conversation_id == connector.conversations[USER]


def test_send_activity_posts_into_the_conversation(client: BotConnectorClient, connector: FakeConnector) -> None:
    conversation_id = "a:1conv;messageid=1"
    activity_id = client.send_activity(connector.service_url("emea"), conversation_id, {"type": "message", "text": "x"})
    [call] = connector.activities()
    assert call.path.startswith("/emea/v3/conversations/")
    assert unquote(call.path.split("/")[4]) == conversation_id
    assert json.loads(call.body) == {"type": "message", "text": "x"}
    assert activity_id and activity_id.startswith("1:activity-")


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (429, "TooManyRequests", RateLimited),
        (500, "InternalServerError", Transient),
        (502, "BadGateway", Transient),
        (503, "ServiceUnavailable", Transient),
        (403, "BotNotInConversationRoster", RecipientGone),
        (403, "ConversationBlockedByUser", RecipientGone),
        (404, "ConversationNotFound", RecipientGone),
        (400, "BadSyntax", SendRejected),
        (401, "Unauthorized", SendRejected),
    ],
)
def test_connector_failures_become_typed_errors(
    client: BotConnectorClient, connector: FakeConnector, status: int, code: str, error: type[Exception]
) -> None:
    connector.fail_next(status, code)
    with pytest.raises(error) as raised:
        client.send_activity(connector.service_url(), "a:1conv", {"type": "message"})
    assert raised.value.code == code  # type: ignore[attr-defined]
    assert raised.value.status == status  # type: ignore[attr-defined]


def test_rate_limit_carries_retry_after(client: BotConnectorClient, connector: FakeConnector) -> None:
    connector.fail_next(429, "TooManyRequests", {"Retry-After": "7"})
    with pytest.raises(RateLimited) as raised:
        client.create_conversation(connector.service_url(), USER_TENANT, USER)
    assert raised.value.retry_after == 7.0


def test_retry_after_as_an_http_date() -> None:
    now = dt.datetime(2026, 9, 7, 8, 0, tzinfo=dt.timezone.utc)
    assert retry_after_seconds("Mon, 07 Sep 2026 08:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds("garbage", now=now) is None
    assert retry_after_seconds(None) is None


def test_an_unreachable_connector_is_transient(client: BotConnectorClient) -> None:
    with pytest.raises(Transient) as raised:
        client.send_activity("http://127.0.0.1:9/amer/", "a:1conv", {"type": "message"})
    assert raised.value.code.startswith("network_")


def test_no_token_is_transient_and_sends_nothing(
    client: BotConnectorClient, connector: FakeConnector, msal_http: FakeMsalHttp
) -> None:
    msal_http.error = "invalid_client"
    with pytest.raises(Transient) as raised:
        client.send_activity(connector.service_url(), "a:1conv", {"type": "message"})
    assert raised.value.code == "token_invalid_client"
    assert connector.calls == []


def test_connector_errors_log_codes_but_no_ids_or_bodies(
    client: BotConnectorClient, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    connector.fail_next(403, "BotNotInConversationRoster")
    with caplog.at_level(logging.DEBUG, logger="plugins"), pytest.raises(RecipientGone):
        client.send_activity(connector.service_url(), "a:1secret-conversation", {"type": "message", "text": "MARK"})
    plugin_lines = [r.getMessage() for r in caplog.records if r.name.startswith("plugins.")]
    assert any("BotNotInConversationRoster" in line for line in plugin_lines)
    assert not any("secret-conversation" in line or "MARK" in line or "scripted" in line for line in plugin_lines)

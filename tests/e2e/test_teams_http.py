"""Teams end to end over real HTTP: ``POST /api/messages`` in vpbot's ASGI app under uvicorn,
a local OpenID metadata + JWKS server, a recording Bot Connector, msal with a fake
``http_client``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from microsoft_teams.api.activities.message import MessageActivityInput
from sqlalchemy import Engine, select

from plugins.teams.auth import TeamsClaims
from plugins.teams.connector import BotConnectorClient, ProactiveMessenger, RateLimited, RecipientGone
from plugins.teams.http import MAX_BODY_BYTES, PATH, teams_routes
from plugins.teams.references import load_recipient, save_reference
from plugins.teams.tokens import BotTokenProvider
from tests.support.teams_fakes import (
    APP_ID,
    USER_TENANT,
    FakeConnector,
    FakeMsalHttp,
    OpenIdServer,
    activity,
    mint_token,
    teams_settings,
)
from tests.support.teams_handlers import RecordingHandler
from tests.support.teams_server import serve_in_thread
from vpbot.bootstrap import Container, bootstrap
from vpbot.crypto.keyring import generate_entry
from vpbot.services import tenants
from vpbot.services.uow import UnitOfWorkFactory
from vpbot.settings import Settings, TeamsSettings
from vpbot.storage.models import ConversationRef
from vpbot.web.app import create_app

MARKER = "CANARY-7f3e9c-do-not-log"
USER = "29:1-user-employee"


def make_container(engine: Engine, teams: TeamsSettings) -> Container:
    return bootstrap(Settings(master_key=generate_entry("teams-e2e"), teams=teams), engine=engine)


@dataclass
class Running:
    """vpbot's web app serving Teams on a loopback port."""

    base_url: str
    handler: RecordingHandler
    container: Container

    def post(self, body: Any = None, *, token: str | None = "", content: bytes | None = None,
             content_type: str = "application/json; charset=utf-8") -> httpx.Response:
        headers = {"content-type": content_type}
        if token is not None:
            service_url = body.get("serviceUrl", "") if isinstance(body, dict) else ""
            headers["authorization"] = f"Bearer {token or mint_token(service_url)}"
        if content is None:
            return httpx.post(self.base_url + PATH, json=body, headers=headers)
        return httpx.post(self.base_url + PATH, content=content, headers=headers)


def _respond(activity_: dict[str, Any]) -> dict[str, Any] | None:
    """Test behaviour: a few invokes are handled; ``fail`` in the text raises with content."""
    if activity_.get("text") == "fail" or activity_.get("name") in ("task/submit", "adaptiveCard/action"):
        raise RuntimeError(f"handler blew up on {MARKER}")
    if activity_.get("type") == "invoke" and activity_.get("name") == "task/fetch":
        return {"status": 200, "body": {"task": {"type": "continue", "value": {"title": "vpbot"}}}}
    if activity_.get("name") == "vpbot/malformed":
        return {"status": "fine", "body": MARKER}
    return None


@pytest.fixture
def running(empty_sqlite_engine: Engine, openid: OpenIdServer) -> Iterator[Running]:
    container = make_container(empty_sqlite_engine, teams_settings(openid))
    handler = RecordingHandler(respond=_respond)
    with serve_in_thread(create_app(container, teams_routes(container, handler))) as base_url:
        yield Running(base_url, handler, container)


SERVICE_URL = "https://smba.trafficmanager.net/emea/"


# --------------------------------------------------------------------------- inbound


def test_an_authenticated_message_reaches_the_handler(running: Running) -> None:
    response = running.post(activity(SERVICE_URL))
    assert response.status_code == 200
    [(seen, claims)] = running.handler.seen
    assert seen["from"]["id"] == USER
    assert claims.service_url == SERVICE_URL


@pytest.mark.parametrize(
    "token",
    [None, "garbage", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln"],
    ids=["no-authorization", "garbage", "unsigned-looking"],
)
def test_unauthenticated_requests_get_401(running: Running, token: str | None) -> None:
    assert running.post(activity(SERVICE_URL), token=token).status_code == 401
    assert running.handler.seen == []


def test_a_token_for_another_service_url_gets_401(running: Running) -> None:
    response = running.post(activity(SERVICE_URL), token=mint_token("https://evil.example/"))
    assert response.status_code == 401
    assert running.handler.seen == []


def test_a_body_over_one_megabyte_gets_413(running: Running) -> None:
    big = activity(SERVICE_URL, text="x" * MAX_BODY_BYTES)
    assert running.post(big).status_code == 413
    assert running.handler.seen == []


def test_a_chunked_body_over_one_megabyte_gets_413(running: Running) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"type": "message", "text": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    headers = {"content-type": "application/json", "authorization": f"Bearer {mint_token(SERVICE_URL)}"}
    response = httpx.post(running.base_url + PATH, content=chunks(), headers=headers)
    assert response.status_code == 413
    assert running.handler.seen == []


def test_a_non_json_content_type_gets_415(running: Running) -> None:
    response = running.post(content=b"type=message", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b'{"text": "no type"}', b'{"type": 7}', b"\xff\xfe"])
def test_malformed_activities_get_400(running: Running, content: bytes) -> None:
    assert running.post(content=content).status_code == 400
    assert running.handler.seen == []


def test_an_unknown_activity_type_gets_200(running: Running) -> None:
    response = running.post(activity(SERVICE_URL, type="somethingNewFromTeams"))
    assert response.status_code == 200
    assert [a["type"] for a in running.handler.activities] == ["somethingNewFromTeams"]


def test_a_failing_handler_is_not_a_500_and_logs_no_content(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = running.post(activity(SERVICE_URL, text="fail"))
    assert response.status_code == 200
    assert "RuntimeError" in caplog.text
    assert MARKER not in caplog.text


def test_a_handled_invoke_answers_with_its_response(running: Running) -> None:
    response = running.post(activity(SERVICE_URL, type="invoke", name="task/fetch", value={}, text=None))
    assert response.status_code == 200
    assert response.json()["task"]["type"] == "continue"


def test_an_unknown_invoke_gets_501(running: Running) -> None:
    response = running.post(activity(SERVICE_URL, type="invoke", name="vpbot/unknown", value={}, text=None))
    assert response.status_code == 501


def test_a_failing_dialog_invoke_answers_a_neutral_message_in_the_dialog(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        response = running.post(activity(SERVICE_URL, type="invoke", name="task/submit", value={"note": MARKER}))
    assert response.status_code == 200
    task = response.json()["task"]
    assert task["type"] == "message"
    assert "Er ging iets mis" in task["value"]
    assert MARKER not in response.text
    assert MARKER not in caplog.text


def test_a_failing_universal_action_answers_the_documented_error_body(running: Running) -> None:
    response = running.post(activity(SERVICE_URL, type="invoke", name="adaptiveCard/action", value={}, text=None))
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "application/vnd.microsoft.error"
    assert body["statusCode"] == 500
    assert MARKER not in response.text


def test_a_malformed_invoke_response_from_the_handler_is_not_passed_on(running: Running) -> None:
    response = running.post(activity(SERVICE_URL, type="invoke", name="vpbot/malformed", value={}, text=None))
    assert response.status_code == 200
    assert MARKER not in response.text


def test_get_is_not_allowed(running: Running) -> None:
    assert httpx.get(running.base_url + PATH).status_code == 405


def test_without_teams_configuration_every_request_gets_401(empty_sqlite_engine: Engine) -> None:
    container = make_container(empty_sqlite_engine, TeamsSettings())
    handler = RecordingHandler()
    with serve_in_thread(create_app(container, teams_routes(container, handler))) as base_url:
        response = httpx.post(base_url + PATH, json=activity(SERVICE_URL), headers={
            "authorization": f"Bearer {mint_token(SERVICE_URL)}"})
        health = httpx.get(base_url + "/healthz")
    assert response.status_code == 401
    assert health.status_code == 200
    assert handler.seen == []


# --------------------------------------------------------------------------- outbound


class ReferenceRecorder:
    """Stands in for the install/activity handling to come: remembers where a user is."""

    def __init__(self, uows: UnitOfWorkFactory) -> None:
        self.uows = uows
        self.people: dict[str, str] = {}

    def __call__(self, activity_: dict[str, Any], claims: TeamsClaims) -> None:
        with self.uows() as uow:
            tenant_id = tenants.register_tenant(uow, "teams", activity_["channelData"]["tenant"]["id"])
            person = tenants.ensure_person(uow, tenant_id, activity_["from"]["id"])
            save_reference(uow, tenant_id, person.id, claims.service_url)
            uow.commit()
            self.people[activity_["from"]["id"]] = person.id


@dataclass
class Outbound:
    base_url: str
    uows: UnitOfWorkFactory
    recorder: ReferenceRecorder
    messenger: ProactiveMessenger
    msal: FakeMsalHttp


@pytest.fixture
def outbound(engine: Engine, openid: OpenIdServer) -> Iterator[Outbound]:
    teams = teams_settings(openid)
    container = make_container(engine, teams)
    uows = UnitOfWorkFactory(container.sessions, container.key_wrapper)
    recorder = ReferenceRecorder(uows)
    msal = FakeMsalHttp()
    messenger = ProactiveMessenger(uows, BotConnectorClient(BotTokenProvider(teams, http_client=msal), APP_ID))
    with serve_in_thread(create_app(container, teams_routes(container, recorder))) as base_url:
        yield Outbound(base_url, uows, recorder, messenger, msal)


def _inbound(base_url: str, service_url: str) -> None:
    body = activity(service_url)
    response = httpx.post(base_url + PATH, json=body, headers={"authorization": f"Bearer {mint_token(service_url)}"})
    assert response.status_code == 200


NOTICE = MessageActivityInput(text="Er is een nieuwe afspraakaanvraag. Open vpbot om hem te bekijken.")


def test_a_proactive_message_goes_to_the_users_latest_service_url(
    outbound: Outbound, connector: FakeConnector
) -> None:
    _inbound(outbound.base_url, connector.service_url("amer"))
    _inbound(outbound.base_url, connector.service_url("emea"))  # Teams moved the tenant
    person_id = outbound.recorder.people[USER]

    first = outbound.messenger.send(person_id, NOTICE)

    [create] = connector.creates()
    assert create.path == "/emea/v3/conversations"
    assert create.params["members"] == [{"id": USER}]
    assert create.params["tenantId"] == USER_TENANT
    [token] = outbound.msal.issued
    assert create.headers["authorization"] == f"Bearer {token}"
    [sent] = connector.activities()
    conversation_id = connector.conversations[USER]
    assert sent.path.startswith("/emea/v3/conversations/")
    assert sent.headers["authorization"] == f"Bearer {token}"
    assert sent.params["text"] == NOTICE.text
    assert first.conversation_created and first.activity_id

    # The conversation id is stored, encrypted; the second send reuses it and the cached token.
    with outbound.uows() as uow:
        row = uow.session.scalars(select(ConversationRef)).one()
        assert row.conversation_id_enc and conversation_id.encode() not in row.conversation_id_enc
        recipient = load_recipient(uow, person_id)
    assert recipient is not None and recipient.conversation_id == conversation_id

    second = outbound.messenger.send(person_id, NOTICE)
    assert not second.conversation_created
    assert len(connector.creates()) == 1
    assert len(connector.activities()) == 2
    assert connector.activities()[1].headers["authorization"] == f"Bearer {token}"
    assert len(outbound.msal.token_requests()) == 1, "the token must come from msal's cache"


def test_proactive_failures_are_typed(outbound: Outbound, connector: FakeConnector) -> None:
    _inbound(outbound.base_url, connector.service_url("amer"))
    person_id = outbound.recorder.people[USER]
    connector.fail_next(429, "TooManyRequests", {"Retry-After": "3"})
    with pytest.raises(RateLimited) as limited:
        outbound.messenger.send(person_id, NOTICE)
    assert limited.value.retry_after == 3.0
    outbound.messenger.send(person_id, NOTICE)  # the retry goes through
    connector.fail_next(403, "BotNotInConversationRoster")
    with pytest.raises(RecipientGone) as gone:
        outbound.messenger.send(person_id, NOTICE)
    assert gone.value.code == "BotNotInConversationRoster"


def test_a_proactive_message_by_teams_user_id(outbound: Outbound, connector: FakeConnector) -> None:
    _inbound(outbound.base_url, connector.service_url("amer"))
    with outbound.uows() as uow:
        tenant = tenants.find_tenant(uow, "teams", USER_TENANT)
        assert tenant is not None
        tenant_id = tenant.id
    delivery = outbound.messenger.send_to_user(tenant_id, USER, NOTICE)
    assert delivery.activity_id
    [sent] = connector.activities()
    assert sent.path.startswith("/amer/v3/conversations/")
    with pytest.raises(RecipientGone):
        outbound.messenger.send_to_user(tenant_id, "29:unknown-user", NOTICE)


def test_a_bot_disabled_by_the_admin_is_gone_tenant_wide(outbound: Outbound, connector: FakeConnector) -> None:
    _inbound(outbound.base_url, connector.service_url("amer"))
    connector.fail_next(403, "BotDisabledByAdmin")
    with pytest.raises(RecipientGone) as gone:
        outbound.messenger.send(outbound.recorder.people[USER], NOTICE)
    assert gone.value.tenant_wide


def test_a_person_never_seen_in_teams_is_not_reachable(outbound: Outbound, connector: FakeConnector) -> None:
    with outbound.uows() as uow:
        tenant_id = tenants.register_tenant(uow, "teams", USER_TENANT)
        person = tenants.ensure_person(uow, tenant_id, "29:someone-else")
        uow.commit()
    with pytest.raises(RecipientGone) as raised:
        outbound.messenger.send(person.id, NOTICE)
    assert raised.value.code == "no_conversation_reference"
    assert connector.calls == []

"""The dispatcher's Teams sender: content-free cards through the Bot Connector, typed failures."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from sqlalchemy import Engine

from plugins.teams.auth import TeamsClaims
from plugins.teams.context import teams_context
from plugins.teams.install import touch
from plugins.teams.plugin import build_teams_sender
from plugins.teams.sender import TeamsSender
from tests.support.adaptive_cards import assert_valid_card, card_texts, cards_in, submit_actions
from tests.support.teams_fakes import FakeConnector, FakeMsalHttp, OpenIdServer, activity, teams_settings
from vpbot.bootstrap import Container, bootstrap
from vpbot.crypto.keyring import generate_entry
from vpbot.dispatch.ports import Delivery, RateLimited, RecipientGone, TransientFailure
from vpbot.settings import Settings
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType, render_text

USER = "00000000-0000-0000-0000-000000000001"
THREAD = "0f" * 16
CHECKIN = "ab" * 16


def claims_for(service_url: str) -> TeamsClaims:
    return TeamsClaims(app_id="x", issuer="x", service_url=service_url, channel_id="msteams", key_id="k",
                       expires_at=0, claims={})


@dataclass
class Setup:
    container: Container
    sender: TeamsSender
    connector: FakeConnector
    tenant_id: str


@pytest.fixture
def setup(engine: Engine, openid: OpenIdServer, connector: FakeConnector) -> Setup:
    settings = Settings(master_key=generate_entry("sender"), teams=teams_settings(openid))
    container = bootstrap(settings, engine=engine)
    service_url = connector.service_url("emea")
    with container.uows() as uow:
        seen = touch(uow, teams_context(activity(service_url), claims_for(service_url)))
        uow.commit()
    assert seen is not None
    return Setup(container, build_teams_sender(container, msal_http=FakeMsalHttp()), connector, seen.tenant_id)


def delivery(setup: Setup, notification: Notification, recipient: str = USER) -> Delivery:
    return Delivery(outbox_id="o1", tenant_id=setup.tenant_id, platform="teams", tenant_external_id="t",
                    recipient=recipient, locale="en", timezone="Europe/Amsterdam", notification=notification)


def test_a_notification_is_a_content_free_card_whose_buttons_open_dialogs(setup: Setup) -> None:
    notification = Notification(NotificationKind.NEW_MESSAGE, ref=ObjectRef(ObjectType.THREAD, THREAD))
    receipt = setup.sender.send(delivery(setup, notification))
    [call] = setup.connector.activities()
    assert call.path == "/emea/v3/conversations/a:1-personal-chat/activities"  # stored at install
    assert setup.connector.creates() == []
    posted = json.loads(call.body)
    [card] = list(cards_in(posted))
    assert_valid_card(card)
    text = render_text(notification, "en", "Europe/Amsterdam")
    assert posted["summary"] == text and card_texts(card)[0] == text
    [button] = submit_actions(card)
    assert button["data"] == {"msteams": {"type": "task/fetch"},
                              "vpbot": {"action": ActionId.OPEN_THREAD, "value": f"thread:{THREAD}"}}
    assert receipt.message_id


def test_a_check_in_offers_its_three_answers(setup: Setup) -> None:
    notification = Notification(NotificationKind.CHECKIN_DUE, ref=ObjectRef(ObjectType.CHECKIN, CHECKIN))
    setup.sender.send(delivery(setup, notification))
    [card] = list(cards_in(json.loads(setup.connector.activities()[0].body)))
    actions = [a["data"]["vpbot"] for a in submit_actions(card)]
    assert [a["action"] for a in actions] == [ActionId.CHECKIN_GOOD, ActionId.CHECKIN_TALK, ActionId.CHECKIN_STOP]
    assert {a["value"] for a in actions} == {f"checkin:{CHECKIN}"}


def test_a_reminder_shows_its_time_in_the_recipients_zone(setup: Setup) -> None:
    at = datetime(2026, 9, 8, 12, 0, tzinfo=timezone.utc)
    notification = Notification(NotificationKind.APPOINTMENT_REMINDER, at=at)
    setup.sender.send(delivery(setup, notification))
    [card] = list(cards_in(json.loads(setup.connector.activities()[0].body)))
    assert "14:00" in card_texts(card)[0]


@pytest.mark.parametrize(
    ("status", "code", "headers", "expected"),
    [
        (429, "TooManyRequests", {"Retry-After": "7"}, RateLimited),
        (503, "ServiceUnavailable", {}, TransientFailure),
        (403, "BotNotInConversationRoster", {}, RecipientGone),
        (400, "BadSyntax", {}, TransientFailure),
    ],
)
def test_connector_failures_become_the_ports_typed_failures(
    setup: Setup, status: int, code: str, headers: dict[str, str], expected: type[Exception]
) -> None:
    setup.connector.fail_next(status, code, headers)
    with pytest.raises(expected) as raised:
        setup.sender.send(delivery(setup, Notification(NotificationKind.CASE_PURGED)))
    if isinstance(raised.value, RateLimited):
        assert raised.value.retry_after_seconds == 7.0
    if isinstance(raised.value, TransientFailure) and status == 400:
        assert raised.value.reason_code == "rejected_BadSyntax"


def test_a_bot_disabled_by_the_admin_is_gone_for_the_whole_tenant(setup: Setup) -> None:
    setup.connector.fail_next(403, "BotDisabledByAdmin")
    with pytest.raises(RecipientGone) as raised:
        setup.sender.send(delivery(setup, Notification(NotificationKind.CASE_PURGED)))
    assert raised.value.tenant_wide


def test_someone_who_never_installed_the_app_is_gone(setup: Setup) -> None:
    with pytest.raises(RecipientGone) as raised:
        setup.sender.send(delivery(setup, Notification(NotificationKind.CASE_PURGED),
                                   recipient="00000000-0000-0000-0000-00000000ffff"))
    assert raised.value.reason_code == "no_conversation_reference"
    assert setup.connector.calls == []


def test_someone_seen_only_outside_the_personal_chat_gets_a_new_one_by_object_id(setup: Setup) -> None:
    other = "00000000-0000-0000-0000-0000000000b2"
    service_url = setup.connector.service_url("amer")
    group = activity(service_url, conversation={"id": "19:group", "conversationType": "groupChat"},
                     **{"from": {"id": "29:1-other", "aadObjectId": other}})
    with setup.container.uows() as uow:
        touch(uow, teams_context(group, claims_for(service_url)))
        uow.commit()
    setup.sender.send(delivery(setup, Notification(NotificationKind.CASE_PURGED), recipient=other))
    [create] = setup.connector.creates()
    assert create.path == "/amer/v3/conversations" and create.params["members"] == [{"id": other}]
    [sent] = setup.connector.activities()
    assert sent.path.startswith("/amer/v3/conversations/a:1conv")


def test_serve_and_the_dispatcher_pick_up_teams_when_it_is_configured(setup: Setup) -> None:
    from starlette.routing import Route

    from vpbot.bootstrap import build_senders, platform_routes

    paths = [route.path for route in platform_routes(setup.container) if isinstance(route, Route)]
    assert "/api/messages" in paths
    assert isinstance(build_senders(setup.container)["teams"], TeamsSender)

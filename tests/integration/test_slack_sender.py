"""The dispatcher's Slack sender against the fake Slack Web API over real HTTP.

Content-free DMs with buttons that reach the flows, the recipient's language and time zone,
Slack's failures as the port's typed failures, no duplicate after an unknown outcome, and
token rotation for scheduled sends in OAuth mode, serialised across workers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import Engine

from plugins.slack.sender import EVENT_TYPE, SlackSender, build_slack_sender
from plugins.slack.stores import EncryptingInstallationStore
from tests.support.core import T0
from tests.support.dispatch import Workspace, dispatcher, enqueue, rows, seed_workspace
from tests.support.fake_slack import FakeSlackApi
from tests.support.http_fakes import RecordedCall, Reply
from tests.support.server import free_port
from tests.support.slack_dm import DirectMessages, dm_channel
from tests.support.slack_rotation import SingleUseRefresh
from vpbot.bootstrap import Container, bootstrap, build_senders
from vpbot.crypto.keyring import generate_entry
from vpbot.dispatch.ports import Delivery, RateLimited, RecipientGone, TransientFailure
from vpbot.services import tenants
from vpbot.services.clock import FixedClock
from vpbot.settings import Settings, SlackSettings
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType, render_text

BOT_TOKEN = "xoxb-T0001-single-SECRETBOT"
THREAD = "0f" * 16
CHECKIN = "ab" * 16


@dataclass
class Slack:
    """A container with Slack configured against the fake, a seeded workspace and the DMs."""

    container: Container
    api: FakeSlackApi
    dms: DirectMessages
    ws: Workspace

    @property
    def sender(self) -> SlackSender:
        sender = build_senders(self.container)["slack"]
        assert isinstance(sender, SlackSender)
        return sender

    def delivery(self, notification: Notification, *, locale: str = "en", tz: str = "Europe/London",
                 outbox_id: str = "1" * 32) -> Delivery:
        return Delivery(outbox_id=outbox_id, tenant_id=self.ws.tenant_id, platform="slack",
                        tenant_external_id="T0001", recipient="U_EMP1", locale=locale, timezone=tz,
                        notification=notification)


def _container(engine: Engine, slack: SlackSettings) -> Container:
    return bootstrap(Settings(master_key=generate_entry("slack-sender"), slack=slack), engine=engine,
                     clock=FixedClock(T0))


@pytest.fixture
def slack(engine: Engine) -> Iterator[Slack]:
    with FakeSlackApi() as api:
        container = _container(engine, SlackSettings(bot_token=BOT_TOKEN, api_url=api.url))
        yield Slack(container, api, DirectMessages(api), seed_workspace(container.uows))


def _posts(api: FakeSlackApi) -> list[RecordedCall]:
    return api.calls_to("chat.postMessage")


# ---------------------------------------------------------------------- the message


def test_a_notification_is_a_content_free_dm_whose_buttons_reach_the_flows(slack: Slack) -> None:
    notification = Notification(NotificationKind.NEW_MESSAGE, ref=ObjectRef(ObjectType.THREAD, THREAD))
    receipt = slack.sender.send(slack.delivery(notification))
    [call] = _posts(slack.api)
    assert call.headers["authorization"] == f"Bearer {BOT_TOKEN}"
    params = call.params
    text = render_text(notification, "en", "Europe/London")
    assert params["channel"] == "U_EMP1" and params["text"] == text
    section, buttons = params["blocks"]
    assert section == {"type": "section", "text": {"type": "plain_text", "text": text, "emoji": True}}
    [button] = buttons["elements"]
    assert (button["action_id"], button["value"]) == (ActionId.OPEN_THREAD.value, f"thread:{THREAD}")
    for block in params["blocks"]:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    assert params["metadata"] == {"event_type": EVENT_TYPE, "event_payload": {"outbox_id": "1" * 32}}
    # Nothing but the catalogue text, fixed labels, the reference and the outbox id.
    assert set(params) <= {"channel", "text", "blocks", "metadata", "unfurl_links", "unfurl_media"}
    assert receipt.message_id == f"{dm_channel('U_EMP1')}:{slack.dms.in_dm('U_EMP1')[0]['ts']}"


def test_a_check_in_offers_its_three_answers(slack: Slack) -> None:
    notification = Notification(NotificationKind.CHECKIN_DUE, ref=ObjectRef(ObjectType.CHECKIN, CHECKIN))
    slack.sender.send(slack.delivery(notification))
    elements = _posts(slack.api)[0].params["blocks"][1]["elements"]
    assert [e["action_id"] for e in elements] == [
        ActionId.CHECKIN_GOOD.value, ActionId.CHECKIN_TALK.value, ActionId.CHECKIN_STOP.value,
    ]
    assert {e["value"] for e in elements} == {f"checkin:{CHECKIN}"}


@pytest.mark.parametrize(
    ("locale", "tz", "clock", "word"),
    [("nl", "Europe/Amsterdam", "14:00", "dinsdag"), ("en", "Europe/London", "13:00", "Tuesday")],
)
def test_a_reminder_is_in_the_recipients_language_and_time_zone(
    slack: Slack, locale: str, tz: str, clock: str, word: str
) -> None:
    at = datetime(2026, 9, 8, 12, 0, tzinfo=timezone.utc)
    notification = Notification(NotificationKind.APPOINTMENT_REMINDER, at=at)
    slack.sender.send(slack.delivery(notification, locale=locale, tz=tz))
    text = _posts(slack.api)[0].params["text"]
    assert text == render_text(notification, locale, tz)
    assert clock in text and word in text


# ---------------------------------------------------------------------- failures


def _fail_with(api: FakeSlackApi, reply: Reply) -> None:
    api.handlers["chat.postMessage"] = lambda call: reply


@pytest.mark.parametrize(
    ("reply", "expected", "code", "tenant_wide"),
    [
        (Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "7"}), RateLimited, None, False),
        (Reply(500, b"<html>oops</html>", {"content-type": "text/html"}), TransientFailure, "http_500", False),
        (Reply(503, {"ok": False, "error": "service_unavailable"}), TransientFailure, "http_503", False),
        (Reply(200, {"ok": False, "error": "internal_error"}), TransientFailure, "internal_error", False),
        (Reply(200, {"ok": False, "error": "user_not_found"}), RecipientGone, "user_not_found", False),
        (Reply(200, {"ok": False, "error": "cannot_dm_bot"}), RecipientGone, "cannot_dm_bot", False),
        (Reply(200, {"ok": False, "error": "token_revoked"}), RecipientGone, "token_revoked", True),
        (Reply(200, {"ok": False, "error": "invalid_auth"}), RecipientGone, "invalid_auth", True),
        (Reply(200, {"ok": False, "error": "invalid_blocks"}), TransientFailure, "rejected_invalid_blocks", False),
    ],
)
def test_slack_failures_become_the_ports_typed_failures(
    slack: Slack, reply: Reply, expected: type[Exception], code: str | None, tenant_wide: bool
) -> None:
    _fail_with(slack.api, reply)
    with pytest.raises(expected) as raised:
        slack.sender.send(slack.delivery(Notification(NotificationKind.CASE_PURGED)))
    failure = raised.value
    if isinstance(failure, RateLimited):
        assert failure.retry_after_seconds == 7.0
    else:
        assert failure.reason_code == code  # type: ignore[attr-defined]
    if isinstance(failure, RecipientGone):
        assert failure.tenant_wide is tenant_wide
    assert len(_posts(slack.api)) == 1, "the client never retries by itself"


@pytest.mark.parametrize(
    ("auth_test", "tenant_wide"),
    [
        (Reply(200, {"ok": True, "user_id": "UBOT"}), False),
        (Reply(200, {"ok": False, "error": "account_inactive"}), True),
        (Reply(500, b"oops", {"content-type": "text/plain"}), False),  # cannot tell: not the tenant
    ],
)
def test_account_inactive_is_the_users_unless_the_bots_token_stopped_working(
    slack: Slack, auth_test: Reply, tenant_wide: bool
) -> None:
    _fail_with(slack.api, Reply(200, {"ok": False, "error": "account_inactive"}))
    slack.api.handlers["auth.test"] = lambda call: auth_test
    with pytest.raises(RecipientGone) as raised:
        slack.sender.send(slack.delivery(Notification(NotificationKind.CASE_PURGED)))
    assert raised.value.reason_code == "account_inactive" and raised.value.tenant_wide is tenant_wide


def test_a_connection_error_is_transient(engine: Engine) -> None:
    closed = f"http://127.0.0.1:{free_port()}/api/"
    container = _container(engine, SlackSettings(bot_token=BOT_TOKEN, api_url=closed))
    ws = seed_workspace(container.uows)
    sender = build_senders(container)["slack"]
    delivery = Delivery(outbox_id="2" * 32, tenant_id=ws.tenant_id, platform="slack", tenant_external_id="T0001",
                        recipient="U_EMP1", locale="nl", timezone="Europe/Amsterdam",
                        notification=Notification(NotificationKind.CASE_PURGED))
    with pytest.raises(TransientFailure) as raised:
        sender.send(delivery)
    assert raised.value.reason_code.startswith("network_")


# ---------------------------------------------------------------------- no duplicates


def test_after_an_unknown_outcome_the_dm_history_prevents_a_second_post(slack: Slack) -> None:
    make = slack.container.uows
    assert isinstance(make.clock, FixedClock)
    row = enqueue(make, slack.ws.tenant_id, slack.ws.employee_id)
    d = dispatcher(make, {"slack": slack.sender})
    slack.dms.post_then_fail = 500  # Slack posted it, but vpbot only saw an error
    assert d.tick().retried == 1
    assert rows(slack.container.engine, row)[row].status == "pending"
    slack.dms.post_then_fail = None
    make.clock.advance(timedelta(hours=2))
    assert d.tick().sent == 1
    assert len(_posts(slack.api)) == 1, "not posted a second time"
    [message] = slack.dms.in_dm("U_EMP1")
    sent = rows(slack.container.engine, row)[row]
    assert (sent.status, sent.platform_message_id) == ("sent", f"{dm_channel('U_EMP1')}:{message['ts']}")
    history = slack.api.calls_to("conversations.history")
    assert len(history) == 1 and history[0].params["include_all_metadata"] in ("1", "true", "True")


def test_when_the_first_try_never_arrived_the_retry_posts(slack: Slack) -> None:
    make = slack.container.uows
    assert isinstance(make.clock, FixedClock)
    row = enqueue(make, slack.ws.tenant_id, slack.ws.employee_id)
    d = dispatcher(make, {"slack": slack.sender})
    _fail_with(slack.api, Reply(502, b"bad gateway", {"content-type": "text/plain"}))
    assert d.tick().retried == 1
    DirectMessages(slack.api)  # Slack answers again (the failed call posted nothing)
    make.clock.advance(timedelta(hours=2))
    assert d.tick().sent == 1
    assert len(_posts(slack.api)) == 2 and len(slack.api.calls_to("conversations.history")) == 1
    assert rows(slack.container.engine, row)[row].status == "sent"


def test_already_sent_answers_none_when_it_cannot_look(slack: Slack) -> None:
    slack.api.handlers["conversations.open"] = lambda call: Reply(200, {"ok": False, "error": "missing_scope"})
    delivery = slack.delivery(Notification(NotificationKind.CASE_PURGED))
    assert slack.sender.already_sent(delivery) is None


# ---------------------------------------------------------------------- OAuth: rotation


@dataclass
class OAuth:
    container: Container
    api: FakeSlackApi
    rotation: SingleUseRefresh
    tenant_id: str
    employee_id: str

    @property
    def refreshes(self) -> list[str]:
        return self.rotation.refreshes


@pytest.fixture
def oauth(engine: Engine) -> Iterator[OAuth]:
    with FakeSlackApi() as api:
        rotation = SingleUseRefresh(api)
        DirectMessages(api)
        settings = SlackSettings(client_id="1.2", client_secret="s", signing_secret="x", api_url=api.url)
        container = _container(engine, settings)
        store = EncryptingInstallationStore(container.uows)
        expiring = int(time.time()) + 60  # Slack's clock: the token expires in a minute
        store.save(Installation(app_id="A1", team_id="T1", bot_token="xoxe.xoxb-old", bot_id="B1",
                                bot_user_id="UBOT", bot_scopes=["chat:write"], user_id="U_INSTALLER",
                                bot_refresh_token="xoxe-1-refresh-0", bot_token_expires_at=expiring))
        with container.uows() as uow:
            tenant = tenants.find_tenant(uow, "slack", "T1")
            assert tenant is not None
            employee = tenants.identify(uow, tenant.id, "U_EMP1")
            uow.commit()
        yield OAuth(container, api, rotation, tenant.id, employee.person_id)


def test_a_scheduled_send_rotates_the_expiring_token_first(oauth: OAuth) -> None:
    make = oauth.container.uows
    row = enqueue(make, oauth.tenant_id, oauth.employee_id)
    assert dispatcher(make, build_senders(oauth.container)).tick().sent == 1
    assert oauth.refreshes == ["xoxe-1-refresh-0"]
    [post] = _posts(oauth.api)
    assert post.headers["authorization"] == "Bearer xoxe.xoxb-new-1"
    assert rows(oauth.container.engine, row)[row].status == "sent"
    bot = EncryptingInstallationStore(make).find_bot(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxe.xoxb-new-1", "the rotated token was saved"


def test_rotation_for_scheduled_sends_is_serialised_across_workers(oauth: OAuth) -> None:
    """Eight workers (each its own sender and store) send at once: one rotation, one token."""
    senders = [build_slack_sender(oauth.container) for _ in range(8)]
    barrier = threading.Barrier(len(senders))
    errors: list[BaseException] = []

    def send(sender: SlackSender, n: int) -> None:
        delivery = Delivery(outbox_id=f"{n:032x}", tenant_id=oauth.tenant_id, platform="slack",
                            tenant_external_id="T1", recipient="U_EMP1", locale="nl",
                            timezone="Europe/Amsterdam", notification=Notification(NotificationKind.CASE_PURGED))
        barrier.wait()
        try:
            sender.send(delivery)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(s, n)) for n, s in enumerate(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert oauth.refreshes == ["xoxe-1-refresh-0"], "exactly one rotation, never a reused refresh token"
    assert {p.headers["authorization"] for p in _posts(oauth.api)} == {"Bearer xoxe.xoxb-new-1"}
    assert len(_posts(oauth.api)) == 8


def test_a_workspace_without_an_installation_is_gone_for_good(oauth: OAuth) -> None:
    EncryptingInstallationStore(oauth.container.uows).delete_all(enterprise_id=None, team_id="T1")
    delivery = Delivery(outbox_id="3" * 32, tenant_id=oauth.tenant_id, platform="slack", tenant_external_id="T1",
                        recipient="U_EMP1", locale="nl", timezone="Europe/Amsterdam",
                        notification=Notification(NotificationKind.CASE_PURGED))
    with pytest.raises(RecipientGone) as raised:
        build_slack_sender(oauth.container).send(delivery)
    assert raised.value.tenant_wide and raised.value.reason_code == "no_installation"
    assert _posts(oauth.api) == []


def test_an_org_wide_install_sends_with_the_orgs_token(engine: Engine) -> None:
    with FakeSlackApi() as api:
        DirectMessages(api)
        container = _container(engine, SlackSettings(client_id="1.2", client_secret="s", api_url=api.url))
        EncryptingInstallationStore(container.uows).save(
            Installation(app_id="A1", enterprise_id="E1", team_id=None, is_enterprise_install=True,
                         bot_token="xoxb-org-token", bot_id="B1", bot_user_id="UBOT", user_id="U_INSTALLER")
        )
        with container.uows() as uow:
            tenant = tenants.find_tenant(uow, "slack", "E1")
            assert tenant is not None and tenant.is_enterprise
            employee = tenants.identify(uow, tenant.id, "U_EMP1")
            uow.commit()
        enqueue(container.uows, tenant.id, employee.person_id)
        assert dispatcher(container.uows, build_senders(container)).tick().sent == 1
        assert _posts(api)[0].headers["authorization"] == "Bearer xoxb-org-token"

"""The whole Teams journey over real HTTP, as three people click through it.

install → the installer is admin → admin appoints an adviser by Entra object id and adds a
referral directory entry → the adviser sets weekly availability and meeting modes → an
employee books a slot with a note → the dispatcher notifies the adviser (content-free) →
the adviser opens the request and, from the panel, the case → the thread both ways →
a referral with consent → close with aftercare → the employee answers the check-in → the
adviser is told → everyone removes the app.

Every activity is signed (RS256, a local JWKS) and goes into ``POST /api/messages``; every
proactive message goes through msal (fake HTTP) and a recording Bot Connector. Every card
returned in a dialog or posted into a chat is validated against the Adaptive Card 1.5
schema (:mod:`tests.support.teams_ui`). The canary: no marker typed anywhere in the journey
reaches a connector call, a token request, a log line (DEBUG) or a database column in
plain text; chat cards carry no names and no topics either.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from plugins.teams import plugin as teams_plugin
from tests.support.adaptive_cards import card_texts, submit_actions
from tests.support.core import T0
from tests.support.employee_flows import canary
from tests.support.teams_fakes import USER_TENANT, FakeConnector, OpenIdServer
from tests.support.teams_ui import TeamsUser, deliver, teams_world_with_clock
from tests.support.teams_world import TeamsWorld, database_text
from vpbot.bootstrap import build_dispatcher
from vpbot.dispatch.dispatcher import Dispatcher
from vpbot.services import tenants
from vpbot.services.clock import FixedClock
from vpbot.storage.models import CheckIn, ConversationRef, OutboxItem, Referral, Tenant
from vpbot.ui import i18n
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, render_text

ADMIN_AAD = "5d0c2a1e-8b4f-4c3a-9e2d-00000000a001"
ADVISER_AAD = "5d0c2a1e-8b4f-4c3a-9e2d-00000000a002"
EMPLOYEE_AAD = "5d0c2a1e-8b4f-4c3a-9e2d-00000000a003"
ADMIN_NAME, ADVISER_NAME, EMPLOYEE_NAME = "Ada de Boer", "Anne de Vries", "Evi Jansen"
ADVISER_SHOWN_AS = "Anne (vertrouwenspersoon)"  # the name the admin types when appointing
TARGET = "Arbodienst Noord"
CATEGORY = "bullying"
STARTS = T0 + timedelta(hours=3)  # the first free slot


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)  # Monday 7 September 2026, 10:00 in Amsterdam


@pytest.fixture
def world(engine: Engine, openid: OpenIdServer, connector: FakeConnector, clock: FixedClock) -> Iterator[TeamsWorld]:
    with teams_world_with_clock(engine, openid, connector, clock) as running:
        yield running


@pytest.fixture
def dispatcher(world: TeamsWorld, monkeypatch: pytest.MonkeyPatch) -> Dispatcher:
    """vpbot's own dispatcher (``build_dispatcher``) on the same database and clock; only
    msal's HTTP is the fake one (the real msal would look up the login host)."""
    real = teams_plugin.build_teams_sender
    monkeypatch.setattr(teams_plugin, "build_teams_sender", functools.partial(real, msal_http=world.msal))
    return build_dispatcher(world.container, worker_id="teams-journey")


# --------------------------------------------------------------------------- checks


def topics() -> set[str]:
    """What a case is about, in every language: the category and referral type labels."""
    keys = [f"category.{CATEGORY}", "referral.type.company_doctor"]
    return {i18n.t(key, locale) for key in keys for locale in i18n.SUPPORTED_LOCALES}


def assert_chat_card_content_free(card: Mapping[str, Any], forbidden: Iterable[str]) -> None:
    """Nothing in the card but catalogue text and buttons that open a dialog by reference."""
    blob = json.dumps(card, ensure_ascii=False)
    leaked = [word for word in forbidden if word in blob]
    assert not leaked, f"a chat card shows {leaked}"
    for action in submit_actions(card):
        assert action["data"]["msteams"] == {"type": "task/fetch"}
        ours = action["data"]["vpbot"]
        assert set(ours) <= {"action", "value"}
        if "value" in ours:
            ObjectRef.parse(ours["value"])  # an opaque reference: a type and an id, nothing else


def notification(
    user: TeamsUser, kind: NotificationKind, forbidden: Iterable[str], *, at: Any = None
) -> Mapping[str, Any]:
    """The one card that just arrived in ``user``'s chat: notification ``kind``, content-free."""
    [card] = user.new_chat_cards()
    assert_chat_card_content_free(card, forbidden)
    values = [a["data"]["vpbot"].get("value") for a in submit_actions(card)]
    ref = ObjectRef.parse(values[0]) if values[0] else None
    expected = render_text(Notification(kind, at=at, ref=ref), user.language, user.timezone)
    assert card_texts(card)[0] == expected, (card_texts(card), expected)
    return card


def button_labels(card: Mapping[str, Any]) -> list[str]:
    return [a["title"] for a in submit_actions(card)]


# --------------------------------------------------------------------------- the journey


def test_the_whole_journey_in_teams(
    world: TeamsWorld, engine: Engine, clock: FixedClock, dispatcher: Dispatcher, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = {step: canary() for step in ("note", "first", "answer", "again", "share", "late")}
    admin = TeamsUser(world, ADMIN_AAD, ADMIN_NAME, "a:1-chat-admin")
    adviser = TeamsUser(world, ADVISER_AAD, ADVISER_NAME, "a:1-chat-adviser")
    employee = TeamsUser(world, EMPLOYEE_AAD, EMPLOYEE_NAME, "a:1-chat-employee")
    private = [*marker.values(), ADMIN_NAME, ADVISER_NAME, ADVISER_SHOWN_AS, EMPLOYEE_NAME, TARGET, *topics()]

    # --- Install: the first person to add the app is the tenant's first admin.
    admin_welcome = admin.install()
    assert_chat_card_content_free(admin_welcome, private)
    assert admin.t("button.panel.admin") in button_labels(admin_welcome)

    # --- The admin appoints an adviser by Entra object id (as typed: any case, spaces).
    panel = admin.open(admin_welcome, ActionId.OPEN_ADMIN)
    assert panel.title == admin.t("admin.title")
    admin.click(ActionId.ADMIN_ADVISERS)
    admin.click(ActionId.ADMIN_ADVISER_ADD)
    assert admin.dialog is not None and admin.dialog.inputs()["user"]["type"] == "Input.Text"
    added = admin.submit({"user": f" {ADVISER_AAD.upper()} ", "name": ADVISER_SHOWN_AS})
    assert added.texts[0] == admin.t("admin.adviser.added.named", name=ADVISER_SHOWN_AS)

    # ... and adds a referral directory entry.
    admin.click(ActionId.ADMIN_HOME)
    admin.click(ActionId.ADMIN_DIRECTORY)
    admin.click(ActionId.ADMIN_DIRECTORY_ADD)
    directory = admin.submit({"kind": "company_doctor", "name": TARGET, "contact": "020 555 0100"})
    assert admin.t("admin.directory.saved") in directory.texts and TARGET in directory.text

    # --- The adviser adds the app: vpbot knows them by that object id.
    adviser_welcome = adviser.install()
    assert_chat_card_content_free(adviser_welcome, private)
    labels = button_labels(adviser_welcome)
    assert adviser.t("button.panel.adviser") in labels and adviser.t("button.panel.admin") not in labels

    # Weekly windows (every day, so the journey does not depend on the weekday) ...
    adviser.open(adviser_welcome, ActionId.OPEN_ADVISER)
    adviser.click(ActionId.ADVISER_AVAILABILITY)
    saved = adviser.submit({f"day{weekday}": "09:00-12:30, 13:00-17:00" for weekday in range(7)})
    assert adviser.t("availability.saved") in saved.texts
    # ... and how employees can meet them.
    adviser.click(ActionId.ADVISER_PROFILE)
    saved = adviser.submit({"languages": "nl, en", "location": "Kamer 2.14", "phone": "+31 20 123 4567",
                            "video_link": "https://meet.example.org/vp"})
    assert adviser.t("adviser.profile.saved") in saved.texts

    # --- The employee books a slot with a note.
    employee_welcome = employee.install()
    assert_chat_card_content_free(employee_welcome, private)
    assert not {employee.t("button.panel.adviser"), employee.t("button.panel.admin")} & set(
        button_labels(employee_welcome))
    choose = employee.open(employee_welcome, ActionId.MENU_BOOK)
    adviser_id = choose.choices("adviser")[ADVISER_SHOWN_AS]
    slots = employee.submit({"adviser": adviser_id})
    first_slot = slots.button_values(ActionId.SLOT_PICK)[0]
    # 13:00 in Amsterdam: two hours' notice, and a 12:00 slot would run into the break.
    assert first_slot == f"{adviser_id}:20260907T1100Z"
    form = employee.click(ActionId.SLOT_PICK, first_slot)
    assert set(form.choices("mode").values()) == {"in_person", "phone", "video"}
    booked = employee.submit({"mode": "video", "category": CATEGORY, "note": marker["note"]})
    assert booked.title == employee.t("booking.done.title")
    assert "https://meet.example.org/vp" in booked.text and marker["note"] not in booked.text

    # --- The adviser is notified: content-free, a button that opens a dialog.
    assert deliver(dispatcher).sent == 1
    assert employee.new_chat_cards() == [] and admin.new_chat_cards() == []
    request = notification(adviser, NotificationKind.APPOINTMENT_REQUESTED, private, at=STARTS)
    assert button_labels(request) == [adviser.t("button.open_app")]
    opened = adviser.open(request, ActionId.OPEN_APP)
    assert opened.title == adviser.t("adviser.appointment.title")
    assert marker["note"] in opened.texts  # the note, only inside the dialog the adviser opened
    assert adviser.t(f"category.{CATEGORY}") in opened.text

    # --- The adviser opens the case from the panel.
    adviser_panel = adviser.open(adviser_welcome, ActionId.OPEN_ADVISER)
    [case_id] = adviser_panel.button_values(ActionId.ADVISER_OPEN_CASE)
    assert marker["note"] not in adviser_panel.text  # lists hold references and times only
    case = adviser.click(ActionId.ADVISER_OPEN_CASE, case_id)
    assert case.title == adviser.t("case.title") and adviser.t("case.threads.none") in case.texts

    # --- The thread, both ways: the employee writes ...
    employee.open(employee_welcome, ActionId.MENU_WRITE)
    sent = employee.submit({"adviser": adviser_id, "body": marker["first"]})
    assert sent.title == employee.t("thread.sent.title")
    assert deliver(dispatcher).sent == 1
    new_message = notification(adviser, NotificationKind.NEW_MESSAGE, private)
    # ... the adviser reads it from the notification and answers ...
    clock.advance(timedelta(minutes=5))  # messages are ordered by when they were sent
    thread = adviser.open(new_message, ActionId.OPEN_THREAD)
    assert marker["first"] in thread.texts
    answered = adviser.submit({"reply": marker["answer"]})
    assert adviser.t("adviser.thread.sent") in answered.texts and marker["answer"] in answered.texts
    assert deliver(dispatcher).sent == 1
    reply_notice = notification(employee, NotificationKind.NEW_MESSAGE, private)
    # ... the employee reads the answer and replies ...
    thread = employee.open(reply_notice, ActionId.OPEN_THREAD)
    assert thread.texts.index(marker["first"]) < thread.texts.index(marker["answer"])
    employee.click(ActionId.THREAD_REPLY)
    clock.advance(timedelta(minutes=5))
    replied = employee.submit({"body": marker["again"]})
    assert employee.t("thread.reply.sent") in replied.texts and marker["again"] in replied.texts
    assert deliver(dispatcher).sent == 1
    notification(adviser, NotificationKind.NEW_MESSAGE, private)
    # ... and the adviser finds the whole conversation on the case.
    adviser.click(ActionId.ADVISER_OPEN_CASE, case_id)
    thread = adviser.click(ActionId.ADVISER_OPEN_THREAD)
    assert [marker["first"], marker["answer"], marker["again"]] == [
        t for t in thread.texts if t in marker.values()]

    # --- A referral with consent: the adviser proposes exactly what would be shared ...
    adviser.click(ActionId.ADVISER_OPEN_CASE, case_id)
    proposal = adviser.click(ActionId.ADVISER_PROPOSE_REFERRAL)
    proposed = adviser.submit({"target": proposal.choices("target")[TARGET], "share_text": marker["share"]})
    assert adviser.t("referral.propose.done") in proposed.texts
    assert adviser.dialog is not None and adviser.dialog.button_values(ActionId.ADVISER_REFERRAL_TEXT) == []
    assert deliver(dispatcher).sent == 1
    offer = notification(employee, NotificationKind.REFERRAL_PROPOSED, private)
    # ... the employee opens the offer, reads that text and agrees to share it ...
    offered = employee.open(offer, ActionId.OPEN_APP)
    assert offered.title == employee.t("referral.title") and marker["share"] in offered.texts
    assert TARGET in offered.text
    decided = employee.submit({"choice": "share"})
    assert decided.texts[0] == employee.t("referral.done.share")
    # ... and now (only now) the adviser may read it back to pass it on.
    adviser.click(ActionId.ADVISER_HOME)
    case = adviser.click(ActionId.ADVISER_OPEN_CASE, case_id)
    [referral_id] = case.button_values(ActionId.ADVISER_REFERRAL_TEXT)
    shared = adviser.click(ActionId.ADVISER_REFERRAL_TEXT, referral_id)
    assert marker["share"] in shared.texts
    with world.container.uows() as uow:
        assert uow.session.get(Referral, referral_id).status == "shared"  # type: ignore[union-attr]

    # --- The appointment takes place (its reminder went out, content-free); the adviser
    # closes the case with a check-in after two weeks.
    clock.advance(timedelta(days=1))
    assert deliver(dispatcher).sent == 2  # the one-hour reminder, to both
    for person in (employee, adviser):
        notification(person, NotificationKind.APPOINTMENT_REMINDER, private, at=STARTS)
    adviser.click(ActionId.ADVISER_OPEN_CASE, case_id)
    close = adviser.click(ActionId.ADVISER_CLOSE_CASE)
    assert close.inputs()["weeks"].get("value")  # prefilled with the tenant's default
    closed = adviser.submit({"weeks": "2"})
    assert closed.title == adviser.t("case.close.title") and adviser.t("adviser.closed.checkins") in closed.texts
    assert deliver(dispatcher).sent == 0  # nothing is due yet

    # --- Two weeks later the employee is asked how they are, and answers in a dialog.
    clock.advance(timedelta(weeks=2, days=1))
    assert deliver(dispatcher).sent == 1
    checkin = notification(employee, NotificationKind.CHECKIN_DUE, private)
    assert button_labels(checkin) == [employee.t(f"button.checkin.{a}") for a in ("good", "talk", "stop")]
    answer = employee.open(checkin, ActionId.CHECKIN_TALK)
    assert answer.texts[0] == employee.t("checkin.answer.talk")
    with world.container.uows() as uow:
        assert uow.session.scalars(select(CheckIn.answer)).one() == "talk"
    # The adviser is told (content-free) and opens the closed case from there.
    assert deliver(dispatcher).sent == 1
    wants_talk = notification(adviser, NotificationKind.CHECKIN_ANSWERED_WANTS_TALK, private)
    reopened = adviser.open(wants_talk, ActionId.OPEN_APP)
    assert reopened.title == adviser.t("case.title")
    assert adviser.t("case.status.closed") in reopened.text
    # Answering again from the same card is calm, not an error.
    again = employee.open(checkin, ActionId.CHECKIN_GOOD)
    assert again.texts[0] == employee.t("error.checkin.already_answered")

    # --- Everyone removes the app: references go, the last removal uninstalls the tenant.
    # A last message is written just before; its notice is still waiting when they leave.
    employee.open(employee_welcome, ActionId.MENU_WRITE)
    employee.submit({"adviser": adviser_id, "body": marker["late"]})
    posted = len(world.connector.activities())
    for person in (employee, adviser):
        person.uninstall()
        with world.container.uows() as uow:
            assert tenants.find_tenant(uow, "teams", USER_TENANT) is not None
    admin.uninstall()
    with world.container.uows() as uow:
        assert uow.session.scalars(select(ConversationRef)).first() is None
        assert tenants.find_tenant(uow, "teams", USER_TENANT) is None
        assert uow.session.scalars(select(Tenant.status)).one() == "uninstalled"
    # Nothing is posted into a tenant that removed the app: the waiting notice is given up.
    result = deliver(dispatcher)
    assert result.sent == 0 and result.gone == 1
    with world.container.uows() as uow:
        assert uow.session.scalars(select(OutboxItem).where(OutboxItem.status == "pending")).all() == []
    assert len(world.connector.activities()) == posted  # nothing is posted on removal or after

    # --- The canary: no marker anywhere it must not be.
    assert "tenant marked uninstalled" in caplog.text  # the server's own log lines are here
    outgoing = world.outgoing_text() + json.dumps([vars(r) for r in world.msal.requests])
    stored = database_text(engine)
    for word in marker.values():
        assert word not in outgoing, "a marker reached the Bot Connector or the token endpoint"
        assert word not in caplog.text, "a marker reached the log"
        assert word not in stored, "a marker is stored in plain text"
    for name in (ADMIN_NAME, ADVISER_NAME, EMPLOYEE_NAME):
        assert name not in outgoing and name not in caplog.text and name not in stored
    # Every chat card every person received (welcome, notifications) was checked above;
    # every card (dialogs too) was validated against the 1.5 schema on arrival.
    assert all(c["version"] == "1.5" for c in (*admin.cards, *adviser.cards, *employee.cards))
    assert len(adviser.cards) > 20 and len(employee.cards) > 15

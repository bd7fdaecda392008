"""The Teams journey over real HTTP: install, welcome card, dialogs, free text, removal.

Signed activities go into vpbot's ``POST /api/messages`` (the real bot and flows); whatever
vpbot posts into a chat is recorded by a fake Bot Connector and must be content-free.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from sqlalchemy import Engine, select

from plugins.teams.references import load_recipient
from tests.support.adaptive_cards import assert_valid_card, card_texts, cards_in, submit_actions
from tests.support.employee_flows import canary
from tests.support.teams_fakes import USER_TENANT, FakeConnector, OpenIdServer
from tests.support.teams_world import BOT, TeamsWorld, database_text, teams_world
from vpbot.domain.errors import DomainError
from vpbot.flows.core import FieldError, FlowContext, Interaction, Mode, Outcome
from vpbot.services import tenants
from vpbot.services.actor import Role
from vpbot.storage.models import ConversationRef, Person, Tenant
from vpbot.ui import i18n
from vpbot.ui.actions import ActionId
from vpbot.ui.screens import Option, Screen, Select, Text, TextInput

USER_AAD = "00000000-0000-0000-0000-000000000001"  # from.aadObjectId in teams_fakes.activity()
CONVERSATION = "a:1-personal-chat"
FORM = "test.teams.form"
OPEN_FORM = "test.teams.open"


@pytest.fixture
def world(engine: Engine, openid: OpenIdServer, connector: FakeConnector) -> Iterator[TeamsWorld]:
    with teams_world(engine, openid, connector) as running:
        yield running


def catalogue_texts() -> set[str]:
    """Everything vpbot may say without data: every catalogue text (both languages)."""
    return {text for locale in i18n.SUPPORTED_LOCALES for text in i18n.catalogue(locale).values()}


def assert_content_free(activity: Mapping[str, Any]) -> Mapping[str, Any]:
    """A chat card: valid, only catalogue text, every button opens a dialog; the card."""
    [card] = list(cards_in(activity))
    assert_valid_card(card)
    assert set(card_texts(card)) <= catalogue_texts()
    for action in submit_actions(card):
        assert action["data"]["msteams"] == {"type": "task/fetch"}
        assert set(action["data"]["vpbot"]) <= {"action", "value"}
    return card


def button_data(card: Mapping[str, Any], action_id: str) -> Mapping[str, Any]:
    """The data of the button with ``action_id``."""
    return next(a["data"] for a in submit_actions(card) if a["data"]["vpbot"].get("action") == action_id)


def dialog_of(response: Any) -> dict[str, Any]:
    """The ``continue`` dialog of an invoke response, validated."""
    assert response.status_code == 200, response.text
    task = response.json()["task"]
    assert task["type"] == "continue", task
    assert_valid_card(task["value"]["card"]["content"])
    return task["value"]


# --------------------------------------------------------------------------- the journey


def test_install_welcome_dialogs_free_text_and_removal(
    world: TeamsWorld, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    marker = canary()
    caplog.set_level(logging.DEBUG)

    # Install: the tenant is registered, the installer is its first admin, one welcome card.
    assert world.install().status_code == 200
    [welcome] = world.posted()
    [post] = world.connector.activities()
    assert post.path == f"/emea/v3/conversations/{CONVERSATION}/activities"
    assert post.headers["authorization"] == f"Bearer {world.msal.issued[0]}"
    card = assert_content_free(welcome)
    labels = [a["title"] for a in submit_actions(card)]
    assert labels == [i18n.t(k, "nl") for k in ("button.menu.book", "button.menu.write", "button.menu.mine",
                                                 "button.menu.help", "button.panel.admin")]
    with world.container.uows() as uow:
        tenant = tenants.find_tenant(uow, "teams", USER_TENANT)
        assert tenant is not None
        ref = uow.session.scalars(select(ConversationRef)).one()
        person = uow.session.get(Person, ref.person_id)
        assert person is not None
        actor = tenants.actor_for(uow, person)
        recipient = load_recipient(uow, ref.person_id)
    assert actor.has(Role.ADMIN)
    assert recipient is not None and recipient.user_id == USER_AAD
    assert recipient.conversation_id == CONVERSATION and recipient.service_url == world.service_url

    # A welcome button opens its dialog (task/fetch), in the person's language.
    help_dialog = dialog_of(world.invoke("task/fetch", {"data": button_data(card, ActionId.MENU_HELP)}))
    assert help_dialog["title"] == i18n.t("help.title", "nl")

    # The message extension command opens the menu; a button inside it is a task/submit.
    menu = dialog_of(world.invoke("composeExtension/fetchTask", {"commandId": "vertrouwenspersoon",
                                                                 "commandContext": "compose"}))
    assert menu["title"] == i18n.t("home.title", "nl")
    menu_card = menu["card"]["content"]
    assert i18n.t("button.panel.admin", "nl") in card_texts(menu_card)
    clicked = dialog_of(world.invoke("task/submit", {"data": button_data(menu_card, ActionId.MENU_HELP)}))
    assert clicked["title"] == i18n.t("help.title", "nl")

    # Free text typed to the bot: a neutral reply, the text is not echoed.
    assert world.send(text=f"help, {marker} zit me dwars").status_code == 200
    reply = world.posted()[-1]
    reply_card = assert_content_free(reply)
    assert i18n.t("chat.neutral_reply", "nl") in card_texts(reply_card)
    assert button_data(reply_card, ActionId.OPEN_APP)["vpbot"] == {"action": ActionId.OPEN_APP}

    # No dialog answer was ever posted into the chat; the marker is nowhere it must not be.
    assert len(world.posted()) == 2
    assert marker not in world.outgoing_text()
    assert marker not in database_text(engine)
    assert marker not in caplog.text

    # Removal: the reference is gone and, as the last install, the tenant is uninstalled.
    assert world.send(type="installationUpdate", action="remove", text=None).status_code == 200
    with world.container.uows() as uow:
        assert uow.session.scalars(select(ConversationRef)).first() is None
        assert tenants.find_tenant(uow, "teams", USER_TENANT) is None
        assert uow.session.scalars(select(Tenant.status)).one() == "uninstalled"
    assert len(world.posted()) == 2  # nothing is posted on removal


# --------------------------------------------------------------------------- a form


def register_form(world: TeamsWorld, seen: list[Interaction]) -> None:
    """A small form on the bot's flows: ``lang=en`` is refused on that field."""

    def form() -> Screen:
        options = (Option("nl", "language.nl"), Option("en", "language.en"))
        return Screen(FORM, "home.title", (Text("home.choose"), TextInput("note", "language.label", multiline=True),
                                           Select("lang", "language.label", options)),
                      submit_key="modal.send", private_metadata={"step": 1, "ref": "a1b2"})

    @world.bot.flows.on_action(OPEN_FORM)
    def open_form(_context: FlowContext, interaction: Interaction) -> Outcome:
        return Outcome.show(form(), interaction)

    @world.bot.flows.on_submit(FORM)
    def submit(_context: FlowContext, interaction: Interaction) -> Outcome:
        seen.append(interaction)
        if interaction.values.get("lang") == "en":
            raise FieldError("lang", DomainError("input.invalid"))
        return Outcome(mode=Mode.CLOSE)


def test_a_submit_reaches_the_flows_errors_show_inline_and_nothing_reaches_the_chat(
    world: TeamsWorld, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    marker = canary()
    caplog.set_level(logging.DEBUG)
    seen: list[Interaction] = []
    register_form(world, seen)
    world.install()
    opened = dialog_of(world.invoke("task/fetch", {"data": {"msteams": {"type": "task/fetch"},
                                                            "vpbot": {"action": OPEN_FORM}}}))
    submit = submit_actions(opened["card"]["content"])[-1]

    # Refused on one field: the same form again, the error under that field, the text kept.
    again = dialog_of(world.invoke("task/submit", {"data": {**submit["data"], "note": marker, "lang": "en"}}))
    body = again["card"]["content"]["body"]
    lang = next(i for i, e in enumerate(body) if e.get("id") == "lang")
    assert body[lang + 1]["text"] == i18n.t("error.input.invalid", "nl") and body[lang + 1]["color"] == "attention"
    assert next(e for e in body if e.get("id") == "note")["value"] == marker

    # Accepted: the dialog closes; nothing is posted into the chat.
    closed = world.invoke("task/submit", {"data": {**submit["data"], "note": marker, "lang": "nl"}})
    assert closed.status_code == 200 and not closed.content
    assert [i.values["note"] for i in seen] == [marker, marker]
    assert dict(seen[-1].metadata) == {"step": 1, "ref": "a1b2"} and seen[-1].values["lang"] == "nl"
    assert len(world.posted()) == 1  # only the welcome card
    assert marker not in world.outgoing_text()
    assert marker not in database_text(engine)
    assert marker not in caplog.text


def test_a_dialog_opened_by_the_message_extension_closes_with_an_empty_object(world: TeamsWorld) -> None:
    register_form(world, [])
    world.install()
    opened = dialog_of(world.invoke("task/fetch", {"data": {"vpbot": {"action": OPEN_FORM}}}))
    submit = submit_actions(opened["card"]["content"])[-1]
    response = world.invoke("composeExtension/submitAction",
                            {"commandId": "vertrouwenspersoon", "data": {**submit["data"], "note": "x", "lang": "nl"}})
    assert response.status_code == 200 and response.json() == {}


# --------------------------------------------------------------------------- edges


def test_the_welcome_is_sent_once_when_teams_announces_the_install_twice(world: TeamsWorld) -> None:
    added = world.send(type="conversationUpdate", membersAdded=[BOT], text=None)
    assert added.status_code == 200
    assert world.install().status_code == 200
    assert len(world.posted()) == 1
    assert_content_free(world.posted()[0])


def test_the_second_installer_is_not_admin(world: TeamsWorld) -> None:
    world.install()
    other = {"id": "29:1-other", "aadObjectId": "00000000-0000-0000-0000-0000000000b2", "name": "Other"}
    world.install(**{"from": other, "conversation": {"id": "a:1-other-chat", "conversationType": "personal",
                                                      "tenantId": USER_TENANT}})
    welcome = world.posted()[-1]
    labels = [a["title"] for a in submit_actions(assert_content_free(welcome))]
    assert i18n.t("button.panel.admin", "nl") not in labels


def test_the_latest_service_url_wins(world: TeamsWorld) -> None:
    world.install()
    moved = world.connector.service_url("amer")
    assert world.send(type="messageReaction", text=None, serviceUrl=moved).status_code == 200
    with world.container.uows() as uow:
        assert uow.session.scalars(select(ConversationRef.service_url)).one() == moved


def test_one_removal_of_many_keeps_the_tenant(world: TeamsWorld) -> None:
    world.install()
    other = {"id": "29:1-other", "aadObjectId": "00000000-0000-0000-0000-0000000000b2"}
    world.install(**{"from": other})
    world.send(type="conversationUpdate", membersRemoved=[BOT], text=None)
    with world.container.uows() as uow:
        assert tenants.find_tenant(uow, "teams", USER_TENANT) is not None
        assert len(uow.session.scalars(select(ConversationRef)).all()) == 1


def test_a_broken_connector_does_not_break_the_install(world: TeamsWorld) -> None:
    world.connector.fail_next(503, "ServiceUnavailable")
    assert world.install().status_code == 200
    with world.container.uows() as uow:
        assert tenants.find_tenant(uow, "teams", USER_TENANT) is not None


def test_unknown_invokes_get_501_and_unknown_activities_200(world: TeamsWorld) -> None:
    assert world.invoke("composeExtension/query", {"commandId": "x"}).status_code == 501
    assert world.invoke("adaptiveCard/action", {"action": {"type": "Action.Execute"}}).status_code == 501
    assert world.send(type="somethingNewFromTeams", text=None).status_code == 200
    assert world.connector.activities() == []


def test_a_submit_that_is_not_vpbots_gets_a_neutral_message(world: TeamsWorld) -> None:
    response = world.invoke("task/submit", {"data": {"note": "x"}})
    assert response.status_code == 200
    assert response.json()["task"] == {"type": "message", "value": i18n.t("error.unexpected", "nl")}


def test_a_person_field_with_an_e_mail_address_is_refused_inline(world: TeamsWorld) -> None:
    from vpbot.ui.screens import UserPicker

    @world.bot.flows.on_action("test.teams.person")
    def open_person(_context: FlowContext, interaction: Interaction) -> Outcome:
        return Outcome.show(Screen("test.teams.person", "home.title", (UserPicker("user", "language.label"),),
                                   submit_key="modal.send"), interaction)

    world.install()
    opened = dialog_of(world.invoke("task/fetch", {"data": {"vpbot": {"action": "test.teams.person"}}}))
    submit = submit_actions(opened["card"]["content"])[-1]
    again = dialog_of(world.invoke("task/submit", {"data": {**submit["data"], "user": "iemand@example.org"}}))
    texts = card_texts(again["card"]["content"])
    assert i18n.t("teams.user_picker.invalid", "nl") in texts


def test_a_new_person_gets_the_language_of_their_teams_client(world: TeamsWorld) -> None:
    world.install(locale="en-GB")
    card = assert_content_free(world.posted()[0])
    assert i18n.t("home.intro", "en") in card_texts(card)
    menu = dialog_of(world.invoke("composeExtension/fetchTask", {"commandId": "vertrouwenspersoon"}, locale="nl-NL"))
    assert menu["title"] == i18n.t("home.title", "en")  # their language stays until they change it


def test_a_dialog_that_fails_still_records_where_to_reach_the_person(world: TeamsWorld) -> None:
    # The reference is saved in the dialog's transaction; when the dialog fails, that rolls
    # back, and a new serviceUrl must still be recorded (found in review, issue 8).
    assert world.invoke("task/fetch", {"data": {}}).status_code == 200
    moved = world.connector.service_url("amer")
    assert moved != world.service_url
    failed = world.invoke("task/fetch", {"data": {"vpbot": {"action": "vpbot.open", "value": "thread:not-an-id"}}},
                          serviceUrl=moved)
    assert failed.status_code == 200
    assert i18n.t("error.not_found", "nl") in json.dumps(failed.json(), ensure_ascii=False)
    with world.container.uows() as uow:
        assert uow.session.scalars(select(ConversationRef.service_url)).one() == moved

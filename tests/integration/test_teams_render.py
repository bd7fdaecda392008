"""Teams dialogs: every screen renders as a valid Adaptive Card 1.5, data is never markdown,
buttons and submits carry what the adapter needs to read them back.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import Any

import pytest
from sqlalchemy import Engine

from plugins.teams.dialogs import submit_request
from plugins.teams.render import CardRenderer
from plugins.teams.screen_codec import decode_screen, encode_screen
from tests.support.adaptive_cards import assert_valid_card, card_texts, submit_actions
from tests.support.core import uow_factory
from vpbot.flows.core import Interaction, Kind, Outcome
from vpbot.flows.registry import build_flows
from vpbot.services import tenants
from vpbot.ui import i18n
from vpbot.ui.actions import ActionId
from vpbot.ui.screens import (
    Button,
    Buttons,
    ButtonStyle,
    Checkboxes,
    DatePicker,
    Divider,
    DynamicText,
    Option,
    Screen,
    Select,
    SelectStyle,
    Text,
    TextInput,
    UserPicker,
)
from vpbot.ui.text import Dynamic, Msg, When

TENANT = "0b7f3a9e-2c1d-4e5f-8a6b-7c8d9e0f1a2b"
USER = "00000000-0000-0000-0000-0000000000a1"
TZ = "Europe/Amsterdam"
MARKDOWN = "**vet** _schuin_ [klik](https://evil.example) - lijst\n1. een"
LOCALES = ("nl", "en")


def render_everywhere(screen: Screen, **kwargs: Any) -> dict[str, Any]:
    """Render ``screen`` in every locale, validate each card; return the Dutch dialog."""
    dialogs = []
    for locale in LOCALES:
        renderer = CardRenderer(locale, TZ)
        dialog = renderer.dialog(screen, **kwargs)
        assert_valid_card(dialog["card"]["content"])
        assert dialog["title"] == renderer.text(screen.title_key)
        assert len(dialog["title"]) <= 24
        dialogs.append(dialog)
    return dialogs[0]


def key_with(*names: str) -> str:
    """A catalogue key whose text takes exactly the parameters ``names``."""
    return next(k for k in sorted(i18n.keys()) if i18n.placeholders(k) == frozenset(names))


def every_block_screen() -> Screen:
    """A screen with every block and field type, data in every place data may go."""
    at = datetime(2026, 9, 8, 12, 30, tzinfo=timezone.utc)
    options = (Option("nl", "language.nl"), Option("en", "language.en"),
               Option("slot-1", label_text=When(at)), Option("x-1", label_text=Dynamic(MARKDOWN[:70])))
    return Screen(
        "test.every",
        "home.title",
        (
            Text("home.intro"),
            Text("help.data.body", {"months": 12}, muted=True),
            Text(key_with("name"), {"name": Dynamic(MARKDOWN)}),
            Text(key_with("when"), {"when": When(at)}),
            DynamicText(Dynamic(MARKDOWN)),
            DynamicText(Dynamic("stil"), muted=True),
            Divider(),
            Buttons((Button(ActionId.MENU_BOOK, "button.menu.book", style=ButtonStyle.PRIMARY),
                     Button(ActionId.SLOT_PICK, label_text=When(at), value="slot-1"),
                     Button(ActionId.DATA_DELETE, "button.menu.data", style=ButtonStyle.DANGER),
                     Button(ActionId.MENU_HELP, "button.menu.help"))),
            Buttons((Button(ActionId.MENU_WRITE, "button.menu.write"),
                     Button(ActionId.OPEN_APP, label_text=Dynamic(MARKDOWN[:60])))),
            TextInput("note", "language.label", multiline=True, max_length=2000, hint_key="home.privacy",
                      placeholder_key="home.choose"),
            TextInput("own", "language.label", optional=True, initial=Dynamic("mijn eigen notitie")),
            Select("lang", "language.label", options, initial="nl"),
            Select("radio", "language.label", options[:2], style=SelectStyle.RADIO, optional=True),
            Checkboxes("many", "language.label", options[:2], initial=("en",)),
            Checkboxes("confirm", "language.label", options[:1], optional=False),
            DatePicker("day", "language.label", initial=date(2026, 9, 9)),
            UserPicker("user", "language.label"),
            Divider(),
        ),
        submit_key="modal.send",
        close_key="modal.close",
        private_metadata={"adviser": "a1b2c3", "step": 2, "anonymous": True, "none": None},
    )


def elements(card: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from card["body"]


def by_id(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in elements(card) if "id" in e}


# --------------------------------------------------------------------------- hand-built


def test_every_block_type_renders_as_a_valid_card() -> None:
    dialog = render_everywhere(every_block_screen())
    card = dialog["card"]["content"]
    assert dialog["card"]["contentType"] == "application/vnd.microsoft.card.adaptive"
    inputs = by_id(card)
    assert inputs["note"] == {**inputs["note"], "type": "Input.Text", "isMultiline": True, "maxLength": 2000,
                              "isRequired": True}
    assert inputs["own"]["value"] == "mijn eigen notitie" and "isRequired" not in inputs["own"]
    assert inputs["lang"]["style"] == "compact" and inputs["lang"]["value"] == "nl"
    assert inputs["radio"]["style"] == "expanded" and "isMultiSelect" not in inputs["radio"]
    assert inputs["many"]["isMultiSelect"] is True and inputs["many"]["value"] == "en"
    assert inputs["day"] == {**inputs["day"], "type": "Input.Date", "value": "2026-09-09"}
    assert inputs["user"]["type"] == "Input.Text" and inputs["user"]["regex"]
    assert all(e.get("errorMessage") for e in inputs.values() if e.get("isRequired"))


def test_data_is_never_rendered_as_markdown() -> None:
    card = CardRenderer("nl", TZ).card(every_block_screen())
    for element in elements(card):
        if element["type"] == "TextBlock":
            assert "evil.example" not in element["text"], "data in a TextBlock would be markdown"
    runs = [run["text"] for e in elements(card) if e["type"] == "RichTextBlock" for run in e["inlines"]]
    assert MARKDOWN in runs and any(MARKDOWN in text for text in runs if text != MARKDOWN)


def test_buttons_carry_action_value_screen_and_metadata_and_never_the_inputs() -> None:
    screen = every_block_screen()
    card = CardRenderer("nl", TZ).card(screen)
    *buttons, submit = submit_actions(card)
    slot = next(b for b in buttons if b["data"]["vpbot"]["action"] == ActionId.SLOT_PICK)
    assert slot["data"]["vpbot"] == {"action": "vpbot.slot.pick", "value": "slot-1", "screen": "test.every",
                                     "meta": {"adviser": "a1b2c3", "step": 2, "anonymous": True, "none": None}}
    assert all(b["associatedInputs"] == "none" for b in buttons)
    assert {b.get("style") for b in buttons} == {"positive", "destructive", None}
    data = submit["data"]["vpbot"]
    assert submit in card["actions"] and data["submit"] is True and data["screen"] == "test.every"
    assert data["lists"] == ["many", "confirm"] and data["users"] == ["user"]
    assert decode_screen(data["form"]) == screen


def test_a_divider_draws_a_rule_above_the_next_element_only() -> None:
    card = CardRenderer("nl", TZ).card(every_block_screen())
    ruled = [e for e in elements(card) if e.get("separator")]
    assert len(ruled) == 1 and ruled[0]["type"] == "ActionSet"


def test_short_buttons_share_a_row_and_long_ones_stand_alone() -> None:
    short = Buttons(tuple(Button(a, k) for a, k in ((ActionId.MENU_BOOK, "button.menu.book"),
                                                    (ActionId.MENU_HELP, "button.menu.help"),
                                                    (ActionId.MENU_DATA, "button.menu.data"),
                                                    (ActionId.MENU_LANGUAGE, "button.menu.language"))))
    long = Buttons((Button(ActionId.MENU_BOOK, "button.menu.book"), Button(ActionId.MENU_WRITE, "button.menu.write")))
    card = CardRenderer("nl", TZ).card(Screen("test.rows", "home.title", (short, long)))
    assert [len(e["actions"]) for e in elements(card)] == [3, 1, 1, 1]


def test_inline_errors_sit_under_their_field_and_typed_values_come_back() -> None:
    screen = every_block_screen()
    values = {"note": "wat ik typte", "many": ["nl", "en"], "lang": "en", "day": "2026-10-01", "user": "x"}
    errors = {"note": Msg("error.input.too_long"), "user": Msg("teams.user_picker.invalid")}
    dialog = render_everywhere(screen, values=values, errors=errors)
    body = dialog["card"]["content"]["body"]
    note = next(i for i, e in enumerate(body) if e.get("id") == "note")
    assert body[note]["value"] == "wat ik typte"
    assert body[note + 1]["color"] == "attention"
    assert body[note + 1]["text"] == i18n.t("error.input.too_long", "nl")
    inputs = by_id(dialog["card"]["content"])
    assert inputs["many"]["value"] == "nl,en" and inputs["lang"]["value"] == "en"
    assert inputs["day"]["value"] == "2026-10-01"


def test_the_screen_survives_the_round_trip_through_a_submit() -> None:
    screen = every_block_screen()
    submit = submit_actions(CardRenderer("en", TZ).card(screen))[-1]
    user = " 0A0B0C0D-0000-4000-8000-00000000000F "
    data = {**submit["data"], "note": "hallo", "many": "nl,en", "confirm": "", "user": user}
    request = submit_request({"data": data})
    assert request is not None and request.form == screen and not request.errors
    interaction = request.interaction
    assert interaction.kind is Kind.SUBMIT and interaction.id == "test.every"
    assert dict(interaction.metadata) == dict(screen.private_metadata)
    assert interaction.values["note"] == "hallo" and interaction.values["many"] == ["nl", "en"]
    assert interaction.values["confirm"] == [] and interaction.values["own"] is None
    assert interaction.values["user"] == "0a0b0c0d-0000-4000-8000-00000000000f"


def test_a_person_field_that_is_not_an_object_id_is_an_inline_error() -> None:
    submit = submit_actions(CardRenderer("nl", TZ).card(every_block_screen()))[-1]
    request = submit_request({"data": {**submit["data"], "user": "someone@example.org"}})
    assert request is not None and set(request.errors) == {"user"}


@pytest.mark.parametrize("tampered", [{"$": "Screen", "id": "x"}, {"$": "os.system"}, [1, 2], "Screen"])
def test_a_tampered_form_is_ignored_not_trusted(tampered: object) -> None:
    with pytest.raises(ValueError):
        decode_screen(tampered)
    submit = submit_actions(CardRenderer("nl", TZ).card(every_block_screen()))[-1]
    data = {"vpbot": {**submit["data"]["vpbot"], "form": tampered, "meta": {"ok": "a1", "bad": "two words"}}}
    request = submit_request({"data": data})
    assert request is not None and request.form is None
    assert dict(request.interaction.metadata) == {"ok": "a1"}


def test_the_codec_keeps_every_screen_of_the_menu_and_help() -> None:
    from vpbot.ui.views.home import help_screen, home_screen

    for screen in (home_screen(is_adviser=True, is_admin=True), help_screen(12), every_block_screen()):
        assert decode_screen(encode_screen(screen)) == screen


# --------------------------------------------------------------------------- flows


def _click(flows: Any, action: str, value: str | None = None, *, in_modal: bool = True) -> Outcome:
    interaction = Interaction(Kind.ACTION, action, value=value, in_modal=in_modal)
    _actor, outcome = flows.handle("teams", TENANT, USER, interaction)
    return outcome


def test_every_screen_the_menu_opens_renders(engine: Engine) -> None:
    uows = uow_factory(engine)
    with uows() as uow:
        tenant_id = tenants.register_tenant(uow, "teams", TENANT)
        tenants.grant_first_admin(uow, tenant_id, tenants.ensure_person(uow, tenant_id, USER).id)
        uow.commit()
    flows = build_flows(uows)
    home = _click(flows, ActionId.OPEN_APP, in_modal=False).screen
    assert home is not None and home.id == "vpbot.home"
    render_everywhere(home)
    seen = {home.id}
    for block in home.blocks:
        for button in block.buttons if isinstance(block, Buttons) else ():
            screen = _click(flows, button.action_id, button.value).screen
            if screen is not None:
                render_everywhere(screen)
                seen.add(screen.id)
    assert {"vpbot.home", "vpbot.help"} <= seen
    texts = card_texts(CardRenderer("nl", TZ).card(home))
    assert i18n.t("button.panel.admin", "nl") in texts

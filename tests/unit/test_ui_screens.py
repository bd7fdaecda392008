"""Screen model, text wrappers and option lists (vpbot.ui.screens / text / options)."""

from __future__ import annotations

import ast
import json
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pytest

import vpbot.ui
from vpbot.ui import i18n, options
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
from vpbot.ui.text import Dynamic, Msg, When, WhenStyle, render

AMS = "Europe/Amsterdam"
AT = datetime(2026, 11, 24, 13, 0, tzinfo=timezone.utc)
MARKER = "Kees pest mij al maanden"


def _booking_screen(**overrides: Any) -> Screen:
    values: dict[str, Any] = dict(
        id="vpbot.booking.details",
        title_key="booking.title",
        blocks=(
            Text("booking.intro"),
            Select(
                "adviser",
                "booking.adviser.label",
                (
                    Option("first", "booking.adviser.first_available"),
                    Option("3f2b8c1d9e4a4b6c8d7e6f5a4b3c2d1e", label_text=Dynamic("Anna de Vries")),
                ),
                initial="first",
            ),
            Select("mode", "booking.mode.label", options.mode_options(), style=SelectStyle.RADIO),
            Select(
                "category",
                "booking.category.label",
                options.category_options(),
                optional=True,
                hint_key="booking.category.hint",
            ),
            TextInput(
                "note",
                "booking.note.label",
                multiline=True,
                max_length=500,
                optional=True,
                hint_key=Msg("booking.note.hint", {"max": 500}),
            ),
            Divider(),
        ),
        submit_key="modal.next",
        close_key="modal.cancel",
        private_metadata={"step": "details", "day": "2026-11-24"},
    )
    values.update(overrides)
    return Screen(**values)


def test_a_booking_screen_builds() -> None:
    screen = _booking_screen()
    assert [f.id for f in screen.fields()] == ["adviser", "mode", "category", "note"]
    assert json.loads(screen.metadata_json()) == {"step": "details", "day": "2026-11-24"}


def test_every_title_key_can_title_a_screen() -> None:
    for key in sorted(k for k in i18n.keys() if k.endswith(".title")):
        Screen(id="x", title_key=key, blocks=())


@pytest.mark.parametrize("key", ["booking.intro", "modal.send", "button.open_app"])
def test_title_key_must_be_a_title(key: str) -> None:
    with pytest.raises(ValueError):
        Screen(id="x", title_key=key, blocks=())


def test_unknown_keys_fail_at_construction() -> None:
    with pytest.raises(KeyError):
        Screen(id="x", title_key="nope.title", blocks=())
    with pytest.raises(KeyError):
        Text("no.such.text")
    with pytest.raises(KeyError):
        Text(MARKER)


def test_submit_and_close_must_be_short_modal_keys() -> None:
    with pytest.raises(ValueError):
        _booking_screen(submit_key="button.menu.mine")
    with pytest.raises(ValueError):
        _booking_screen(close_key="booking.intro")


def test_inputs_need_a_submit_button() -> None:
    with pytest.raises(ValueError):
        _booking_screen(submit_key=None)


def test_field_ids_are_unique() -> None:
    with pytest.raises(ValueError):
        Screen(
            id="x",
            title_key="booking.title",
            submit_key="modal.send",
            blocks=(
                TextInput("note", "booking.note.label"),
                TextInput("note", "thread.body.label"),
            ),
        )


def test_blocks_must_be_blocks() -> None:
    with pytest.raises(TypeError):
        Screen(id="x", title_key="help.title", blocks=(MARKER,))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Screen(id="x", title_key="help.title", blocks=[Divider()])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "metadata",
    [
        {"note": MARKER},
        {"nested": {"a": "b"}},
        {"bad key": "x"},
        {"big": "x" * 151},
        {f"k{i}": "x" * 150 for i in range(30)},
    ],
)
def test_private_metadata_carries_identifiers_only(metadata: dict[str, Any]) -> None:
    with pytest.raises((ValueError, TypeError)):
        _booking_screen(private_metadata=metadata)


def test_private_metadata_is_frozen_copy() -> None:
    source = {"step": "details"}
    screen = _booking_screen(private_metadata=source)
    source["step"] = "changed"
    assert screen.private_metadata["step"] == "details"
    with pytest.raises(TypeError):
        screen.private_metadata["step"] = "x"  # type: ignore[index]


# --- text -------------------------------------------------------------------------------


def test_text_parameters_must_be_wrapped() -> None:
    with pytest.raises(TypeError):
        Text("booking.confirm.adviser", {"adviser": MARKER})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        Text("data.appointments", {"count": True})
    with pytest.raises(ValueError):
        Text("booking.confirm.adviser")  # missing parameter
    with pytest.raises(ValueError):
        Text("booking.intro", {"extra": 1})


def test_text_renders_nested_messages_data_and_times() -> None:
    when = Text("booking.confirm.when", {"when": When(AT)})
    mode = Text("booking.confirm.mode", {"mode": Msg("mode.video")})
    who = Text("booking.confirm.adviser", {"adviser": Dynamic("Anna de Vries")})
    assert when.msg.render("nl", AMS) == "Wanneer: dinsdag 24 november om 14:00"
    assert mode.msg.render("en", AMS) == "How: Video call"
    assert who.msg.render("nl", AMS) == "Met: Anna de Vries"
    assert render(When(AT, WhenStyle.DATE), "en", AMS) == "Tuesday 24 November"
    assert render(When(AT, WhenStyle.TIME), "nl", AMS) == "14:00"
    assert hash(when) == hash(Text("booking.confirm.when", {"when": When(AT)}))


def test_when_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        When(datetime(2026, 11, 24, 13, 0))


def test_dynamic_text_must_be_wrapped_and_bounded() -> None:
    DynamicText(Dynamic(MARKER))
    with pytest.raises(TypeError):
        DynamicText(MARKER)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        DynamicText(Dynamic("x" * 3001))


# --- buttons and options ------------------------------------------------------------


def test_button_labels_are_button_keys_or_marked_data() -> None:
    Button(ActionId.MENU_BOOK, "button.menu.book", style=ButtonStyle.PRIMARY)
    slot = When(AT, WhenStyle.TIME)
    Button(ActionId.SLOT_PICK, value="2026-11-24T13:00:00+00:00", label_text=slot)
    with pytest.raises(ValueError):
        Button(ActionId.MENU_BOOK, "booking.intro")
    with pytest.raises(ValueError):
        Button(ActionId.MENU_BOOK)
    with pytest.raises(ValueError):
        Button(ActionId.MENU_BOOK, "button.menu.book", label_text=Dynamic("x"))
    with pytest.raises(ValueError):
        Button(ActionId.SLOT_PICK, label_text=Dynamic("x" * 76))
    with pytest.raises(TypeError):
        Button(ActionId.SLOT_PICK, label_text=MARKER)  # type: ignore[arg-type]


def test_button_values_and_ids_are_identifiers() -> None:
    with pytest.raises(ValueError):
        Button(ActionId.OPEN_APP, "button.open_app", value=MARKER)
    with pytest.raises(ValueError):
        Button("has space", "button.open_app")


def test_buttons_row_limits() -> None:
    button = Button(ActionId.OPEN_APP, "button.open_app")
    Buttons((button,) * 25)
    with pytest.raises(ValueError):
        Buttons((button,) * 26)
    with pytest.raises(ValueError):
        Buttons(())


def test_option_values_are_identifiers_and_labels_fit() -> None:
    with pytest.raises(ValueError):
        Option(MARKER, "category.other")
    with pytest.raises(ValueError):
        Option("x", label_text=Dynamic("y" * 76))


@pytest.mark.parametrize(
    "factory",
    [
        options.category_options,
        options.referral_type_options,
        options.mode_options,
        options.language_options,
        options.referral_choice_options,
        options.disclosure_ground_options,
        lambda: options.adviser_kind_options(include_any=True),
    ],
)
def test_option_lists_build_within_slack_limits(factory: Any) -> None:
    built = factory()
    assert built and all(isinstance(o, Option) for o in built)
    Select("x", "booking.category.label", built)


def test_option_lists_reject_unknown_values() -> None:
    with pytest.raises(ValueError):
        options.category_options(["bullying", "gossip"])
    assert [o.value for o in options.category_options(["other"])] == ["other"]


def test_select_limits() -> None:
    many = tuple(Option(f"v{i}", label_text=Dynamic(str(i))) for i in range(101))
    Select("x", "booking.time.label", many[:100])
    with pytest.raises(ValueError):
        Select("x", "booking.time.label", many)
    with pytest.raises(ValueError):
        Select("x", "booking.time.label", many[:11], style=SelectStyle.RADIO)
    with pytest.raises(ValueError):
        Select("x", "booking.time.label", many[:3], initial="v9")
    with pytest.raises(ValueError):
        Select("x", "booking.time.label", (many[0], many[0]))


def test_checkboxes_and_other_fields() -> None:
    Checkboxes(
        "anon",
        "thread.anonymous.label",
        (Option("yes", "thread.anonymous.option"),),
        initial=("yes",),
    )
    with pytest.raises(ValueError):
        Checkboxes(
            "anon",
            "thread.anonymous.label",
            (Option("yes", "thread.anonymous.option"),),
            initial=("no",),
        )
    DatePicker("day", "booking.day.label", initial=date(2026, 11, 24))
    with pytest.raises(TypeError):
        DatePicker("day", "booking.day.label", initial="2026-11-24")  # type: ignore[arg-type]
    UserPicker("who", "admin.adviser.user.label")


def test_text_input_limits_and_initial() -> None:
    with pytest.raises(ValueError):
        TextInput("note", "booking.note.label", max_length=3001)
    with pytest.raises(TypeError):
        TextInput("note", "booking.note.label", initial=MARKER)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        TextInput("note", "booking.note.label", max_length=5, initial=Dynamic("123456"))
    with pytest.raises(TypeError):
        TextInput("note", "booking.note.label", hint_key=Dynamic(MARKER))  # type: ignore[arg-type]


# --- package hygiene ----------------------------------------------------------------


FORBIDDEN = {
    "slack_sdk",
    "slack_bolt",
    "slack",
    "msal",
    "sqlalchemy",
    "starlette",
    "microsoft_teams",
    "alembic",
    "apscheduler",
    "uvicorn",
    "httpx",
}


def test_ui_imports_no_platform_or_storage_framework() -> None:
    root = Path(vpbot.ui.__file__).parent
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, (path.name, name)

"""Platform-neutral screens: what a modal (Slack) or dialog (Teams) shows and asks.

Services build a :class:`Screen`; the Slack plugin renders it as a Block Kit modal, the
Teams plugin as an Adaptive Card dialog. Everything the product writes is a message key
(or a :class:`~vpbot.ui.text.Msg`); data may appear only through the explicit
:class:`~vpbot.ui.text.Dynamic` / :class:`~vpbot.ui.text.When` wrappers, and only where a
field allows it. Text is plain, never markdown, so data cannot inject formatting or links.

Slack's limits are checked when a screen is built, in every supported locale, so an
oversized title or option fails in a unit test instead of as an ``invalid_arguments``
error in front of an employee.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from types import MappingProxyType
from typing import TypeAlias

from vpbot.ui import i18n
from vpbot.ui.text import Dynamic, Msg, Param, When, as_msg

__all__ = [
    "BLOCKS_MAX",
    "BUTTONS_MAX",
    "BUTTON_LABEL_MAX",
    "CHECKBOX_OPTIONS_MAX",
    "MODAL_BUTTON_MAX",
    "OPTION_LABEL_MAX",
    "PRIVATE_METADATA_MAX",
    "RADIO_OPTIONS_MAX",
    "SELECT_OPTIONS_MAX",
    "TEXT_INPUT_MAX",
    "TEXT_MAX",
    "TITLE_MAX",
    "Block",
    "Button",
    "ButtonStyle",
    "Buttons",
    "Checkboxes",
    "DatePicker",
    "Divider",
    "DynamicText",
    "Field",
    "Option",
    "Screen",
    "Select",
    "SelectStyle",
    "Text",
    "TextInput",
    "UserPicker",
]

# Slack's limits (https://api.slack.com/reference/surfaces/views, .../block-kit).
TITLE_MAX = 24  # modal title
MODAL_BUTTON_MAX = 24  # modal submit / close
BUTTON_LABEL_MAX = 75
OPTION_LABEL_MAX = 75
SELECT_OPTIONS_MAX = 100
RADIO_OPTIONS_MAX = 10
CHECKBOX_OPTIONS_MAX = 10
BUTTONS_MAX = 25  # elements in one actions block
BLOCKS_MAX = 100  # blocks in one modal
TEXT_MAX = 3000  # section text
TEXT_INPUT_MAX = 3000  # plain_text_input max_length
PRIVATE_METADATA_MAX = 3000

# Ids name fields and actions; values travel through the platform and come back on submit.
# Neither may carry content, so both are restricted to identifier characters (no spaces).
_ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,255}$")
_VALUE_RE = re.compile(r"^[A-Za-z0-9_.:+\-]{1,150}$")
_CHECK_TZ = "UTC"  # lengths are checked with a fixed zone; the zone barely changes them


def _check_id(kind: str, value: object) -> None:
    if not isinstance(value, str) or not _ID_RE.fullmatch(value):
        raise ValueError(f"{kind} must match {_ID_RE.pattern}, got {value!r}")


def _check_value(kind: str, value: object) -> None:
    if not isinstance(value, str) or not _VALUE_RE.fullmatch(value):
        raise ValueError(f"{kind} must be an identifier matching {_VALUE_RE.pattern}")


def _longest(label: Msg | Dynamic | When) -> int:
    """The longest rendering of a label over all supported locales."""
    if isinstance(label, Dynamic):
        return len(label.text)
    if isinstance(label, Msg) and not label.params:
        return _longest_plain(label.key)
    return max(len(label.render(loc, _CHECK_TZ)) for loc in i18n.SUPPORTED_LOCALES)


@cache  # bounded by the catalogue; its texts do not change while running
def _longest_plain(key: str) -> int:
    return max(len(Msg(key).render(loc, _CHECK_TZ)) for loc in i18n.SUPPORTED_LOCALES)


def _check_length(kind: str, label: Msg | Dynamic | When, limit: int) -> None:
    if _longest(label) > limit:
        raise ValueError(f"{kind} is longer than {limit} characters in some locale")


def _short_key(kind: str, key: object, *, prefix: str = "", suffix: str = "", limit: int) -> None:
    if not isinstance(key, str):
        raise TypeError(f"{kind} must be a message key (str)")
    if not (key.startswith(prefix) and key.endswith(suffix)):
        raise ValueError(f"{kind} {key!r} must look like '{prefix}*{suffix}'")
    _check_length(kind, Msg(key), limit)


def _data_label(
    kind: str, label_key: str | Msg | None, label_text: Dynamic | When | None
) -> Msg | Dynamic | When:
    if (label_key is None) == (label_text is None):
        raise ValueError(f"{kind} needs exactly one of label_key and label_text")
    if label_text is not None:
        if not isinstance(label_text, (Dynamic, When)):
            raise TypeError(f"{kind}.label_text must be Dynamic or When")
        return label_text
    return as_msg(label_key)  # type: ignore[arg-type]


def _optional_msg(kind: str, value: str | Msg | None) -> Msg | None:
    if value is None:
        return None
    try:
        return as_msg(value)
    except TypeError as exc:
        raise TypeError(f"{kind}: {exc}") from None


# --- buttons and options ------------------------------------------------------------


class ButtonStyle(enum.StrEnum):
    """Visual emphasis; ``None`` on a button means the platform default."""

    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True)
class Button:
    """A clickable action. ``value`` is an identifier (e.g. an object ref), never content.

    Product labels are keys under ``button.*``; a data label (a time slot) goes in
    ``label_text``.
    """

    action_id: str
    label_key: str | Msg | None = None
    value: str | None = None
    style: ButtonStyle | None = None
    label_text: Dynamic | When | None = None

    def __post_init__(self) -> None:
        _check_id("Button.action_id", self.action_id)
        label = _data_label("Button", self.label_key, self.label_text)
        if isinstance(label, Msg) and not label.key.startswith("button."):
            raise ValueError(f"button label keys live under 'button.*', got {label.key!r}")
        _check_length("Button label", label, BUTTON_LABEL_MAX)
        if self.value is not None:
            _check_value("Button.value", self.value)
        if self.style is not None and not isinstance(self.style, ButtonStyle):
            raise TypeError("Button.style must be a ButtonStyle or None")

    @property
    def label(self) -> Msg | Dynamic | When:
        """The label to render."""
        return _data_label("Button", self.label_key, self.label_text)


@dataclass(frozen=True)
class Option:
    """One choice in a :class:`Select` or :class:`Checkboxes`."""

    value: str
    label_key: str | Msg | None = None
    label_text: Dynamic | When | None = None

    def __post_init__(self) -> None:
        _check_value("Option.value", self.value)
        _check_length("Option label", self.label, OPTION_LABEL_MAX)

    @property
    def label(self) -> Msg | Dynamic | When:
        """The label to render."""
        return _data_label("Option", self.label_key, self.label_text)


# --- display blocks -----------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A translated paragraph. ``muted`` renders as secondary text (Slack context block)."""

    key: str
    params: Mapping[str, Param] = field(default_factory=dict)
    muted: bool = False

    def __post_init__(self) -> None:
        msg = Msg(self.key, self.params)  # validates key and parameters
        object.__setattr__(self, "params", msg.params)
        _check_length("Text", msg, TEXT_MAX)

    def __hash__(self) -> int:
        return hash((self.msg, self.muted))

    @property
    def msg(self) -> Msg:
        """The message to render."""
        return Msg(self.key, self.params)


@dataclass(frozen=True)
class DynamicText:
    """Data shown verbatim inside a modal the viewer opened (a message, a note; DESIGN C2)."""

    content: Dynamic
    muted: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.content, Dynamic):
            raise TypeError("DynamicText.content must be Dynamic")
        _check_length("DynamicText", self.content, TEXT_MAX)


@dataclass(frozen=True)
class Divider:
    """A horizontal rule."""


@dataclass(frozen=True)
class Buttons:
    """A row of buttons."""

    buttons: tuple[Button, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.buttons, tuple) or not self.buttons:
            raise ValueError("Buttons needs a non-empty tuple of Button")
        if len(self.buttons) > BUTTONS_MAX:
            raise ValueError(f"at most {BUTTONS_MAX} buttons in one row")
        for button in self.buttons:
            if not isinstance(button, Button):
                raise TypeError("Buttons.buttons must contain Button values")


# --- input fields -------------------------------------------------------------------


@dataclass(frozen=True)
class TextInput:
    """A free-text input.

    ``initial`` exists only to let someone edit their *own* stored text (an adviser's case
    note) inside a modal they opened; it must never carry another person's input (C2/C3).
    """

    id: str
    label_key: str | Msg
    multiline: bool = False
    max_length: int | None = None
    optional: bool = False
    hint_key: str | Msg | None = None
    placeholder_key: str | Msg | None = None
    initial: Dynamic | None = None

    def __post_init__(self) -> None:
        _check_id("TextInput.id", self.id)
        as_msg(self.label_key)
        _optional_msg("TextInput.hint_key", self.hint_key)
        placeholder = _optional_msg("TextInput.placeholder_key", self.placeholder_key)
        if placeholder is not None:
            _check_length("TextInput placeholder", placeholder, 150)
        if self.max_length is not None:
            if isinstance(self.max_length, bool) or not isinstance(self.max_length, int):
                raise TypeError("TextInput.max_length must be an int")
            if not 1 <= self.max_length <= TEXT_INPUT_MAX:
                raise ValueError(f"TextInput.max_length must be 1..{TEXT_INPUT_MAX}")
        if self.initial is not None:
            if not isinstance(self.initial, Dynamic):
                raise TypeError("TextInput.initial must be Dynamic")
            limit = self.max_length or TEXT_INPUT_MAX
            if len(self.initial.text) > limit:
                raise ValueError("TextInput.initial is longer than max_length")


class SelectStyle(enum.StrEnum):
    """Dropdown (many options) or radio buttons (a few, all visible)."""

    DROPDOWN = "dropdown"
    RADIO = "radio"


def _check_options(kind: str, options: object, limit: int) -> tuple[str, ...]:
    if not isinstance(options, tuple) or not options:
        raise ValueError(f"{kind}.options must be a non-empty tuple of Option")
    if len(options) > limit:
        raise ValueError(f"{kind} allows at most {limit} options")
    for option in options:
        if not isinstance(option, Option):
            raise TypeError(f"{kind}.options must contain Option values")
    values = tuple(option.value for option in options)
    if len(set(values)) != len(values):
        raise ValueError(f"{kind} option values must be unique")
    return values


@dataclass(frozen=True)
class Select:
    """Choose one option; ``initial`` is the value of the preselected option."""

    id: str
    label_key: str | Msg
    options: tuple[Option, ...]
    optional: bool = False
    initial: str | None = None
    style: SelectStyle = SelectStyle.DROPDOWN
    hint_key: str | Msg | None = None

    def __post_init__(self) -> None:
        _check_id("Select.id", self.id)
        as_msg(self.label_key)
        _optional_msg("Select.hint_key", self.hint_key)
        if not isinstance(self.style, SelectStyle):
            raise TypeError("Select.style must be a SelectStyle")
        limit = RADIO_OPTIONS_MAX if self.style is SelectStyle.RADIO else SELECT_OPTIONS_MAX
        values = _check_options("Select", self.options, limit)
        if self.initial is not None and self.initial not in values:
            raise ValueError("Select.initial must be one of the option values")


@dataclass(frozen=True)
class Checkboxes:
    """Choose any number of options; ``initial`` lists the preselected values."""

    id: str
    label_key: str | Msg
    options: tuple[Option, ...]
    optional: bool = True
    initial: tuple[str, ...] = ()
    hint_key: str | Msg | None = None

    def __post_init__(self) -> None:
        _check_id("Checkboxes.id", self.id)
        as_msg(self.label_key)
        _optional_msg("Checkboxes.hint_key", self.hint_key)
        values = _check_options("Checkboxes", self.options, CHECKBOX_OPTIONS_MAX)
        if not isinstance(self.initial, tuple) or not set(self.initial) <= set(values):
            raise ValueError("Checkboxes.initial must be a tuple of option values")


@dataclass(frozen=True)
class DatePicker:
    """Choose a calendar day (in the viewer's time zone)."""

    id: str
    label_key: str | Msg
    optional: bool = False
    initial: date | None = None
    hint_key: str | Msg | None = None

    def __post_init__(self) -> None:
        _check_id("DatePicker.id", self.id)
        as_msg(self.label_key)
        _optional_msg("DatePicker.hint_key", self.hint_key)
        if self.initial is not None and not isinstance(self.initial, date):
            raise TypeError("DatePicker.initial must be a date")


@dataclass(frozen=True)
class UserPicker:
    """Choose a person in the workspace / tenant (admins appointing an adviser)."""

    id: str
    label_key: str | Msg
    optional: bool = False
    hint_key: str | Msg | None = None

    def __post_init__(self) -> None:
        _check_id("UserPicker.id", self.id)
        as_msg(self.label_key)
        _optional_msg("UserPicker.hint_key", self.hint_key)


Field: TypeAlias = TextInput | Select | Checkboxes | DatePicker | UserPicker
Block: TypeAlias = Text | DynamicText | Divider | Buttons | Field

_FIELD_TYPES = (TextInput, Select, Checkboxes, DatePicker, UserPicker)
_BLOCK_TYPES = (Text, DynamicText, Divider, Buttons, *_FIELD_TYPES)

# What private_metadata may hold: identifiers, numbers, flags. It round-trips through the
# platform, so it must never carry content (a note, a message, a name).
MetadataValue: TypeAlias = str | int | bool | None


# --- the screen ---------------------------------------------------------------------


@dataclass(frozen=True)
class Screen:
    """One modal / dialog.

    ``id`` becomes the Slack ``callback_id`` / Teams dialog action, ``private_metadata``
    carries identifiers between steps (e.g. ``{"adviser": "<uuid hex>", "step": "day"}``).
    """

    id: str
    title_key: str
    blocks: tuple[Block, ...]
    submit_key: str | None = None
    close_key: str | None = None
    private_metadata: Mapping[str, MetadataValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_id("Screen.id", self.id)
        _short_key("Screen.title_key", self.title_key, suffix=".title", limit=TITLE_MAX)
        for name in ("submit_key", "close_key"):
            key = getattr(self, name)
            if key is not None:
                _short_key(f"Screen.{name}", key, prefix="modal.", limit=MODAL_BUTTON_MAX)
        self._check_blocks()
        object.__setattr__(self, "private_metadata", self._checked_metadata())

    def __hash__(self) -> int:
        return hash(
            (
                self.id,
                self.title_key,
                self.blocks,
                self.submit_key,
                self.close_key,
                tuple(sorted(self.private_metadata.items())),
            )
        )

    def _check_blocks(self) -> None:
        if not isinstance(self.blocks, tuple):
            raise TypeError("Screen.blocks must be a tuple")
        if len(self.blocks) > BLOCKS_MAX:
            raise ValueError(f"a screen holds at most {BLOCKS_MAX} blocks")
        for block in self.blocks:
            if not isinstance(block, _BLOCK_TYPES):
                raise TypeError(f"not a block: {type(block).__name__}")
        ids = [f.id for f in self.fields()]
        if len(set(ids)) != len(ids):
            raise ValueError("field ids must be unique within a screen")
        if ids and self.submit_key is None:
            raise ValueError("a screen with input fields needs a submit_key")

    def _checked_metadata(self) -> Mapping[str, MetadataValue]:
        if not isinstance(self.private_metadata, Mapping):
            raise TypeError("Screen.private_metadata must be a mapping")
        for name, value in self.private_metadata.items():
            _check_id("private_metadata key", name)
            if isinstance(value, str):
                _check_value(f"private_metadata[{name!r}]", value)
            elif value is not None and not isinstance(value, (int, bool)):
                raise TypeError(f"private_metadata[{name!r}] must be an id, int, bool or None")
        frozen = MappingProxyType(dict(self.private_metadata))
        if len(_metadata_json(frozen)) > PRIVATE_METADATA_MAX:
            raise ValueError(f"private_metadata exceeds {PRIVATE_METADATA_MAX} characters")
        return frozen

    def fields(self) -> tuple[Field, ...]:
        """The input fields, in display order."""
        return tuple(b for b in self.blocks if isinstance(b, _FIELD_TYPES))

    def metadata_json(self) -> str:
        """``private_metadata`` as the compact JSON string the platforms carry."""
        return _metadata_json(self.private_metadata)


def _metadata_json(metadata: Mapping[str, MetadataValue]) -> str:
    return json.dumps(dict(metadata), separators=(",", ":"), sort_keys=True)

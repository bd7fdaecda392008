"""A screen as JSON and back, so a Teams dialog can be shown again after a failed submit.

Teams dialogs keep no state and have no per-field server errors: when a submit fails on one
field, vpbot answers with the same screen plus an error next to that field. The screen
travels in the submit button's data (it holds only what the dialog already shows: message
keys, identifiers, and the data the viewer opened) and comes back with the submit.

Decoding rebuilds the screen from an allow-list of the screen model's own types, so every
check of :mod:`vpbot.ui.screens` and :mod:`vpbot.ui.text` runs again: a tampered payload
can at most produce another valid screen for the person who tampered with it. Anything
else raises :class:`ValueError`.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

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
from vpbot.ui.text import Dynamic, Msg, When, WhenStyle

TAG = "$"  # never a field name, metadata key or parameter name (those are identifiers)
MAX_DEPTH = 12

_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (Screen, Text, DynamicText, Divider, Buttons, Button, Option, TextInput, Select,
                Checkboxes, DatePicker, UserPicker, Msg, Dynamic, When)
}
_ENUMS: dict[str, type[enum.Enum]] = {cls.__name__: cls for cls in (ButtonStyle, SelectStyle, WhenStyle)}


def encode_screen(screen: Screen) -> dict[str, Any]:
    """``screen`` as a JSON-ready value."""
    encoded = _encode(screen)
    assert isinstance(encoded, dict)
    return encoded


def decode_screen(raw: object) -> Screen:
    """The screen encoded in ``raw``; :class:`ValueError` if it is not a valid one."""
    try:
        screen = _decode(raw, 0)
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        raise ValueError(f"not an encoded screen ({type(exc).__name__})") from None
    if not isinstance(screen, Screen):
        raise ValueError("not an encoded screen")
    return screen


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        # The screen model's style enums are tagged; other str enums (action ids) are ids.
        return {TAG: type(value).__name__, "v": value.value} if type(value).__name__ in _ENUMS else value.value
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, datetime):
        return {TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {TAG: "date", "v": value.isoformat()}
    if dataclasses.is_dataclass(value) and type(value).__name__ in _CLASSES:
        return _encode_object(value)
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    if isinstance(value, Mapping):
        return {TAG: "map", "v": {str(k): _encode(v) for k, v in value.items()}}
    raise TypeError(f"cannot encode {type(value).__name__}")


def _encode_object(value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {TAG: type(value).__name__}
    for spec in dataclasses.fields(value):
        item = getattr(value, spec.name)
        if item == _default(spec):
            continue  # keep the payload small
        out[spec.name] = _encode(item)
    return out


def _default(spec: dataclasses.Field[Any]) -> Any:
    if spec.default is not dataclasses.MISSING:
        return spec.default
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return dataclasses.MISSING


def _decode(raw: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError("nested too deeply")
    if raw is None or isinstance(raw, (bool, int, str)):
        return raw
    if isinstance(raw, list):
        return tuple(_decode(item, depth + 1) for item in raw)
    if not isinstance(raw, dict):
        raise TypeError("unexpected JSON value")
    tag = raw.get(TAG)
    if tag == "map":
        return {str(k): _decode(v, depth + 1) for k, v in dict(raw["v"]).items()}
    if tag == "date":
        return date.fromisoformat(str(raw["v"]))
    if tag == "datetime":
        return datetime.fromisoformat(str(raw["v"]))
    if tag in _ENUMS:
        return _ENUMS[tag](raw["v"])
    if tag in _CLASSES:
        cls = _CLASSES[tag]
        names = {spec.name for spec in dataclasses.fields(cls)}
        if set(raw) - names - {TAG}:
            raise ValueError("unexpected field")
        return cls(**{k: _decode(v, depth + 1) for k, v in raw.items() if k != TAG})
    raise ValueError("unknown tag")

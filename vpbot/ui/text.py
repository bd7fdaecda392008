"""Typed pieces of text for screens: catalogue messages and explicitly marked data.

Everything vpbot itself says is a :class:`Msg` — a catalogue key plus parameters — so it
is translated and reviewed in one place. Data that legitimately has to appear inside a
modal (an adviser's name, a message the employee wrote, a time) must be wrapped in
:class:`Dynamic` or :class:`When`. A bare ``str`` is never accepted as a parameter: that
keeps "someone's free text" from slipping into a product text by accident, and makes
every place where data is shown easy to find (DESIGN C2).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from types import MappingProxyType
from typing import TypeAlias

from vpbot.ui import i18n

__all__ = [
    "Dynamic",
    "Label",
    "LabelRenderer",
    "Msg",
    "Param",
    "When",
    "WhenStyle",
    "as_msg",
    "render",
]


@dataclass(frozen=True)
class Dynamic:
    """Literal data shown as-is (never translated, never interpreted as markup).

    Use only inside modals / dialogs that the authorised person opened (DESIGN C2), never
    in a notification — :mod:`vpbot.ui.notifications` has no way to hold one.
    """

    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TypeError("Dynamic.text must be a str")


class WhenStyle(enum.StrEnum):
    """How a :class:`When` is rendered."""

    DATETIME = "datetime"  # "dinsdag 24 november om 14:00"
    DATE = "date"  # "dinsdag 24 november"
    TIME = "time"  # "14:00"


@dataclass(frozen=True)
class When:
    """A moment, rendered in the viewer's locale and time zone at render time."""

    at: datetime
    style: WhenStyle = WhenStyle.DATETIME

    def __post_init__(self) -> None:
        if not isinstance(self.at, datetime):
            raise TypeError("When.at must be a datetime")
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError("When.at must be timezone-aware")
        if not isinstance(self.style, WhenStyle):
            raise TypeError("When.style must be a WhenStyle")
        object.__setattr__(self, "at", self.at.astimezone(timezone.utc))

    def render(self, locale: str, tz: str) -> str:
        """Format this moment for ``locale`` in time zone ``tz``."""
        if self.style is WhenStyle.DATE:
            return i18n.format_date(self.at, tz, locale)
        if self.style is WhenStyle.TIME:
            return i18n.format_time(self.at, tz, locale)
        return i18n.format_when(self.at, tz, locale)


@dataclass(frozen=True)
class Msg:
    """A catalogue message: a key that must exist, and exactly the parameters it needs.

    Both are checked at construction, so a wrong key or a missing parameter fails where
    the screen is built, not later inside a platform renderer.
    """

    key: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.key, str):
            raise TypeError("Msg.key must be a str")
        if not i18n.has_key(self.key):
            raise KeyError(f"unknown message key: {self.key!r}")
        if not isinstance(self.params, Mapping):
            raise TypeError("Msg.params must be a mapping")
        for name, value in self.params.items():
            _check_param(self.key, name, value)
        expected = i18n.placeholders(self.key)
        if set(self.params) != expected:
            raise ValueError(
                f"message {self.key!r} takes parameters {sorted(expected)}, "
                f"got {sorted(self.params)}"
            )
        # A private read-only copy: the caller's dict cannot change a built screen.
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def __hash__(self) -> int:
        # The generated hash would fail on the mapping; parameters are hashable values.
        return hash((self.key, tuple(sorted(self.params.items()))))

    def render(self, locale: str, tz: str) -> str:
        """The translated text with every parameter rendered for ``locale`` / ``tz``."""
        values = {name: _render_param(value, locale, tz) for name, value in self.params.items()}
        return i18n.t(self.key, locale, **values)


# int for counts; Dynamic / When for data; Msg for a translated fragment (e.g. a mode).
Param: TypeAlias = "int | Dynamic | When | Msg"

# What a label may be where data is allowed: a key (str), a message, or marked data.
Label: TypeAlias = "str | Msg | Dynamic | When"


def _check_param(key: str, name: str, value: object) -> None:
    if not isinstance(name, str):
        raise TypeError(f"parameter names of {key!r} must be str")
    # bool is an int subclass but never a meaningful count in a text.
    if isinstance(value, bool) or not isinstance(value, (int, Dynamic, When, Msg)):
        raise TypeError(
            f"parameter {name!r} of {key!r} must be int, Dynamic, When or Msg, "
            f"not {type(value).__name__} (wrap data in Dynamic explicitly)"
        )


def _render_param(value: Param, locale: str, tz: str) -> str | int:
    if isinstance(value, int):
        return value
    if isinstance(value, Dynamic):
        return value.text
    return value.render(locale, tz)


def as_msg(label: str | Msg) -> Msg:
    """Turn a bare key into a parameterless :class:`Msg`; pass a :class:`Msg` through."""
    if isinstance(label, Msg):
        return label
    if isinstance(label, str):
        return Msg(label)
    raise TypeError(f"expected a message key or Msg, not {type(label).__name__}")


def render(label: Msg | Dynamic | When, locale: str, tz: str) -> str:
    """Render any label for ``locale`` and time zone ``tz`` — the one call renderers need."""
    if isinstance(label, Dynamic):
        return label.text
    if isinstance(label, (Msg, When)):
        return label.render(locale, tz)
    raise TypeError(f"cannot render {type(label).__name__}")


class LabelRenderer:
    """Renders labels for one person, in their language and time zone.

    The base of the platform renderers (Block Kit, Adaptive Cards): a bare ``str`` is a
    message key; anything else goes through :func:`render`.
    """

    def __init__(self, locale: str, tz: str) -> None:
        self.locale = locale
        self.tz = tz

    def text(self, label: str | Msg | Dynamic | When) -> str:
        """Render a key, Msg, Dynamic or When to a string."""
        if isinstance(label, str):
            return i18n.t(label, self.locale)
        return render(label, self.locale, self.tz)

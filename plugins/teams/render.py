"""Render platform-neutral screens as Adaptive Card 1.5 dialogs (Teams task modules).

Rules:

- **No markdown from data.** A ``TextBlock`` interprets a markdown subset (links, bold,
  lists), so any paragraph that carries data (:class:`~vpbot.ui.text.Dynamic`, directly or
  as a message parameter) is a ``RichTextBlock`` with one ``TextRun``, which Adaptive Cards
  never interpret. Catalogue-only text is a wrapping ``TextBlock``. Labels, choice titles,
  button titles and the dialog title are plain strings by definition.
- **Buttons** are ``Action.Submit``. Inside a dialog their data is
  ``{"vpbot": {"action", "value", "screen", "meta"}}`` with ``associatedInputs: "none"``
  (a click neither validates nor sends what was typed); the screen's submit button carries
  ``{"vpbot": {"submit": true, "screen", "meta", "lists", "users", "form"}}`` — ``lists``
  and ``users`` name the multi-select and person inputs, ``form`` is the encoded screen, so
  a submit that fails on one field can be shown again with the error next to that field
  (Teams has no per-field server errors). In chat, buttons open a dialog: their data adds
  ``"msteams": {"type": "task/fetch"}``.
- **People picker.** The 1.5 schema has no ``Data.Query`` people search (``choices.data``
  with the ``graph.microsoft.com/users`` dataset is Adaptive Cards 1.6), so a
  :class:`~vpbot.ui.screens.UserPicker` is a text input for the person's Entra object id —
  the id vpbot knows Teams users by (:mod:`plugins.teams.context`). An e-mail address would
  need a Graph lookup (``User.ReadBasic.All``) that vpbot does not ask for (DESIGN.md C7).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from plugins.teams.screen_codec import encode_screen
from vpbot.ui.screens import (
    Block,
    Button,
    Buttons,
    ButtonStyle,
    Checkboxes,
    DatePicker,
    Divider,
    DynamicText,
    Field,
    Option,
    Screen,
    Select,
    SelectStyle,
    Text,
    TextInput,
    UserPicker,
)
from vpbot.ui.text import Dynamic, LabelRenderer, Msg, When, as_msg

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
DATA_KEY = "vpbot"
TEAMS_DATA_KEY = "msteams"
RESERVED_KEYS = frozenset({DATA_KEY, TEAMS_DATA_KEY})
DIALOG_WIDTH = "medium"
TALL_SCREEN_BLOCKS = 6  # more blocks than this: a large dialog
ROW_BUTTONS = 3  # short buttons side by side
SHORT_LABEL = 20  # longer labels get a row of their own

# An Entra object id; the people "picker" is a text input for one (see the module docstring).
GUID_PATTERN = "^\\s*[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\\s*$"

_STYLES: dict[ButtonStyle, str] = {ButtonStyle.PRIMARY: "positive", ButtonStyle.DANGER: "destructive"}
Label = str | Msg | Dynamic | When


def has_data(label: object) -> bool:
    """Whether ``label`` shows data (a :class:`Dynamic`, also as a nested parameter)."""
    if isinstance(label, Dynamic):
        return True
    if isinstance(label, Msg):
        return any(has_data(value) for value in label.params.values())
    return False


def attachment(card: Mapping[str, Any]) -> dict[str, Any]:
    """``card`` as a Bot Framework attachment."""
    return {"contentType": CARD_CONTENT_TYPE, "content": dict(card)}


def fetch_data(action_id: str, value: str | None = None) -> dict[str, Any]:
    """Button data that makes Teams open a dialog (``task/fetch``) for ``action_id``."""
    return {TEAMS_DATA_KEY: {"type": "task/fetch"}, DATA_KEY: _action(action_id, value)}


def _action(action_id: str, value: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {"action": str(action_id)}
    if value is not None:
        data["value"] = value
    return data


class CardRenderer(LabelRenderer):
    """Renders for one person: their language and time zone."""

    # -- dialogs -------------------------------------------------------------------------

    def dialog(
        self,
        screen: Screen,
        *,
        values: Mapping[str, Any] | None = None,
        errors: Mapping[str, Msg] | None = None,
    ) -> dict[str, Any]:
        """The ``value`` of a ``continue`` task response: title, card and size."""
        return {
            "title": self.text(screen.title_key),
            "card": attachment(self.card(screen, values=values, errors=errors)),
            "width": DIALOG_WIDTH,
            "height": "large" if len(screen.blocks) > TALL_SCREEN_BLOCKS else "medium",
        }

    def card(
        self,
        screen: Screen,
        *,
        values: Mapping[str, Any] | None = None,
        errors: Mapping[str, Msg] | None = None,
    ) -> dict[str, Any]:
        """The Adaptive Card for ``screen``; ``values`` refill inputs, ``errors`` go inline."""
        values, errors = values or {}, errors or {}
        body: list[dict[str, Any]] = []
        rule = False
        for block in screen.blocks:
            if isinstance(block, Divider):
                rule = bool(body)  # a rule above the next element; none at the top
                continue
            elements = self.block(block, screen, values, errors)
            if rule and elements:
                elements[0] = {**elements[0], "separator": True, "spacing": "medium"}
                rule = False
            body += elements
        card = new_card(body)
        if screen.submit_key is not None:
            card["actions"] = [self._submit(screen)]
        return card

    def block(
        self, block: Block, screen: Screen, values: Mapping[str, Any], errors: Mapping[str, Msg]
    ) -> list[dict[str, Any]]:
        """One screen block as one or more card elements."""
        if isinstance(block, Text):
            return [self.paragraph(block.msg, muted=block.muted)]
        if isinstance(block, DynamicText):
            return [self.paragraph(block.content, muted=block.muted)]
        if isinstance(block, Divider):
            return []  # drawn as a separator on the next element (see :meth:`card`)
        if isinstance(block, Buttons):
            data = {"screen": screen.id, "meta": dict(screen.private_metadata)}
            return self.button_rows(block.buttons, lambda b: self._dialog_data(b, data))
        return self.field(block, values.get(block.id), errors.get(block.id))

    def paragraph(self, label: Label, *, muted: bool = False) -> dict[str, Any]:
        """Text that wraps; text with data is never interpreted as markdown."""
        text = self.text(label)
        if has_data(label):
            run: dict[str, Any] = {"type": "TextRun", "text": text}
            if muted:
                run["isSubtle"] = True
            return {"type": "RichTextBlock", "inlines": [run]}
        block: dict[str, Any] = {"type": "TextBlock", "text": text, "wrap": True}
        if muted:
            block["isSubtle"] = True
        return block

    def heading(self, label: str | Msg) -> dict[str, Any]:
        """A bold catalogue heading."""
        return {"type": "TextBlock", "text": self.text(label), "wrap": True, "weight": "bolder", "size": "medium"}

    # -- buttons -------------------------------------------------------------------------

    def button_rows(
        self, buttons: Sequence[Button], data_for: Callable[[Button], Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Buttons as ``ActionSet`` rows: short labels side by side, long ones alone."""
        return [
            {"type": "ActionSet", "actions": [self.button(b, data_for(b)) for b in row]}
            for row in self._rows(buttons)
        ]

    def _rows(self, buttons: Sequence[Button]) -> Iterable[Sequence[Button]]:
        if all(len(self.text(b.label)) <= SHORT_LABEL for b in buttons):
            return [buttons[i : i + ROW_BUTTONS] for i in range(0, len(buttons), ROW_BUTTONS)]
        return [[b] for b in buttons]

    def button(self, button: Button, data: Mapping[str, Any]) -> dict[str, Any]:
        """One ``Action.Submit`` that neither checks nor sends the dialog's inputs."""
        action: dict[str, Any] = {
            "type": "Action.Submit",
            "title": self.text(button.label),
            "data": dict(data),
            "associatedInputs": "none",
        }
        if button.style is not None:
            action["style"] = _STYLES[button.style]
        return action

    @staticmethod
    def _dialog_data(button: Button, screen_data: Mapping[str, Any]) -> dict[str, Any]:
        return {DATA_KEY: {**_action(button.action_id, button.value), **screen_data}}

    def _submit(self, screen: Screen) -> dict[str, Any]:
        assert screen.submit_key is not None
        data = {
            "submit": True,
            "screen": screen.id,
            "meta": dict(screen.private_metadata),
            "lists": [f.id for f in screen.fields() if isinstance(f, Checkboxes)],
            "users": [f.id for f in screen.fields() if isinstance(f, UserPicker)],
            "form": encode_screen(screen),
        }
        return {
            "type": "Action.Submit",
            "title": self.text(screen.submit_key),
            "style": "positive",
            "data": {DATA_KEY: data},
        }

    # -- inputs --------------------------------------------------------------------------

    def field(self, field: Field, value: Any, error: Msg | None) -> list[dict[str, Any]]:
        """An input, then its inline error (if any), then its hint (if any)."""
        element = {"id": field.id, "label": self.text(field.label_key), **self._element(field, value)}
        if not field.optional:
            element["isRequired"] = True
            element.setdefault("errorMessage", self.text("teams.field.required"))
        out = [element]
        if error is not None:
            out.append({"type": "TextBlock", "text": self.text(error), "wrap": True, "color": "attention",
                        "spacing": "small"})
        hint = field.hint_key or ("teams.user_picker.hint" if isinstance(field, UserPicker) else None)
        if hint is not None:
            paragraph = self.paragraph(as_msg(hint), muted=True)
            out.append({**paragraph, "spacing": "small"})
        return out

    def _element(self, field: Field, value: Any) -> dict[str, Any]:
        """The input element for ``field``, refilled with ``value`` (what was typed) if given."""
        element: dict[str, Any]
        if isinstance(field, TextInput):
            return self._text_input(field, value)
        if isinstance(field, Select):
            style = "expanded" if field.style is SelectStyle.RADIO else "compact"
            element = {"type": "Input.ChoiceSet", "style": style, "choices": self._choices(field.options)}
            chosen: str | None = value if isinstance(value, str) else field.initial
        elif isinstance(field, Checkboxes):
            element = {"type": "Input.ChoiceSet", "style": "expanded", "isMultiSelect": True,
                       "choices": self._choices(field.options)}
            picked = value if isinstance(value, list) else list(field.initial)
            chosen = ",".join(str(v) for v in picked)
        elif isinstance(field, DatePicker):
            element = {"type": "Input.Date"}
            chosen = value if isinstance(value, str) else (field.initial.isoformat() if field.initial else None)
        else:  # UserPicker: an Entra object id (see the module docstring)
            # Room for the spaces a pasted id often brings (GUID_PATTERN allows them; the
            # server strips them): a limit of 36 would cut a pasted " <id> " short.
            element = {"type": "Input.Text", "regex": GUID_PATTERN, "maxLength": 64,
                       "errorMessage": self.text("teams.user_picker.invalid")}
            chosen = value if isinstance(value, str) else None
        if chosen:
            element["value"] = chosen
        return element

    def _text_input(self, field: TextInput, value: Any) -> dict[str, Any]:
        element: dict[str, Any] = {"type": "Input.Text", "isMultiline": field.multiline}
        if field.max_length is not None:
            element["maxLength"] = field.max_length
        if field.placeholder_key is not None:
            element["placeholder"] = self.text(field.placeholder_key)
        if isinstance(value, str):
            element["value"] = value
        elif field.initial is not None:
            element["value"] = field.initial.text
        return element

    def _choices(self, options: Sequence[Option]) -> list[dict[str, str]]:
        return [{"title": self.text(o.label), "value": o.value} for o in options]


def new_card(body: list[dict[str, Any]]) -> dict[str, Any]:
    """An empty Adaptive Card 1.5 around ``body``."""
    return {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body}

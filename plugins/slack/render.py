"""Render platform-neutral screens as Slack Block Kit modals, and read submissions back.

All text is ``plain_text``: data shown in a modal (a name, a message someone wrote) can
never inject formatting, mentions or links.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from vpbot.ui.screens import (
    Block,
    Button,
    Buttons,
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
from vpbot.ui.text import LabelRenderer, Msg

TEXT_CHUNK = 3000  # Slack's limit for a section's text


class Renderer(LabelRenderer):
    """Renders for one person: their language and time zone."""

    def plain(self, label: Any, limit: int | None = None) -> dict[str, Any]:
        value = self.text(label)
        if limit is not None and len(value) > limit:
            value = value[: limit - 1] + "…"
        return {"type": "plain_text", "text": value, "emoji": True}

    # -- screens -------------------------------------------------------------------------

    def modal(self, screen: Screen) -> dict[str, Any]:
        """The ``view`` payload for ``views.open`` / ``views.update`` / ``response_action``."""
        view: dict[str, Any] = {
            "type": "modal",
            "callback_id": screen.id,
            "title": self.plain(screen.title_key, 24),
            "blocks": [block for b in screen.blocks for block in self.blocks(b)],
            "private_metadata": screen.metadata_json(),
        }
        if screen.submit_key:
            view["submit"] = self.plain(screen.submit_key, 24)
        view["close"] = self.plain(screen.close_key or "modal.close", 24)
        return view

    def home(self, screen: Screen) -> dict[str, Any]:
        """The ``view`` payload for ``views.publish``: the App Home tab.

        A published view stays visible without a click, so only content-free screens may be
        rendered here (DESIGN.md C2); :mod:`vpbot.ui.views.home_tab` builds the one there is.
        """
        return {
            "type": "home",
            "callback_id": screen.id,
            "blocks": [block for b in screen.blocks for block in self.blocks(b)],
        }

    def chat(self, text: str, buttons: Sequence[Button]) -> list[dict[str, Any]]:
        """The blocks of a content-free chat message: its text, then its buttons.

        Each button's action id is the plain :class:`~vpbot.ui.actions.ActionId` and its value
        the object reference token, so a click reaches the flows like any other button.
        """
        blocks = self._paragraphs(text, muted=False)
        if buttons:
            elements = [{**self.button(b), "action_id": b.action_id} for b in buttons]
            blocks.append({"type": "actions", "elements": elements})
        return blocks

    def blocks(self, block: Block) -> list[dict[str, Any]]:
        """One screen block as one or more Block Kit blocks."""
        if isinstance(block, Text):
            return self._paragraphs(self.text(Msg(block.key, dict(block.params))), block.muted)
        if isinstance(block, DynamicText):
            return self._paragraphs(self.text(block.content), block.muted)
        if isinstance(block, Divider):
            return [{"type": "divider"}]
        if isinstance(block, Buttons):
            return [{"type": "actions", "elements": [self.button(b) for b in block.buttons]}]
        return [self.input(block)]

    def _paragraphs(self, text: str, muted: bool) -> list[dict[str, Any]]:
        chunks = [text[i : i + TEXT_CHUNK] for i in range(0, len(text), TEXT_CHUNK)] or [" "]
        if muted:
            return [{"type": "context", "elements": [{"type": "plain_text", "text": c, "emoji": True}]}
                    for c in chunks]
        return [{"type": "section", "text": {"type": "plain_text", "text": c, "emoji": True}} for c in chunks]

    def button(self, button: Button) -> dict[str, Any]:
        element: dict[str, Any] = {
            "type": "button",
            "action_id": button.action_id if button.value is None else f"{button.action_id}|{button.value}",
            "text": self.plain(button.label_text or button.label_key, 75),
        }
        if button.value is not None:
            element["value"] = button.value
        if button.style is not None and button.style.value in ("primary", "danger"):
            element["style"] = button.style.value
        return element

    def option(self, option: Option) -> dict[str, Any]:
        return {"text": self.plain(option.label_text or option.label_key, 75), "value": option.value}

    def input(self, field: TextInput | Select | Checkboxes | DatePicker | UserPicker) -> dict[str, Any]:
        block: dict[str, Any] = {
            "type": "input",
            "block_id": field.id,
            "label": self.plain(field.label_key, 2000),
            "optional": bool(field.optional),
            "element": self._element(field),
        }
        if field.hint_key is not None:
            block["hint"] = self.plain(field.hint_key, 2000)
        return block

    def _element(self, field: TextInput | Select | Checkboxes | DatePicker | UserPicker) -> dict[str, Any]:
        if isinstance(field, TextInput):
            element: dict[str, Any] = {"type": "plain_text_input", "action_id": field.id,
                                       "multiline": field.multiline}
            if field.max_length is not None:
                element["max_length"] = field.max_length
            if field.placeholder_key is not None:
                element["placeholder"] = self.plain(field.placeholder_key, 150)
            if field.initial is not None:
                element["initial_value"] = self.text(field.initial)
            return element
        if isinstance(field, Select):
            options = [self.option(o) for o in field.options]
            kind = "radio_buttons" if field.style is SelectStyle.RADIO else "static_select"
            element = {"type": kind, "action_id": field.id, "options": options}
            initial = next((o for o in options if o["value"] == field.initial), None)
            if initial is not None:
                element["initial_option"] = initial
            return element
        if isinstance(field, Checkboxes):
            options = [self.option(o) for o in field.options]
            element = {"type": "checkboxes", "action_id": field.id, "options": options}
            chosen = [o for o in options if o["value"] in field.initial]
            if chosen:
                element["initial_options"] = chosen
            return element
        if isinstance(field, DatePicker):
            element = {"type": "datepicker", "action_id": field.id}
            if field.initial is not None:
                element["initial_date"] = field.initial.isoformat()
            return element
        return {"type": "users_select", "action_id": field.id}


def read_values(view: dict[str, Any]) -> dict[str, Any]:
    """Submitted values by field id: str, list[str] (checkboxes) or None (left empty)."""
    values: dict[str, Any] = {}
    state = view.get("state", {}).get("values", {})
    for block_id, actions in state.items():
        if not isinstance(actions, dict):
            continue
        for element in actions.values():
            if not isinstance(element, dict):
                continue
            values[block_id] = _element_value(element)
    return values


def _element_value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("static_select", "radio_buttons"):
        selected = element.get("selected_option") or {}
        return selected.get("value") if isinstance(selected, dict) else None
    if kind == "checkboxes":
        return [o.get("value") for o in element.get("selected_options") or [] if isinstance(o, dict)]
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "users_select":
        return element.get("selected_user")
    value = element.get("value")
    return value if isinstance(value, str) else None


def split_action_id(action_id: str) -> tuple[str, str | None]:
    """``"vpbot.slot.pick|<value>"`` -> (action, value); Slack wants unique action ids."""
    action, _, value = action_id.partition("|")
    return action, value or None

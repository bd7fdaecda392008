"""Dialog invokes in and out: from Teams' ``value`` to an :class:`Interaction`, and the
task responses Teams expects back.

- ``task/fetch`` (a chat card's button) and ``composeExtension/fetchTask`` (the message
  extension command) open a dialog: a click, not inside a modal.
- ``task/submit`` (and ``composeExtension/submitAction`` for dialogs the message extension
  opened) carries the card's ``Action.Submit`` data merged with the input values: either the
  screen's submit (``vpbot.submit``) or a button inside the dialog.

Everything in ``value`` is typed by the client: ids must look like ids, metadata must be a
flat object of ids, numbers and flags, and input values are strings. Anything else is
dropped, so nothing odd reaches the flows or a log line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from plugins.teams.context import is_guid
from plugins.teams.render import DATA_KEY, RESERVED_KEYS
from plugins.teams.screen_codec import decode_screen
from vpbot.flows.core import Interaction, Kind
from vpbot.ui.actions import ActionId
from vpbot.ui.screens import Checkboxes, Screen
from vpbot.ui.text import Msg

log = logging.getLogger(__name__)

FETCH_INVOKES = frozenset({"task/fetch", "composeExtension/fetchTask"})
SUBMIT_INVOKES = frozenset({"task/submit", "composeExtension/submitAction"})
COMMAND_ID = "vertrouwenspersoon"  # the message extension's action command

_ID = re.compile(r"^[A-Za-z0-9_.:\-]{1,255}$")
_VALUE = re.compile(r"^[A-Za-z0-9_.:+\-]{1,150}$")
MAX_INPUT_CHARS = 20_000


@dataclass(frozen=True)
class DialogRequest:
    """A click or submit from a dialog, and what is needed to show its screen again."""

    interaction: Interaction
    form: Screen | None = None  # the submitted screen (for inline errors)
    values: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, Msg] = field(default_factory=dict)  # found before the flows ran


def fetch_request(name: str, value: object) -> DialogRequest:
    """The click that opens a dialog (a chat card's button, or the command)."""
    if name == "composeExtension/fetchTask":  # the one command: open the menu
        return DialogRequest(Interaction(Kind.ACTION, ActionId.OPEN_APP, in_modal=False))
    ours = _ours(value.get("data") if isinstance(value, Mapping) else None)
    action = _id(ours.get("action")) or ActionId.OPEN_APP
    return DialogRequest(Interaction(Kind.ACTION, action, value=_value(ours.get("value")), in_modal=False))


def submit_request(value: object) -> DialogRequest | None:
    """The submit or in-dialog click in a ``task/submit``; ``None`` if it is not vpbot's."""
    data = value.get("data") if isinstance(value, Mapping) else None
    if not isinstance(data, Mapping):
        return None
    ours = _ours(data)
    metadata = _metadata(ours.get("meta"))
    if ours.get("submit") is True:
        screen_id = _id(ours.get("screen"))
        if screen_id is None:
            return None
        form = _form(ours.get("form"))
        values = read_values(data, _ids(ours.get("lists")), form)
        errors = check_people(values, _ids(ours.get("users")))
        interaction = Interaction(Kind.SUBMIT, screen_id, values=values, metadata=metadata)
        return DialogRequest(interaction, form, values, errors)
    action = _id(ours.get("action"))
    if action is None:
        return None
    return DialogRequest(Interaction(Kind.ACTION, action, value=_value(ours.get("value")), metadata=metadata))


def read_values(data: Mapping[str, Any], lists: frozenset[str], form: Screen | None) -> dict[str, Any]:
    """Input values by field id, as the flows expect them (Slack's shapes).

    A text is a ``str`` (``None`` when empty), a multi-select a ``list[str]``; fields of the
    form that Teams left out are ``None`` (or ``[]``).
    """
    values: dict[str, Any] = {}
    if form is not None:
        for spec in form.fields():
            values[spec.id] = [] if isinstance(spec, Checkboxes) else None
    for key, raw in data.items():
        if key in RESERVED_KEYS or not isinstance(key, str) or not _ID.fullmatch(key):
            continue
        text = raw if isinstance(raw, str) else None
        if text is not None and len(text) > MAX_INPUT_CHARS:
            text = text[:MAX_INPUT_CHARS]
        if key in lists:
            values[key] = [v for v in (text or "").split(",") if _VALUE.fullmatch(v)]
        else:
            values[key] = text or None
    return values


def check_people(values: dict[str, Any], people: frozenset[str]) -> dict[str, Msg]:
    """Normalise person fields to a lower-case Entra object id; errors for anything else."""
    errors: dict[str, Msg] = {}
    for key in people & set(values):
        typed = values[key]
        if typed is None:
            continue
        candidate = typed.strip().lower()
        if is_guid(candidate):
            values[key] = candidate
        else:
            errors[key] = Msg("teams.user_picker.invalid")
    return errors


# --------------------------------------------------------------------------- responses


def continue_with(dialog: Mapping[str, Any]) -> dict[str, Any]:
    """Show ``dialog`` (title, card, size) in the open or a new dialog."""
    return {"status": 200, "body": {"task": {"type": "continue", "value": dict(dialog)}}}


def message(text: str) -> dict[str, Any]:
    """Show a short neutral text in the dialog instead of a card."""
    return {"status": 200, "body": {"task": {"type": "message", "value": text}}}


def close(name: str) -> dict[str, Any]:
    """Close the dialog; nothing is posted anywhere."""
    return {"status": 200, "body": {} if name.startswith("composeExtension/") else None}


# --------------------------------------------------------------------------- helpers


def _ours(data: object) -> Mapping[str, Any]:
    ours = data.get(DATA_KEY) if isinstance(data, Mapping) else None
    return ours if isinstance(ours, Mapping) else {}


def _id(value: object) -> str | None:
    return value if isinstance(value, str) and _ID.fullmatch(value) else None


def _value(value: object) -> str | None:
    return value if isinstance(value, str) and _VALUE.fullmatch(value) else None


def _metadata(raw: object) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if not isinstance(key, str) or not _ID.fullmatch(key):
            continue
        if value is None or isinstance(value, (bool, int)) or (isinstance(value, str) and _VALUE.fullmatch(value)):
            out[key] = value
    return out


def _ids(raw: object) -> frozenset[str]:
    if not isinstance(raw, list):
        return frozenset()
    return frozenset(item for item in raw if isinstance(item, str) and _ID.fullmatch(item))


def _form(raw: object) -> Screen | None:
    if raw is None:
        return None
    try:
        return decode_screen(raw)
    except ValueError as exc:
        log.info("teams: a submitted dialog could not be read back (%s)", exc)
        return None

"""Validate Adaptive Cards against the official 1.5 schema (``../shared/adaptivecards/``)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "shared" / "adaptivecards" / "adaptive-card-1.5.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


@cache
def _validator() -> jsonschema.Draft6Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft6Validator(schema)


def assert_valid_card(card: Mapping[str, Any]) -> None:
    """Fail with every schema error (and its path) if ``card`` is not a valid 1.5 card."""
    errors = sorted(_validator().iter_errors(card), key=lambda e: list(e.absolute_path))
    messages = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors]
    assert not messages, "invalid Adaptive Card:\n" + "\n".join(messages)
    assert card.get("version") == "1.5"


def cards_in(activity: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The Adaptive Cards attached to a message activity."""
    for item in activity.get("attachments") or []:
        if item.get("contentType") == CONTENT_TYPE:
            yield item["content"]


def card_texts(node: object) -> list[str]:
    """Every displayed string in a card: texts, labels, titles, choices (in document order)."""
    found: list[str] = []
    if isinstance(node, Mapping):
        for key in ("text", "label", "title", "placeholder", "errorMessage"):
            if isinstance(node.get(key), str):
                found.append(node[key])
        for key, value in node.items():
            if key != "data":
                found += card_texts(value)
    elif isinstance(node, list):
        for item in node:
            found += card_texts(item)
    return found


def submit_actions(node: object) -> list[Mapping[str, Any]]:
    """Every ``Action.Submit`` in a card, in document order."""
    found: list[Mapping[str, Any]] = []
    if isinstance(node, Mapping):
        if node.get("type") == "Action.Submit":
            found.append(node)
        for value in node.values():
            found += submit_actions(value)
    elif isinstance(node, list):
        for item in node:
            found += submit_actions(item)
    return found

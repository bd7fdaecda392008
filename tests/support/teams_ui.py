"""Driving vpbot in Teams the way a person does: chat cards, dialogs, buttons and forms.

A :class:`TeamsUser` is one person in one tenant, with their own 1:1 chat with the bot.
Everything goes over real HTTP into ``POST /api/messages`` with a signed token, exactly as
the Teams client and service would send it:

- :meth:`TeamsUser.install` / :meth:`TeamsUser.uninstall` — ``installationUpdate``;
- :meth:`TeamsUser.open` — a button on a card in the chat (the welcome card or a
  notification) that opens a dialog: ``task/fetch`` with that button's data;
- :meth:`TeamsUser.click` — a button inside the open dialog: ``task/submit`` with only the
  button's data (vpbot's in-dialog buttons are ``associatedInputs: none``);
- :meth:`TeamsUser.submit` — the dialog's submit button: ``task/submit`` with its data plus
  every input's value, after the checks the Teams client makes itself (required inputs,
  ``regex``, ``maxLength``, choices).

Every card that comes back (in a dialog or posted into a chat) is validated against the
Adaptive Card 1.5 schema. An error screen or an inline field error fails the step unless
the caller says it expects one, so a journey stops at the step that went wrong.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import Engine

from plugins.teams.http import PATH, teams_routes
from plugins.teams.plugin import build_teams_bot
from tests.support.adaptive_cards import assert_valid_card, card_texts, cards_in, submit_actions
from tests.support.teams_fakes import (
    USER_TENANT,
    FakeConnector,
    FakeMsalHttp,
    OpenIdServer,
    activity,
    mint_token,
    teams_settings,
)
from tests.support.teams_server import serve_in_thread
from tests.support.teams_world import TeamsWorld
from vpbot.bootstrap import bootstrap
from vpbot.crypto.keyring import generate_entry
from vpbot.dispatch.dispatcher import Dispatcher, TickResult
from vpbot.services.clock import Clock
from vpbot.settings import Settings
from vpbot.ui import i18n
from vpbot.web.app import create_app

__all__ = ["Dialog", "TeamsUser", "deliver", "teams_world_with_clock"]

DATA_KEY = "vpbot"
TASK_CONTEXT = {"theme": "default"}


@contextmanager
def teams_world_with_clock(
    engine: Engine, openid: OpenIdServer, connector: FakeConnector, clock: Clock
) -> Iterator[TeamsWorld]:
    """Like :func:`tests.support.teams_world.teams_world`, with vpbot on ``clock``."""
    settings = Settings(master_key=generate_entry("teams-full-journey"), teams=teams_settings(openid))
    container = bootstrap(settings, engine=engine, clock=clock)
    msal = FakeMsalHttp()
    bot = build_teams_bot(container, msal_http=msal)
    with serve_in_thread(create_app(container, list(teams_routes(container, bot)))) as base_url:
        yield TeamsWorld(base_url, container, bot, connector, msal)


def deliver(dispatcher: Dispatcher, *, max_ticks: int = 20) -> TickResult:
    """Tick until nothing due is left; the summed counts. Fails on dead letters and retries."""
    total = TickResult()
    for _ in range(max_ticks):
        result = dispatcher.tick()
        if not result.claimed:
            return total
        total = TickResult(
            claimed=total.claimed + result.claimed, sent=total.sent + result.sent,
            retried=total.retried + result.retried, dead=total.dead + result.dead,
            gone=total.gone + result.gone, waiting=result.waiting,
        )
        assert not (result.dead or result.retried), f"notifications not delivered: {result}"
    raise AssertionError("the dispatcher kept finding due notifications")


# --------------------------------------------------------------------------- cards


@dataclass(frozen=True)
class Dialog:
    """An open dialog: its title and its (validated) Adaptive Card."""

    title: str
    card: Mapping[str, Any]

    @property
    def texts(self) -> list[str]:
        """Every displayed string, in document order."""
        return card_texts(self.card)

    @property
    def text(self) -> str:
        """Everything displayed, as one string."""
        return "\n".join(self.texts)

    def inputs(self) -> dict[str, Mapping[str, Any]]:
        """The card's inputs by id."""
        return {element["id"]: element for element in _inputs(self.card)}

    def choices(self, field_id: str) -> dict[str, str]:
        """A choice input's options: title -> value."""
        return {c["title"]: c["value"] for c in self.inputs()[field_id].get("choices", [])}

    def buttons(self) -> list[Mapping[str, Any]]:
        """The in-dialog buttons (not the submit button), in document order."""
        return [a for a in submit_actions(self.card) if not a["data"][DATA_KEY].get("submit")]

    def button_values(self, action_id: str) -> list[str | None]:
        """The values of the buttons with ``action_id``."""
        return [a["data"][DATA_KEY].get("value") for a in self.buttons()
                if a["data"][DATA_KEY].get("action") == action_id]

    def errors(self) -> list[str]:
        """Inline field errors shown (red text under an input)."""
        return [e["text"] for e in _elements(self.card.get("body", [])) if e.get("color") == "attention"]


def _elements(node: object) -> Iterator[Mapping[str, Any]]:
    if isinstance(node, Mapping):
        yield node
        for key, value in node.items():
            if key not in ("data", "actions", "selectAction"):
                yield from _elements(value)
    elif isinstance(node, list):
        for item in node:
            yield from _elements(item)


def _inputs(card: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [e for e in _elements(card.get("body", [])) if str(e.get("type", "")).startswith("Input.")]


def find_button(actions: list[Mapping[str, Any]], target: str, value: str | None = None) -> Mapping[str, Any]:
    """The first button whose action id or title is ``target`` (and whose value is ``value``)."""
    for action in actions:
        ours = action["data"].get(DATA_KEY, {})
        if target not in (ours.get("action"), action.get("title")):
            continue
        if value is None or ours.get("value") == value:
            return action
    offered = [(a.get("title"), a["data"].get(DATA_KEY, {}).get("action")) for a in actions]
    raise AssertionError(f"no button {target!r} (value {value!r}); the card offers {offered}")


def client_side_values(card: Mapping[str, Any], typed: Mapping[str, Any]) -> dict[str, str]:
    """What the Teams client sends for a submit: every input's value, ``typed`` over them.

    Fails where the client would refuse to submit (a required input left empty, a value
    that does not match the input's ``regex`` or is longer than its ``maxLength``, a choice
    that is not offered), and on ids the card does not have (a typo in the test).
    """
    inputs = {element["id"]: element for element in _inputs(card)}
    unknown = set(typed) - set(inputs)
    assert not unknown, f"the dialog has no inputs {sorted(unknown)}; it has {sorted(inputs)}"
    values: dict[str, str] = {}
    for input_id, element in inputs.items():
        raw = typed.get(input_id, element.get("value"))
        value = ",".join(raw) if isinstance(raw, (list, tuple)) else ("" if raw is None else str(raw))
        if not value:
            assert not element.get("isRequired"), f"Teams would not submit: {input_id!r} is required"
            continue
        if element.get("regex"):
            assert re.fullmatch(element["regex"], value), f"Teams would not submit {input_id!r}: regex"
        if element.get("maxLength"):
            assert len(value) <= element["maxLength"], f"Teams would not submit {input_id!r}: too long"
        if element["type"] == "Input.ChoiceSet":
            offered = {c["value"] for c in element.get("choices", [])}
            picked = value.split(",") if element.get("isMultiSelect") else [value]
            assert set(picked) <= offered, f"{input_id!r}: {picked} not among {sorted(offered)}"
        values[input_id] = value
    return values


# --------------------------------------------------------------------------- a person


@dataclass
class TeamsUser:
    """One person in the test tenant, with their own personal chat with the bot."""

    world: TeamsWorld
    aad_object_id: str
    name: str
    conversation_id: str
    locale: str = "nl-NL"
    timezone: str = "Europe/Amsterdam"
    tenant_id: str = USER_TENANT
    dialog: Dialog | None = None  # the dialog open now
    cards: list[Mapping[str, Any]] = field(default_factory=list)  # every card received
    _chat_seen: int = 0

    @property
    def language(self) -> str:
        return i18n.normalize_locale(self.locale)

    def t(self, key: str, **params: Any) -> str:
        """A catalogue text in this person's language."""
        return i18n.t(key, self.language, **params)

    # ------------------------------------------------------------------ activities

    def send(self, **overrides: Any) -> httpx.Response:
        """POST one activity from this person's personal chat, correctly signed."""
        body = activity(
            self.world.service_url,
            **{
                "id": f"1{uuid.uuid4().int % 10**12:012d}",
                "from": {"id": f"29:1-{self.aad_object_id[-6:]}", "aadObjectId": self.aad_object_id,
                         "name": self.name},
                "conversation": {"id": self.conversation_id, "conversationType": "personal",
                                 "tenantId": self.tenant_id},
                "channelData": {"tenant": {"id": self.tenant_id}},
                "locale": self.locale,
                "localTimezone": self.timezone,
                **overrides,
            },
        )
        token = mint_token(body["serviceUrl"])
        return httpx.post(self.world.base_url + PATH, json=body,
                          headers={"authorization": f"Bearer {token}"}, timeout=15)

    def install(self) -> Mapping[str, Any]:
        """Add the app in the personal scope; the welcome card that was posted."""
        response = self.send(type="installationUpdate", action="add", text=None)
        assert response.status_code == 200, response.text
        [welcome] = self.new_chat_cards()
        return welcome

    def uninstall(self) -> None:
        """Remove the app."""
        response = self.send(type="installationUpdate", action="remove", text=None)
        assert response.status_code == 200, response.text

    # ------------------------------------------------------------------ the chat

    def chat_activities(self) -> list[dict[str, Any]]:
        """Every activity vpbot posted into this person's chat."""
        path = f"/v3/conversations/{self.conversation_id}/activities"
        return [json.loads(c.body) for c in self.world.connector.activities() if c.path.endswith(path)]

    def new_chat_cards(self) -> list[Mapping[str, Any]]:
        """The cards posted into this person's chat since the last look, validated."""
        posted = self.chat_activities()
        fresh, self._chat_seen = posted[self._chat_seen:], len(posted)
        cards: list[Mapping[str, Any]] = []
        for item in fresh:
            [card] = list(cards_in(item))
            assert_valid_card(card)
            cards.append(card)
        self.cards += cards
        return cards

    # ------------------------------------------------------------------ dialogs

    def invoke(self, name: str, value: Any) -> httpx.Response:
        """POST one invoke activity."""
        return self.send(type="invoke", name=name, value=value, text=None)

    def open(self, card: Mapping[str, Any], target: str, value: str | None = None, **expect: Any) -> Dialog:
        """Click a button on a card in the chat: Teams opens a dialog (``task/fetch``)."""
        button = find_button(submit_actions(card), target, value)
        assert button["data"].get("msteams") == {"type": "task/fetch"}, button
        response = self.invoke("task/fetch", {"type": "task/fetch", "data": button["data"], "context": TASK_CONTEXT})
        return self._answer(response, **expect)

    def command(self, **expect: Any) -> Dialog:
        """``/vertrouwenspersoon`` in the compose or command box (the message extension)."""
        response = self.invoke("composeExtension/fetchTask",
                               {"commandId": "vertrouwenspersoon", "commandContext": "compose"})
        return self._answer(response, **expect)

    def click(self, target: str, value: str | None = None, **expect: Any) -> Dialog:
        """Click a button inside the open dialog (its data only, no inputs)."""
        assert self.dialog is not None, "no dialog is open"
        button = find_button(self.dialog.buttons(), target, value)
        assert button.get("associatedInputs") == "none", button
        response = self.invoke("task/submit", {"type": "task/submit", "data": button["data"], "context": TASK_CONTEXT})
        return self._answer(response, **expect)

    def submit(self, values: Mapping[str, Any] | None = None, **expect: Any) -> Dialog:
        """Fill in ``values`` and press the dialog's submit button."""
        assert self.dialog is not None, "no dialog is open"
        [submit] = [a for a in submit_actions(self.dialog.card) if a["data"][DATA_KEY].get("submit")]
        data = {**submit["data"], **client_side_values(self.dialog.card, values or {})}
        response = self.invoke("task/submit", {"type": "task/submit", "data": data, "context": TASK_CONTEXT})
        return self._answer(response, **expect)

    def _answer(
        self, response: httpx.Response, *, error_screen: bool = False, field_errors: bool = False
    ) -> Dialog:
        """The dialog in a ``continue`` task response, validated; fails on anything else."""
        assert response.status_code == 200, (response.status_code, response.text)
        task = response.json()["task"] if response.content else None
        assert task is not None and task["type"] == "continue", f"not a dialog: {response.text[:500]}"
        card = task["value"]["card"]["content"]
        assert_valid_card(card)
        self.cards.append(card)
        dialog = Dialog(task["value"]["title"], card)
        is_error = dialog.title == self.t("error.title")
        assert is_error == error_screen, f"error screen {is_error}, expected {error_screen}: {dialog.text}"
        assert bool(dialog.errors()) == field_errors, f"inline errors: {dialog.errors()}"
        self.dialog = dialog
        return dialog

"""Click through vpbot as a person would, over a platform's real HTTP entry point.

:class:`SlackUI` sends signed slash commands, ``block_actions`` and ``view_submission``
payloads to ``/slack/events`` and follows the modals vpbot opens, pushes and updates on the
fake Slack API. :class:`TeamsUI` sends ``task/fetch`` and ``task/submit`` invokes with valid
tokens to ``/api/messages`` and follows the dialogs in the invoke responses.

Both keep, per person, the screen that person has open and everything they were shown
(``shown[user]``), so a canary test can check that content reached only the people
allowed to see it. Both speak the same small language: ``home``, ``click``, ``submit``,
``buttons``, ``options``.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.support.adaptive_cards import submit_actions
from tests.support.both_platforms import TeamsClient
from tests.support.fake_slack import TEAM_ID, FakeSlackApi
from tests.support.http_fakes import RecordedCall, Reply
from tests.support.slack_requests import SlackSender
from tests.support.teams_fakes import USER_TENANT

VIEW_CALLS = ("views.open", "views.push", "views.update")


class JourneyError(AssertionError):
    """A step could not be taken (no such button, the server refused, an inline error)."""


# --------------------------------------------------------------------------- Slack


@dataclass
class SlackUI:
    """One Slack workspace's people clicking through vpbot's modals."""

    api: FakeSlackApi
    slack: SlackSender
    admins: frozenset[str] = frozenset()
    names: Mapping[str, str] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)  # user -> the modal on top
    shown: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    owners: dict[str, str] = field(default_factory=dict)  # view id / trigger id -> user

    def __post_init__(self) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._reply_ids: dict[int, str] = {}
        for name in VIEW_CALLS:
            self.api.handlers[name] = self._view_reply
        self.api.handlers["users.info"] = self._user_info

    # -- the fake API's side

    def _view_reply(self, call: RecordedCall) -> Reply:
        params = call.params
        with self._lock:
            view_id = params.get("view_id") or f"V{next(self._ids):06d}"
            self._reply_ids[id(call)] = view_id
            user = self.owners.get(params.get("trigger_id") or "") or self.owners.get(view_id)
            if user is not None:
                self.owners[view_id] = user
        return Reply(200, {"ok": True, "view": {"id": view_id}})

    def _user_info(self, call: RecordedCall) -> Reply:
        user = call.params.get("user", "")
        return Reply(200, {"ok": True, "user": {
            "id": user, "team_id": TEAM_ID, "is_admin": user in self.admins, "tz": "Europe/Amsterdam",
            "locale": "nl-NL", "real_name": self.names.get(user, user), "profile": {"real_name": self.names.get(user, user)},
        }})

    def owner_of(self, call: RecordedCall) -> str | None:
        """The person a views.* call was made for (by its trigger id or view id)."""
        params = call.params
        return self.owners.get(params.get("trigger_id") or "") or self.owners.get(params.get("view_id") or "")

    # -- the person's side

    def _trigger(self, user: str) -> str:
        trigger = f"trigger-{user}-{next(self._ids)}"
        self.owners[trigger] = user
        return trigger

    def _await_view(self, before: int, user: str) -> None:
        """Wait for the views.* call vpbot makes for ``user`` after a click (listeners run after ack)."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            mine = [c for c in self.api.calls[before:]
                    if self.api.method(c) in VIEW_CALLS and self.owner_of(c) == user and id(c) in self._reply_ids]
            if mine:
                call = mine[-1]
                view = self.api.view_of(call)
                self.views[user] = {**view, "id": self._reply_ids[id(call)]}
                self.shown[user].append(json.dumps(view, ensure_ascii=False))
                return
            time.sleep(0.02)
        raise JourneyError(f"{user}: no modal was opened")

    def home(self, user: str, text: str = "") -> None:
        """``/vertrouwenspersoon`` (what is typed after it is never read)."""
        before = len(self.api.calls)
        response = self.slack.command(user, text=text, trigger_id=self._trigger(user))
        if response.status_code != 200:
            raise JourneyError(f"{user}: command refused: {response.status_code} {response.text}")
        self._await_view(before, user)

    def buttons(self, user: str) -> list[tuple[str, str | None]]:
        """(action id, value) of every button on the person's modal."""
        out = []
        for block in self.views[user].get("blocks", []):
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                action = element["action_id"].partition("|")[0]
                out.append((action, element.get("value")))
        return out

    def options(self, user: str, field_id: str) -> list[str]:
        """The option values of a select or checkbox field on the person's modal."""
        block = self._input(user, field_id)
        return [o["value"] for o in block["element"].get("options", [])]

    def field_ids(self, user: str) -> list[str]:
        return [b["block_id"] for b in self.views[user].get("blocks", []) if b.get("type") == "input"]

    def _input(self, user: str, field_id: str) -> dict[str, Any]:
        for block in self.views[user].get("blocks", []):
            if block.get("type") == "input" and block.get("block_id") == field_id:
                return block
        raise JourneyError(f"{user}: no field {field_id} on {self.views[user].get('callback_id')}")

    def click(self, user: str, action_id: str, value: str | None = None, *, in_modal: bool = True) -> None:
        """Click a button on the open modal (or, ``in_modal=False``, on a chat message)."""
        element: dict[str, Any] | None = None
        if in_modal:
            for block in self.views[user].get("blocks", []):
                for candidate in block.get("elements", []) if block.get("type") == "actions" else []:
                    if candidate["action_id"].partition("|")[0] == action_id and (
                        value is None or candidate.get("value") == value
                    ):
                        element = candidate
                        break
                if element is not None:
                    break
            if element is None:
                raise JourneyError(f"{user}: no button {action_id} {value} on {self.views[user].get('callback_id')}: "
                                   f"{self.buttons(user)}")
        else:
            element = {"action_id": action_id, **({"value": value} if value else {})}
        action = {"action_id": element["action_id"], "block_id": "b", "type": "button"}
        if "value" in element:
            action["value"] = element["value"]
        payload: dict[str, Any] = {"type": "block_actions", "user": {"id": user, "team_id": TEAM_ID},
                                   "team": {"id": TEAM_ID}, "trigger_id": self._trigger(user), "actions": [action]}
        if in_modal:
            view = self.views[user]
            payload["view"] = {**view, "state": {"values": {}}}
            payload["container"] = {"type": "view", "view_id": view.get("id")}
        before = len(self.api.calls)
        response = self.slack.interaction(payload)
        if response.status_code != 200:
            raise JourneyError(f"{user}: click refused: {response.status_code} {response.text}")
        self._await_view(before, user)

    def submit(self, user: str, values: Mapping[str, Any]) -> None:
        """Fill in ``values`` (field id -> text, option value, or list of values) and submit."""
        view = self.views[user]
        state: dict[str, Any] = {}
        for block in view.get("blocks", []):
            if block.get("type") != "input":
                continue
            field_id, element = block["block_id"], block["element"]
            given = values.get(field_id, _slack_initial(element))
            state[field_id] = {element["action_id"]: _slack_state(element, given)}
        unknown = set(values) - set(state)
        if unknown:
            raise JourneyError(f"{user}: no fields {unknown} on {view.get('callback_id')}")
        payload = {"type": "view_submission", "user": {"id": user, "team_id": TEAM_ID}, "team": {"id": TEAM_ID},
                   "trigger_id": self._trigger(user), "view": {**view, "state": {"values": state}}}
        response = self.slack.interaction(payload)
        if response.status_code != 200:
            raise JourneyError(f"{user}: submit refused: {response.status_code} {response.text}")
        self.shown[user].append(response.text)
        answer = response.json() if response.content else {}
        kind = answer.get("response_action")
        if kind == "errors":
            raise JourneyError(f"{user}: inline errors on {view.get('callback_id')}: {answer['errors']}")
        if kind in ("update", "push"):
            # Slack gives a pushed modal an id of its own, which only Slack knows; the id of
            # the modal below serves for the next views.update on the fake.
            self.views[user] = {**answer["view"], "id": view.get("id")}
        elif kind == "clear" or not answer:
            self.views.pop(user, None)

    def screen_id(self, user: str) -> str | None:
        view = self.views.get(user)
        return view.get("callback_id") if view else None

    def text(self, user: str) -> str:
        return json.dumps(self.views.get(user), ensure_ascii=False)


def _slack_initial(element: Mapping[str, Any]) -> Any:
    kind = element["type"]
    if kind == "plain_text_input":
        return element.get("initial_value")
    if kind in ("static_select", "radio_buttons"):
        return (element.get("initial_option") or {}).get("value")
    if kind == "checkboxes":
        return [o["value"] for o in element.get("initial_options", [])]
    if kind == "datepicker":
        return element.get("initial_date")
    return None


def _slack_state(element: Mapping[str, Any], value: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind == "plain_text_input":
        return {"type": kind, "value": value}
    if kind in ("static_select", "radio_buttons"):
        chosen = next((o for o in element.get("options", []) if o["value"] == value), None)
        if value is not None and chosen is None:
            raise JourneyError(f"no option {value} in {element['action_id']}")
        return {"type": kind, "selected_option": chosen}
    if kind == "checkboxes":
        return {"type": kind, "selected_options": [o for o in element.get("options", []) if o["value"] in (value or [])]}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    return {"type": kind, "selected_user": value}


# --------------------------------------------------------------------------- Teams


@dataclass(frozen=True)
class TeamsPerson:
    """A Teams user: their Entra object id (what vpbot knows them by) and 1:1 chat."""

    aad: str
    name: str

    @property
    def account(self) -> dict[str, Any]:
        return {"id": f"29:1-{self.aad}", "aadObjectId": self.aad, "name": self.name}

    @property
    def conversation(self) -> dict[str, Any]:
        return {"id": f"a:1-chat-{self.aad}", "conversationType": "personal", "tenantId": USER_TENANT}


@dataclass
class TeamsUI:
    """Teams users in one tenant clicking through vpbot's dialogs."""

    client: TeamsClient
    people: dict[str, TeamsPerson]
    cards: dict[str, dict[str, Any]] = field(default_factory=dict)  # user -> the dialog's card
    shown: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def _send(self, user: str, **activity: Any) -> Any:
        person = self.people[user]
        return self.client.send(**{"from": person.account, "conversation": person.conversation, **activity})

    def install(self, user: str) -> None:
        response = self._send(user, type="installationUpdate", action="add", text=None)
        if response.status_code != 200:
            raise JourneyError(f"{user}: install refused: {response.status_code}")

    def chat(self, user: str, text: str) -> None:
        """Type ``text`` into the 1:1 chat with the bot."""
        response = self._send(user, text=text)
        if response.status_code != 200:
            raise JourneyError(f"{user}: message refused: {response.status_code}")

    def _invoke(self, user: str, name: str, value: Any) -> None:
        response = self._send(user, type="invoke", name=name, value=value, text=None)
        if response.status_code != 200:
            raise JourneyError(f"{user}: {name} refused: {response.status_code} {response.text}")
        self.shown[user].append(response.text)
        if not response.content:
            self.cards.pop(user, None)
            return
        task = response.json().get("task", {})
        if task.get("type") == "continue":
            self.cards[user] = task["value"]["card"]["content"]
        elif task.get("type") == "message":
            raise JourneyError(f"{user}: {name} answered with a message: {task.get('value')}")
        else:
            self.cards.pop(user, None)

    def home(self, user: str, text: str = "") -> None:
        """The message extension command opens the menu; Slack's ``admin`` / ``adviser``
        command words become a click on the menu's panel button (Teams has no typed text)."""
        self._invoke(user, "composeExtension/fetchTask", {"commandId": "vertrouwenspersoon", "commandContext": "compose"})
        word = text.split(" ")[0] if text else ""
        panel = {"admin": "vpbot.panel.admin", "adviser": "vpbot.panel.adviser"}.get(word)
        if panel is not None:
            self.click(user, panel)

    def open(self, user: str, action_id: str, value: str | None = None) -> None:
        """A chat card's button (task/fetch): opens a dialog."""
        ours = {"action": action_id, **({"value": value} if value else {})}
        self._invoke(user, "task/fetch", {"data": {"msteams": {"type": "task/fetch"}, "vpbot": ours}})

    def _actions(self, user: str) -> list[Mapping[str, Any]]:
        return submit_actions(self.cards.get(user, {}))

    def buttons(self, user: str) -> list[tuple[str, str | None]]:
        return [(a["data"]["vpbot"]["action"], a["data"]["vpbot"].get("value")) for a in self._actions(user)
                if "action" in a["data"]["vpbot"]]

    def _inputs(self, user: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                if str(node.get("type", "")).startswith("Input."):
                    found.append(node)
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.cards.get(user, {}).get("body", []))
        return found

    def field_ids(self, user: str) -> list[str]:
        return [i["id"] for i in self._inputs(user)]

    def options(self, user: str, field_id: str) -> list[str]:
        for node in self._inputs(user):
            if node["id"] == field_id:
                return [c["value"] for c in node.get("choices", [])]
        raise JourneyError(f"{user}: no field {field_id}")

    def click(self, user: str, action_id: str, value: str | None = None, *, in_modal: bool = True) -> None:
        """A button inside the dialog (task/submit with the button's data); ``in_modal=False``:
        a chat card's button (task/fetch)."""
        if not in_modal:
            self.open(user, action_id, value)
            return
        for action in self._actions(user):
            ours = action["data"]["vpbot"]
            if ours.get("action") == action_id and (value is None or ours.get("value") == value):
                self._invoke(user, "task/submit", {"data": dict(action["data"])})
                return
        raise JourneyError(f"{user}: no button {action_id} {value}: {self.buttons(user)}")

    def submit(self, user: str, values: Mapping[str, Any]) -> None:
        """Fill in ``values`` and press the dialog's submit button."""
        submit = next((a for a in self._actions(user) if a["data"]["vpbot"].get("submit") is True), None)
        if submit is None:
            raise JourneyError(f"{user}: the dialog has no submit button")
        data: dict[str, Any] = dict(submit["data"])
        inputs = {i["id"]: i for i in self._inputs(user)}
        unknown = set(values) - set(inputs)
        if unknown:
            raise JourneyError(f"{user}: no fields {unknown}")
        for field_id, node in inputs.items():
            given = values.get(field_id, node.get("value"))
            if isinstance(given, list):
                given = ",".join(given)
            if given is not None:
                data[field_id] = given
        self._invoke(user, "task/submit", {"data": data})
        errors = _attention_texts(self.cards.get(user, {}))
        if errors and self.screen_id(user) == submit["data"]["vpbot"]["screen"]:  # the same form, with errors
            raise JourneyError(f"{user}: inline errors: {errors}")

    def screen_id(self, user: str) -> str | None:
        for action in self._actions(user):
            screen = action["data"]["vpbot"].get("screen")
            if screen:
                return str(screen)
        return None

    def text(self, user: str) -> str:
        return json.dumps(self.cards.get(user), ensure_ascii=False)


def _attention_texts(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        if node.get("color") == "attention" and isinstance(node.get("text"), str):
            found.append(node["text"])
        for value in node.values():
            found += _attention_texts(value)
    elif isinstance(node, list):
        for item in node:
            found += _attention_texts(item)
    return found

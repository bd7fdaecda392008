"""Clicking through vpbot's Slack modals the way a person in the Slack client does.

:class:`SlackUser` sends signed ``block_actions`` and ``view_submission`` payloads built from
the views vpbot really sent: the view JSON of the last ``views.open`` / ``views.push`` /
``views.update`` call the fake Web API recorded, or of a ``response_action`` answer. It
keeps that person's modal stack as Slack does, and fills ``state.values`` in Slack's shape::

    {block_id: {action_id: {"type": ..., "value" | "selected_option" | "selected_options"
                            | "selected_date" | "selected_user": ...}}}

:class:`ViewLog` gives every ``views.*`` call an id (the fake answers with the whole view,
like Slack) and remembers whose click caused it, so canary checks can tell a modal shown
to the authorised person from anything else.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.views import View

from tests.support.fake_slack import FakeSlackApi
from tests.support.http_fakes import RecordedCall, Reply
from tests.support.slack_requests import SlackSender

MODAL_METHODS = ("views.open", "views.push", "views.update")
MAX_STACK = 3  # Slack keeps at most three modals on a stack
APP_ID = "A0VPBOT"
WAIT = 5.0

_TRIGGERS = itertools.count(1)  # trigger ids, unique in the run


def validate_view(view: Mapping[str, Any]) -> str | None:
    """What is wrong with a modal by slack_sdk's models and Slack's limits, or None."""
    try:
        View(**view).validate_json()
        if view.get("type") == "modal" and len(view["title"]["text"]) > 24:
            raise ValueError("modal title over 24 characters")
    except (SlackObjectFormationError, ValueError, KeyError, TypeError) as exc:
        return str(exc)
    return None


class ViewLog:
    """Answers the fake's ``views.open/push/update`` like Slack (with the view and its id) and
    remembers which person's interaction caused each call."""

    def __init__(self, api: FakeSlackApi) -> None:
        self.api = api
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._view_ids: dict[int, str] = {}
        self.owners: dict[int, str] = {}  # id(call) -> the Slack user whose click caused it
        for name in MODAL_METHODS:
            api.handlers[name] = self._answer

    def _answer(self, call: RecordedCall) -> Reply:
        view = FakeSlackApi.view_of(call)
        if self.api.method(call) == "views.update":
            view_id = str(call.params.get("view_id") or "")
        else:
            view_id = f"V{next(self._ids):08d}"
        with self._lock:
            self._view_ids[id(call)] = view_id
        answered = {**view, "id": view_id, "team_id": self.api.team_id, "app_id": APP_ID,
                    "state": {"values": {}}, "hash": f"{time.time():.6f}.{view_id}"}
        return Reply(200, {"ok": True, "view": answered})

    def modal_calls(self) -> list[RecordedCall]:
        """Every views.open/push/update call so far, in order."""
        return [c for c in self.api.calls if self.api.method(c) in MODAL_METHODS]

    def view_id(self, call: RecordedCall, timeout: float = WAIT) -> str:
        """The id the fake gave the view of ``call`` (waits for the fake's answer)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if id(call) in self._view_ids:
                    return self._view_ids[id(call)]
            time.sleep(0.005)
        raise AssertionError(f"the fake never answered {self.api.method(call)}")

    def owner(self, call: RecordedCall) -> str | None:
        """The user whose interaction caused ``call`` (None if no SlackUser claimed it)."""
        return self.owners.get(id(call))


@dataclass
class Workspace:
    """Where a person is: their workspace, and the org for Enterprise Grid."""

    team_id: str
    enterprise_id: str | None = None
    is_enterprise_install: bool = False

    def team(self) -> dict[str, Any]:
        team: dict[str, Any] = {"id": self.team_id, "domain": "vpbot-test"}
        if self.enterprise_id:
            team["enterprise_id"] = self.enterprise_id
        return team

    def payload_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"team": self.team(), "is_enterprise_install": self.is_enterprise_install}
        fields["enterprise"] = {"id": self.enterprise_id, "name": "vpbot org"} if self.enterprise_id else None
        return fields


@dataclass
class SlackUser:
    """One person in the Slack client: their modal stack and what they click and type."""

    sender: SlackSender
    api: FakeSlackApi
    views: ViewLog
    user_id: str
    workspace: Workspace | None = None
    stack: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # the last response_action: errors
    response: httpx.Response | None = None
    seen: list[dict[str, Any]] = field(default_factory=list)  # every modal shown to this person

    def __post_init__(self) -> None:
        if self.workspace is None:
            self.workspace = Workspace(self.sender.team_id)

    # -- what is on screen ----------------------------------------------------------------

    @property
    def view(self) -> dict[str, Any]:
        """The modal on top of the stack."""
        assert self.stack, f"{self.user_id} has no modal open"
        return self.stack[-1]

    @property
    def callback_id(self) -> str:
        return str(self.view["callback_id"])

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(json.loads(self.view.get("private_metadata") or "{}"))

    def text(self) -> str:
        """Everything the top modal shows, as one string."""
        return json.dumps(self.view, ensure_ascii=False)

    def buttons(self, view: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """The buttons of a modal (default: the top one), with their block ids."""
        found = []
        for block in (view or self.view).get("blocks", []):
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element.get("type") == "button":
                    found.append({**element, "block_id": block.get("block_id", "")})
        return found

    def button(self, target: str, value: str | None = None,
               blocks: Iterable[Mapping[str, Any]] | None = None, *, last: bool = False) -> dict[str, Any]:
        """The first (or ``last``) button whose action id (with or without ``|value``) or
        label is ``target``."""
        candidates = self.buttons({"blocks": list(blocks)} if blocks is not None else None)
        for button in reversed(candidates) if last else candidates:
            action = str(button["action_id"])
            if target in (action, action.partition("|")[0], button["text"]["text"]) and (
                value is None or button.get("value") == value
            ):
                return button
        shown = [(b["action_id"], b["text"]["text"]) for b in candidates]
        raise AssertionError(f"no button {target!r} (value {value!r}) in {self._where()}: {shown}")

    def has_seen(self, text: str) -> bool:
        """Whether ``text`` was in any modal this person was shown."""
        return any(text in json.dumps(v, ensure_ascii=False) for v in self.seen)

    def inputs(self) -> dict[str, dict[str, Any]]:
        """The input blocks of the top modal by block id."""
        return {b["block_id"]: b for b in self.view.get("blocks", []) if b.get("type") == "input"}

    def _where(self) -> str:
        return self.stack[-1].get("callback_id", "?") if self.stack else "no modal"

    # -- acting ---------------------------------------------------------------------------

    def command(self, text: str = "") -> dict[str, Any]:
        """Type ``/vertrouwenspersoon <text>``; the modal it opens."""
        ws = self.workspace
        assert ws is not None
        fields = {
            "token": "legacy-verification-token", "team_id": ws.team_id, "team_domain": "vpbot-test",
            "channel_id": "D0CHAN", "channel_name": "directmessage", "user_id": self.user_id,
            "user_name": self.user_id.lower(), "command": "/vertrouwenspersoon", "text": text,
            "api_app_id": APP_ID, "is_enterprise_install": "true" if ws.is_enterprise_install else "false",
            "response_url": "https://hooks.slack.invalid/commands/1", "trigger_id": self._trigger(),
        }
        if ws.enterprise_id:
            fields.update(enterprise_id=ws.enterprise_id, enterprise_name="vpbot org")
        before = len(self.views.modal_calls())
        self._check(self.sender.form(fields))
        return self._await_view(before, f"/vertrouwenspersoon {text}".strip())

    def click(self, target: str, value: str | None = None, *, expect_view: bool = True) -> dict[str, Any] | None:
        """Click a button in the top modal (by action id or label); the modal shown next."""
        button = self.button(target, value)
        payload = self._base("block_actions")
        payload.update(
            container={"type": "view", "view_id": self.view["id"]},
            view=self._submitted_view({}),
            actions=[self._action(button)],
        )
        before = len(self.views.modal_calls())
        self._check(self.sender.interaction(payload))
        return self._await_view(before, target) if expect_view else None

    def click_message(self, blocks: Iterable[Mapping[str, Any]], target: str, value: str | None = None,
                      ) -> dict[str, Any]:
        """Click a button on a chat message (a notification); the modal it opens."""
        return self.press(self.button(target, value, blocks))

    def press(self, button: Mapping[str, Any]) -> dict[str, Any]:
        """Click a message button given as Block Kit JSON (``action_id``, ``value``)."""
        payload = self._base("block_actions")
        payload.update(
            container={"type": "message", "message_ts": "1700000000.000100", "channel_id": "D0CHAN",
                       "is_ephemeral": False},
            channel={"id": "D0CHAN", "name": "directmessage"},
            message={"type": "message", "ts": "1700000000.000100", "text": "", "blocks": []},
            actions=[self._action(button)],
        )
        before = len(self.views.modal_calls())
        self._check(self.sender.interaction(payload))
        return self._await_view(before, str(button.get("action_id")))

    def submit(self, values: Mapping[str, Any] | None = None, *, as_slack_allows: bool = True) -> httpx.Response:
        """Submit the top modal with ``values`` by block id (others keep their current value).

        ``as_slack_allows``: refuse, like the Slack client, to send an empty required field or
        a text over its ``max_length`` (False sends it anyway, as a forged request could).
        """
        view = self._submitted_view(values or {})
        if as_slack_allows:
            self._client_side_checks(view)
        payload = self._base("view_submission")
        payload.update(view=view, response_urls=[])
        response = self._check(self.sender.interaction(payload))
        self._apply_response(response)
        return response

    def close(self) -> None:
        """Close every modal (the ✕)."""
        self.stack.clear()

    # -- building payloads -----------------------------------------------------------------

    def _trigger(self) -> str:
        # Unique across every SlackUser of the run: two objects for one person typing the same
        # command in the same second would otherwise send the same body, rightly refused as a replay.
        return f"{int(time.time())}.{self.user_id}.{next(_TRIGGERS)}.trigger"

    def _base(self, kind: str) -> dict[str, Any]:
        ws = self.workspace
        assert ws is not None
        return {
            "type": kind, "token": "legacy-verification-token", "api_app_id": APP_ID,
            "user": {"id": self.user_id, "username": self.user_id.lower(), "name": self.user_id.lower(),
                     "team_id": ws.team_id},
            "trigger_id": self._trigger(), **ws.payload_fields(),
        }

    @staticmethod
    def _action(button: Mapping[str, Any]) -> dict[str, Any]:
        action = {"type": "button", "action_id": button["action_id"], "block_id": button.get("block_id", "b"),
                  "text": button.get("text", {"type": "plain_text", "text": ""}),
                  "action_ts": f"{time.time():.6f}"}
        if button.get("value") is not None:
            action["value"] = button["value"]
        return action

    def _submitted_view(self, values: Mapping[str, Any]) -> dict[str, Any]:
        view = dict(self.view)
        unknown = set(values) - set(self.inputs())
        assert not unknown, f"{self._where()} has no inputs {sorted(unknown)}; it has {sorted(self.inputs())}"
        state = {block_id: {block["element"]["action_id"]: _element_state(block["element"], values, block_id)}
                 for block_id, block in self.inputs().items()}
        view["state"] = {"values": state}
        view.setdefault("previous_view_id", None)
        view.setdefault("root_view_id", self.stack[0].get("id"))
        return view

    def _client_side_checks(self, view: Mapping[str, Any]) -> None:
        for block_id, block in self.inputs().items():
            element = block["element"]
            state = view["state"]["values"][block_id][element["action_id"]]
            if not block.get("optional") and _is_empty(state):
                raise AssertionError(f"Slack would not submit {self._where()}: {block_id} is required")
            limit = element.get("max_length")
            if limit is not None and len(state.get("value") or "") > limit:
                raise AssertionError(f"Slack would not submit {self._where()}: {block_id} is over {limit}")

    # -- answers ----------------------------------------------------------------------------

    def _check(self, response: httpx.Response) -> httpx.Response:
        self.response = response
        assert response.status_code == 200, (response.status_code, response.text)
        return response

    def _await_view(self, before: int, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            calls = self.views.modal_calls()
            if len(calls) > before:
                time.sleep(0.02)  # one click shows one view; give a straggler a moment
                calls = self.views.modal_calls()
                for call in calls[before:]:
                    self.views.owners[id(call)] = self.user_id
                    self._apply_call(call)
                return self.view
            time.sleep(0.01)
        raise AssertionError(f"no views.open/push/update after {self.user_id} did {what!r}")

    def _apply_call(self, call: RecordedCall) -> None:
        method = self.api.method(call)
        view = {**FakeSlackApi.view_of(call), "id": self.views.view_id(call)}
        self.seen.append(view)
        if method == "views.open":
            self.stack = [view]
        elif method == "views.push":
            self._push(view)
        else:
            ids = [v.get("id") for v in self.stack]
            assert view["id"] in ids, f"views.update of {view['id']}, not on {self.user_id}'s stack {ids}"
            self.stack[ids.index(view["id"])] = view
        self.errors = {}

    def _push(self, view: dict[str, Any]) -> None:
        if len(self.stack) >= MAX_STACK:
            self.api.view_errors.append(f"push_limit_reached: a fourth modal ({view.get('callback_id')})")
        self.stack.append(view)

    def _apply_response(self, response: httpx.Response) -> None:
        """What Slack does with a view_submission's answer."""
        answer = response.json() if response.content.strip() else {}
        action = answer.get("response_action")
        self.errors = {}
        if action is None:
            self.stack.pop()
        elif action == "clear":
            self.stack.clear()
        elif action == "errors":
            self.errors = dict(answer["errors"])
            assert set(self.errors) <= set(self.inputs()), f"errors for fields not on the modal: {self.errors}"
        elif action in ("update", "push"):
            view = dict(answer["view"])
            problem = validate_view(view)
            if problem is not None:
                self.api.view_errors.append(f"response_action {action}: {problem}")
            self.seen.append(view)
            if action == "update":
                self.stack[-1] = {**view, "id": self.view["id"]}
            else:
                self._push({**view, "id": f"V{self.user_id}{len(self.stack)}{time.monotonic_ns()}"})
        else:
            raise AssertionError(f"unknown response_action {action!r}")


def _element_state(element: Mapping[str, Any], values: Mapping[str, Any], block_id: str) -> dict[str, Any]:
    """One input's state as Slack sends it: the typed value, else what the modal started with."""
    kind = element["type"]
    given = block_id in values
    value = values.get(block_id)
    if kind == "plain_text_input":
        return {"type": kind, "value": value if given else element.get("initial_value")}
    if kind in ("static_select", "radio_buttons"):
        if not given:
            return {"type": kind, "selected_option": element.get("initial_option")}
        return {"type": kind, "selected_option": None if value is None else _option(element, value)}
    if kind == "checkboxes":
        if not given:
            return {"type": kind, "selected_options": list(element.get("initial_options") or [])}
        return {"type": kind, "selected_options": [_option(element, v) for v in value or ()]}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value if given else element.get("initial_date")}
    if kind == "users_select":
        return {"type": kind, "selected_user": value if given else element.get("initial_user")}
    raise AssertionError(f"no state for a {kind} element")


def _option(element: Mapping[str, Any], value: str) -> dict[str, Any]:
    for option in element.get("options", []):
        if option["value"] == value:
            return dict(option)
    offered = [o["value"] for o in element.get("options", [])]
    raise AssertionError(f"{element['action_id']} offers no {value!r}; it offers {offered}")


def _is_empty(state: Mapping[str, Any]) -> bool:
    kind = state["type"]
    if kind == "plain_text_input":
        return not state.get("value")
    if kind in ("static_select", "radio_buttons"):
        return not state.get("selected_option")
    if kind == "checkboxes":
        return not state.get("selected_options")
    if kind == "datepicker":
        return not state.get("selected_date")
    return not state.get("selected_user")

"""Bolt listeners: the slash command, buttons, modals and events.

Rules (DESIGN.md §2): ``ack()`` first and open the modal at once (trigger ids live 3 s);
never echo or store what was typed into the command or the chat; chat messages are
content-free.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_sdk import WebClient

from plugins.slack.context import tenant_external_id
from plugins.slack.directory import SlackDirectory
from plugins.slack.render import Renderer, read_values, split_action_id
from plugins.slack.stores import EncryptingInstallationStore
from vpbot.flows.core import Flows, Interaction, Kind, Mode
from vpbot.flows.home import command_action
from vpbot.flows.home_tab import home_tab
from vpbot.flows.registry import build_flows
from vpbot.services import tenants, uninstall
from vpbot.services.actor import Actor
from vpbot.services.dedupe import remember_once
from vpbot.services.uow import UnitOfWorkFactory
from vpbot.ui.i18n import t

log = logging.getLogger(__name__)

COMMAND = "/vertrouwenspersoon"


def register(app: App, uows: UnitOfWorkFactory, store: EncryptingInstallationStore | None) -> None:
    """Attach every listener to ``app``."""

    @app.middleware
    def deduplicate_events(body: dict[str, Any], next: Any) -> Any:  # noqa: A002 - Bolt's name
        # Slack retries events it thinks failed; each event id is handled once.
        if body.get("type") == "event_callback" and not remember_once(uows, "slack-event:" + body["event_id"]):
            return BoltResponse(status=200, body="")
        return next()

    flows = build_flows(uows)

    @app.command(COMMAND)
    def command(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()  # no text: what was typed is never echoed (C3); only a first keyword is read
        interaction = Interaction(Kind.ACTION, command_action(body.get("text")), in_modal=False)
        _run(flows, client, context, body["user_id"], interaction, trigger_id=body["trigger_id"])

    @app.action(re.compile(r"^vpbot\."))
    def action(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        ack()
        clicked = body["actions"][0]
        action_id, value = split_action_id(clicked["action_id"])
        view = body.get("view") if isinstance(body.get("view"), dict) else None
        interaction = Interaction(
            Kind.ACTION, action_id, value=clicked.get("value") or value,
            metadata=_metadata(view), in_modal=view is not None and view.get("type") == "modal",
        )
        _run(flows, client, context, body["user"]["id"], interaction,
             trigger_id=body.get("trigger_id"), view=view)

    @app.view(re.compile(r"^vpbot\."))
    def submit(ack: Ack, body: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        view = body["view"]
        interaction = Interaction(Kind.SUBMIT, view["callback_id"], values=read_values(view), metadata=_metadata(view))
        actor, outcome = flows.handle(
            "slack", _tenant(context), body["user"]["id"], interaction, directory=SlackDirectory(client)
        )
        renderer = _renderer(actor)
        if outcome.errors:
            ack(response_action="errors",
                errors={field: renderer.text(msg)[:150] for field, msg in outcome.errors.items()})
        elif outcome.screen is None or outcome.mode is Mode.CLOSE:
            ack(response_action="clear")
        elif outcome.mode is Mode.PUSH:
            ack(response_action="push", view=renderer.modal(outcome.screen))
        else:
            ack(response_action="update", view=renderer.modal(outcome.screen))

    @app.view_closed(re.compile(r"^vpbot\."))
    def closed(ack: Ack) -> None:
        ack()

    @app.event("message")
    def message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        # Free text typed to the bot: a neutral reply, nothing stored or echoed (C3).
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        locale = _tenant_language(uows, context)
        client.chat_postMessage(channel=event["channel"], text=t("chat.neutral_reply", locale))

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        # A published view is visible without a click: content-free by construction (C2).
        user = event.get("user")
        if event.get("tab") != "home" or not isinstance(user, str) or not user:
            return
        tab = home_tab(uows, "slack", _tenant(context), user)
        client.views_publish(user_id=user, view=Renderer(tab.locale, tab.timezone).home(tab.screen))

    @app.event("app_uninstalled")
    def uninstalled(context: BoltContext) -> None:
        _remove_tokens(store, context)
        with uows() as uow:
            external = tenant_external_id(context)
            tenant = tenants.mark_uninstalled(uow, "slack", external) if external else None
            if tenant is not None:
                uninstall.apply_uninstall_policy(uow, tenant.id)
            uow.commit()

    @app.event("tokens_revoked")
    def tokens_revoked(event: dict[str, Any], context: BoltContext) -> None:
        tokens = event.get("tokens")
        if isinstance(tokens, dict) and tokens.get("bot"):
            _remove_tokens(store, context)


def _tenant(context: BoltContext) -> str:
    external = tenant_external_id(context)
    if not external:
        raise ValueError("request without a workspace")
    return external


def _metadata(view: dict[str, Any] | None) -> dict[str, Any]:
    raw = view.get("private_metadata") if view else None
    if not isinstance(raw, str) or not raw:  # Slack sends a string; anything else is junk
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def _renderer(actor: Actor | None) -> Renderer:
    return Renderer(actor.locale, actor.timezone) if actor else Renderer("nl", "Europe/Amsterdam")


def _run(
    flows: Flows,
    client: WebClient,
    context: BoltContext,
    user_id: str,
    interaction: Interaction,
    *,
    trigger_id: str | None,
    view: dict[str, Any] | None = None,
) -> None:
    """Run a click through the flows and show the outcome with the right views.* call."""
    actor, outcome = flows.handle("slack", _tenant(context), user_id, interaction, directory=SlackDirectory(client))
    if outcome.screen is None or outcome.mode is Mode.CLOSE:
        return
    payload = _renderer(actor).modal(outcome.screen)
    # A click on the App Home tab (or a message) opens a modal; only a modal is updated or pushed on.
    modal = view if view is not None and view.get("type") == "modal" else None
    if outcome.mode is Mode.UPDATE and modal is not None and modal.get("id"):
        client.views_update(view_id=modal["id"], view=payload)
    elif outcome.mode is Mode.PUSH and modal is not None:
        client.views_push(trigger_id=trigger_id, view=payload)
    else:
        client.views_open(trigger_id=trigger_id, view=payload)


def _remove_tokens(store: EncryptingInstallationStore | None, context: BoltContext) -> None:
    if store is None:
        return  # single-workspace mode: the token lives in the environment, not with us
    store.delete_all(enterprise_id=context.enterprise_id, team_id=None if context.is_enterprise_install else context.team_id)


def _tenant_language(uows: UnitOfWorkFactory, context: BoltContext) -> str:
    with uows() as uow:
        external = tenant_external_id(context)
        tenant = tenants.find_tenant(uow, "slack", external) if external else None
        return tenants.tenant_settings(uow, tenant.id).language if tenant else "nl"

"""The Teams activity handler behind ``POST /api/messages`` (see :mod:`plugins.teams.http`).

- ``installationUpdate`` / ``conversationUpdate`` (the bot added in the personal scope):
  register the tenant and the user's conversation reference, make the first installer the
  tenant's first admin, and post the neutral welcome card; removal forgets the reference.
- Every activity from a user updates their stored ``serviceUrl`` (the latest wins).
- A message typed to the bot gets a neutral reply with a button; its text is never read
  further, stored or echoed (DESIGN.md C3).
- Dialog invokes run through the platform-neutral flows; the answer is the next card, a
  short neutral text, or nothing (the dialog closes). Nothing from a dialog is ever posted
  into the chat (the Teams SDK's dialog sample does that: vpbot does not).
- Other invokes answer ``None``, which the HTTP layer turns into 501; other activity
  types get 200.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from plugins.teams import dialogs, install
from plugins.teams.auth import TeamsClaims
from plugins.teams.chat_cards import neutral_reply_activity, welcome_activity
from plugins.teams.connector import ConnectorError
from plugins.teams.context import TeamsContext, teams_context
from plugins.teams.directory import TeamsDirectory
from plugins.teams.render import CardRenderer
from vpbot.domain.errors import DomainError
from vpbot.flows.core import ERROR_SCREEN, Flows, Mode, Outcome
from vpbot.services.actor import Actor
from vpbot.services.uow import UnitOfWork, UnitOfWorkFactory
from vpbot.ui.i18n import normalize_locale
from vpbot.ui.screens import Screen, Text
from vpbot.ui.text import Msg

log = logging.getLogger(__name__)
T = TypeVar("T")

PLATFORM = "teams"


class ChatClient(Protocol):
    """Posts an activity into a conversation (``BotConnectorClient`` fits)."""

    def send_activity(self, service_url: str, conversation_id: str, activity: Mapping[str, Any]) -> str | None: ...


class TeamsBot:
    """Handles one authenticated activity; returns ``{"status", "body"}`` for invokes."""

    def __init__(
        self, uows: UnitOfWorkFactory, flows: Flows, chat: ChatClient, *, default_timezone: str = "Europe/Amsterdam"
    ) -> None:
        self.uows = uows
        self.flows = flows
        self.chat = chat
        self.default_timezone = default_timezone

    def __call__(self, activity: dict[str, Any], claims: TeamsClaims) -> dict[str, Any] | None:
        context = teams_context(activity, claims)
        kind = activity.get("type")
        if kind == "invoke":
            return self.invoke(activity, context)
        if kind == "installationUpdate":
            self.installation_update(activity, context)
        elif kind == "conversationUpdate":
            self.conversation_update(activity, context)
        elif kind == "message":
            self.message(activity, context)
        else:
            self.touch(context)
        return None

    # ------------------------------------------------------------------ install, removal

    def installation_update(self, activity: Mapping[str, Any], context: TeamsContext) -> None:
        """The app was added to or removed from the user's personal scope (or upgraded)."""
        action = activity.get("action")
        if not context.personal:
            return  # vpbot is a personal app; team and group-chat installs are not used
        if action == "add":
            self.installed(context)
        elif action == "remove":
            self.removed(context)
        else:  # add-upgrade, remove-upgrade
            self.touch(context)

    def conversation_update(self, activity: Mapping[str, Any], context: TeamsContext) -> None:
        """Members changed; for the bot itself in a personal chat this is an install or removal."""
        bot_id = _account_id(activity.get("recipient"))
        if context.personal and bot_id and bot_id in _member_ids(activity.get("membersAdded")):
            self.installed(context)
        elif context.personal and bot_id and bot_id in _member_ids(activity.get("membersRemoved")):
            self.removed(context)
        else:
            self.touch(context)

    def installed(self, context: TeamsContext) -> None:
        """Record the user (first installer: first admin) and welcome them once."""
        seen = self.uows.run(lambda uow: _committed(uow, install.touch(uow, context, installing=True)))
        if seen is not None and seen.new_conversation:
            self.post(context, welcome_activity(self.renderer(seen.actor, context), seen.actor), "welcome")

    def removed(self, context: TeamsContext) -> None:
        """Forget where to reach the user; the tenant's last removal uninstalls it."""
        with self.uows() as uow:
            uninstalled = install.remove(uow, context)
            uow.commit()
        if uninstalled:
            log.info("teams: the last installation in a tenant was removed; tenant marked uninstalled")

    def touch(self, context: TeamsContext) -> install.Seen | None:
        """Register the sender and keep their latest ``serviceUrl``."""
        # Run again if it lost a race with another first activity from a new tenant or person.
        return self.uows.run(lambda uow: _committed(uow, install.touch(uow, context)))

    # ------------------------------------------------------------------ chat

    def message(self, activity: Mapping[str, Any], context: TeamsContext) -> None:
        """Free text typed to the bot: a neutral reply pointing to the app (text unread)."""
        seen = self.touch(context)
        if seen is None or not context.personal or not isinstance(activity.get("text"), str):
            return  # not a 1:1 chat message (a card submit has no text)
        self.post(context, neutral_reply_activity(self.renderer(seen.actor, context)), "reply")

    def post(self, context: TeamsContext, activity: Mapping[str, Any], what: str) -> None:
        """Post a content-free card into the user's chat; a failure is logged, not raised."""
        if context.conversation_id is None:
            return
        try:
            self.chat.send_activity(context.service_url, context.conversation_id, activity)
        except ConnectorError as exc:
            log.warning("teams: could not post the %s card (%s)", what, exc.code)

    # ------------------------------------------------------------------ dialogs

    def invoke(self, activity: Mapping[str, Any], context: TeamsContext) -> dict[str, Any] | None:
        """Dialog invokes; ``None`` (501) for anything else."""
        name = str(activity.get("name") or "")
        value = activity.get("value")
        if name in dialogs.FETCH_INVOKES:
            request: dialogs.DialogRequest | None = dialogs.fetch_request(name, value)
        elif name in dialogs.SUBMIT_INVOKES:
            request = dialogs.submit_request(value)
        else:
            return None
        if request is None or request.errors or not context.identified:
            seen = self.touch(context)
            renderer = self.renderer(seen.actor if seen is not None else None, context)
            if request is None or seen is None:
                return dialogs.message(renderer.text("error.unexpected"))
            # A Teams-specific input format was wrong: the flows never see it.
            return self.answer(name, request, Outcome(errors=request.errors), renderer)
        assert context.tenant_id is not None and context.user_id is not None

        def remember(uow: UnitOfWork, actor: Actor) -> None:
            # The reference is kept current in the dialog's own transaction (one, not two).
            install.remember_reference(uow, context, actor.tenant_id, actor.person_id)

        actor, outcome = self.flows.handle(
            PLATFORM, context.tenant_id, context.user_id, request.interaction, directory=TeamsDirectory(context),
            on_identified=remember, **install.person_facts(context),
        )
        if outcome.errors or (outcome.screen is not None and outcome.screen.id == ERROR_SCREEN):
            # The dialog's transaction was rolled back, and the reference with it: record it
            # on its own (one read when nothing changed), or a new serviceUrl would be lost.
            try:
                self.touch(context)
            except DomainError:
                pass  # the database is down: the person already sees that
        return self.answer(name, request, outcome, self.renderer(actor, context))

    @staticmethod
    def answer(
        name: str, request: dialogs.DialogRequest, outcome: Outcome, renderer: CardRenderer
    ) -> dict[str, Any]:
        """The task response for ``outcome``."""
        if outcome.errors:
            if request.form is not None:
                dialog = renderer.dialog(request.form, values=request.values, errors=outcome.errors)
                return dialogs.continue_with(dialog)
            return dialogs.continue_with(renderer.dialog(message_screen(next(iter(outcome.errors.values())))))
        if outcome.screen is None or outcome.mode is Mode.CLOSE:
            if name in dialogs.FETCH_INVOKES:
                return dialogs.message(renderer.text("teams.dialog.done"))
            return dialogs.close(name)
        return dialogs.continue_with(renderer.dialog(outcome.screen))

    def renderer(self, actor: Actor | None, context: TeamsContext) -> CardRenderer:
        """A renderer in the person's language and time zone (or the activity's)."""
        if actor is not None:
            return CardRenderer(actor.locale, actor.timezone)
        return CardRenderer(normalize_locale(context.locale), context.timezone or self.default_timezone)


def _committed(uow: UnitOfWork, result: T) -> T:
    """Commit ``uow`` and pass ``result`` on (for one-expression units of work)."""
    uow.commit()
    return result


def message_screen(msg: Msg) -> Screen:
    """A calm screen showing one (error) message, for when the form cannot be shown again."""
    return Screen(ERROR_SCREEN, "error.title", (Text(msg.key, msg.params),), close_key="modal.close")


def _account_id(value: object) -> str | None:
    account_id = value.get("id") if isinstance(value, Mapping) else None
    return account_id if isinstance(account_id, str) and account_id else None


def _member_ids(value: object) -> set[str]:
    if not isinstance(value, list):
        return set()
    return {member_id for member in value if (member_id := _account_id(member))}

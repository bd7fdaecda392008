"""Platform-neutral interactions: a click or a submit in, the next screen out.

The Slack and Teams plugins stay thin: they turn a platform payload into an
:class:`Interaction`, call :meth:`Flows.handle`, and render the :class:`Outcome` (a Block Kit
modal or an Adaptive Card dialog). Everything in between — which service to call, which
screen follows, how an error is shown — lives here once, for both platforms.

Handlers are registered per action id (buttons) and per screen id (submits). Each runs in
one unit of work; a :class:`~vpbot.domain.errors.DomainError` becomes an inline field error
(when the handler says which field it belongs to) or a calm error screen — never an
exception for the platform.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from vpbot.domain.errors import DomainError
from vpbot.services import tenants
from vpbot.services.actor import Actor
from vpbot.services.uow import UnitOfWork, UnitOfWorkFactory
from vpbot.ui.errors import FALLBACK_KEY, error_key
from vpbot.ui.i18n import placeholders
from vpbot.ui.notifications import ObjectRef, ObjectType
from vpbot.ui.screens import Screen, Text
from vpbot.ui.text import Msg

log = logging.getLogger(__name__)

ERROR_SCREEN = "vpbot.error"


class Kind(enum.StrEnum):
    """What the person did."""

    ACTION = "action"  # clicked a button (in a modal, or on a chat notification)
    SUBMIT = "submit"  # submitted a modal / dialog


class Mode(enum.StrEnum):
    """How the platform shows the outcome's screen."""

    OPEN = "open"  # a new modal (from a chat message or command)
    PUSH = "push"  # on top of the current modal (back returns to it)
    UPDATE = "update"  # replace the current modal
    CLOSE = "close"  # close the modal(s); nothing to show


@dataclass(frozen=True)
class Interaction:
    """A platform-neutral click or submit."""

    kind: Kind
    id: str  # the action id (ACTION) or the screen id (SUBMIT)
    value: str | None = None  # the clicked button's value
    values: Mapping[str, Any] = field(default_factory=dict)  # submitted fields by id
    metadata: Mapping[str, Any] = field(default_factory=dict)  # the screen's private_metadata
    in_modal: bool = True  # False for a click on a chat notification


@dataclass(frozen=True)
class Outcome:
    """What to show next."""

    screen: Screen | None = None
    mode: Mode = Mode.UPDATE
    errors: Mapping[str, Msg] = field(default_factory=dict)  # field id -> inline error

    @classmethod
    def show(cls, screen: Screen, interaction: Interaction) -> Outcome:
        """Show ``screen``: pushed on a modal, or opened from chat."""
        return cls(screen, Mode.PUSH if interaction.in_modal else Mode.OPEN)

    @classmethod
    def replace(cls, screen: Screen, interaction: Interaction) -> Outcome:
        """Replace the current modal with ``screen`` (or open it from chat)."""
        return cls(screen, Mode.UPDATE if interaction.in_modal else Mode.OPEN)


class FieldError(DomainError):
    """A domain error that belongs to one input field (shown inline next to it)."""

    def __init__(self, field_id: str, error: DomainError) -> None:
        super().__init__(error.key, **error.params)
        self.field_id = field_id


@dataclass(frozen=True)
class UserFacts:
    """What a platform tells about one of its users (looked up when needed, never stored
    except the flags a use case needs, such as "workspace admin" for the conflict warning)."""

    display_name: str | None = None
    is_workspace_admin: bool = False
    timezone: str | None = None
    locale: str | None = None


class PlatformDirectory:
    """Port: look up a platform user (Slack ``users.info``, Teams roster). Plugins subclass it."""

    def user_facts(self, user_id: str) -> UserFacts:
        """Facts about ``user_id``; the default knows nothing."""
        return UserFacts()


@dataclass
class FlowContext:
    """What a handler works with: one unit of work, the actor, and the platform's directory.

    A handler that changes the actor (their language) replaces ``actor``; the outcome is then
    rendered for the changed actor.
    """

    uow: UnitOfWork
    actor: Actor
    platform: str
    directory: PlatformDirectory


Handler = Callable[[FlowContext, Interaction], Outcome]
RefOpener = Callable[[FlowContext, str, Interaction], "Outcome | None"]


def error_msg(error: DomainError) -> Msg:
    """The catalogue message for an error, with only the int parameters its text takes.

    Parameters are never typed text (DomainError params may be anything); if the text needs
    a parameter the error does not carry, the calm generic text is shown instead.
    """
    key = error_key(error.key)
    wanted = placeholders(key)
    params = {k: v for k, v in error.params.items() if k in wanted and type(v) is int}
    if set(params) != wanted:
        return Msg(FALLBACK_KEY)
    return Msg(key, params)


def error_screen(error: DomainError) -> Screen:
    """A calm screen for an error that belongs to no field."""
    msg = error_msg(error)
    return Screen(ERROR_SCREEN, "error.title", (Text(msg.key, msg.params),), close_key="modal.close")


class Flows:
    """The registry of handlers and the one place that runs them."""

    def __init__(self, uows: UnitOfWorkFactory) -> None:
        self.uows = uows
        self._actions: dict[str, Handler] = {}
        self._submits: dict[str, Handler] = {}
        self._ref_openers: dict[ObjectType, list[RefOpener]] = {}

    def on_action(self, action_id: str) -> Callable[[Handler], Handler]:
        """Register a handler for a button's action id."""

        def register(handler: Handler) -> Handler:
            self._actions[action_id] = handler
            return handler

        return register

    def on_submit(self, screen_id: str) -> Callable[[Handler], Handler]:
        """Register a handler for a screen's submit."""

        def register(handler: Handler) -> Handler:
            self._submits[screen_id] = handler
            return handler

        return register

    def on_ref(self, object_type: ObjectType) -> Callable[[RefOpener], RefOpener]:
        """Register an opener for a notification's object reference (the "open" button).

        Openers are tried in registration order; one returns None when the object is not
        the actor's to open in that role (e.g. the employee's vs the adviser's view of an
        appointment), and the next is tried.
        """

        def register(opener: RefOpener) -> RefOpener:
            self._ref_openers.setdefault(object_type, []).append(opener)
            return opener

        return register

    def open_ref(self, context: FlowContext, ref: ObjectRef, interaction: Interaction) -> Outcome:
        """Open the screen for ``ref`` with the first opener that accepts it."""
        for opener in self._ref_openers.get(ref.type, []):
            outcome = opener(context, ref.id, interaction)
            if outcome is not None:
                return outcome
        raise DomainError("not_found")

    def knows(self, interaction: Interaction) -> bool:
        """Whether a handler is registered for ``interaction``."""
        table = self._actions if interaction.kind is Kind.ACTION else self._submits
        return interaction.id in table

    def handle(
        self,
        platform: str,
        tenant_external_id: str,
        user_id: str,
        interaction: Interaction,
        *,
        directory: PlatformDirectory | None = None,
        on_identified: Callable[[UnitOfWork, Actor], None] | None = None,
        **facts: Any,
    ) -> tuple[Actor | None, Outcome]:
        """Resolve the actor, run the handler in one unit of work, and commit on success.

        ``facts`` are what the platform said about the acting user (locale, timezone,
        is_workspace_admin) and are stored on their person record. ``on_identified`` runs
        in the same transaction once the actor is known (the Teams plugin records where to
        reach the person there, instead of in a transaction of its own).
        """
        table = self._actions if interaction.kind is Kind.ACTION else self._submits
        handler = table.get(interaction.id)
        if handler is None:
            log.info("no handler for %s %s", interaction.kind, interaction.id)
            return None, Outcome(error_screen(DomainError("not_found")), _error_mode(interaction))
        actor: Actor | None = None

        def unit(uow: UnitOfWork) -> tuple[Actor, Outcome]:
            nonlocal actor
            actor = tenants.identify_platform_user(uow, platform, tenant_external_id, user_id, **facts)
            if on_identified is not None:
                on_identified(uow, actor)
            context = FlowContext(uow, actor, platform, directory or PlatformDirectory())
            outcome = handler(context, interaction)
            uow.commit()
            # A handler may have changed the actor (e.g. their language): render for that.
            return context.actor, outcome

        try:
            # Run again if it lost a race to create the workspace or person (first requests).
            return self.uows.run(unit)
        except FieldError as error:
            return actor, Outcome(errors={error.field_id: error_msg(error)})
        except DomainError as error:
            log.info("interaction %s refused: %s", interaction.id, error.key)
            return actor, Outcome(error_screen(error), _error_mode(interaction))


def _error_mode(interaction: Interaction) -> Mode:
    return Mode.PUSH if interaction.in_modal else Mode.OPEN

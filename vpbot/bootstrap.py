"""The composition root: the one place that wires real (or, in tests, fake) adapters."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.routing import BaseRoute

if TYPE_CHECKING:
    from plugins.slack.plugin import SlackPlugin

from vpbot.crypto.keyring import MasterKeyring, load_or_create_dev_key_file
from vpbot.crypto.wrapping import MasterKeyWrapper
from vpbot.dispatch.dispatcher import Dispatcher, default_worker_id
from vpbot.dispatch.ports import Sender
from vpbot.services.clock import Clock
from vpbot.services.uow import UnitOfWorkFactory
from vpbot.settings import DEFAULT_DEV_KEY_FILE, Settings
from vpbot.storage.db import make_engine

log = logging.getLogger(__name__)

DEV_KEY_WARNING = (
    "NO MASTER KEY CONFIGURED: using the development key file {path}. "
    "This is only for trying vpbot out; anyone who can read that file can read every case. "
    "For real use run `vpbot keys generate` and set VPBOT_MASTER_KEY."
)


@dataclass
class Container:
    """Everything a process needs, built once at start."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    keyring: MasterKeyring
    key_wrapper: MasterKeyWrapper
    uows: UnitOfWorkFactory
    slack: SlackPlugin | None = None


def load_keyring(settings: Settings) -> MasterKeyring:
    """The master keyring from the environment, a key file, or a (new) development key file.

    Raises ``KeyringError`` (a ``ValueError``) with a one-line message if the key is malformed.
    """
    if settings.master_key is not None:
        return MasterKeyring.parse(settings.master_key)
    if settings.master_key_file is not None:
        return MasterKeyring.parse(Path(settings.master_key_file).read_text().strip())
    path = Path(DEFAULT_DEV_KEY_FILE).resolve()
    text, _created = load_or_create_dev_key_file(path)
    for line in DEV_KEY_WARNING.format(path=path).split(". "):
        log.warning("!!! %s", line.rstrip("."))
    return MasterKeyring.parse(text)


def bootstrap(settings: Settings, *, engine: Engine | None = None, clock: Clock | None = None) -> Container:
    """Build the container for ``settings``; tests may pass their own engine."""
    keyring = load_keyring(settings)
    engine = engine or make_engine(settings.database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    wrapper = MasterKeyWrapper(keyring)
    return Container(
        settings=settings,
        engine=engine,
        sessions=sessions,
        keyring=keyring,
        key_wrapper=wrapper,
        uows=UnitOfWorkFactory(sessions, wrapper, clock or Clock()),
    )


def slack_plugin(container: Container) -> SlackPlugin | None:
    """The Slack plugin, built once per container (None when Slack is not configured)."""
    if not container.settings.slack.configured:
        return None
    if container.slack is None:
        from plugins.slack.plugin import build_slack_plugin

        container.slack = build_slack_plugin(container.settings.slack, container.uows)
    return container.slack


def platform_routes(container: Container) -> list[BaseRoute]:
    """The HTTP routes of every configured platform plugin."""
    routes: list[BaseRoute] = []
    slack = slack_plugin(container)
    if slack is not None:
        routes += slack.routes()
    if container.settings.teams.configured:
        from plugins.teams.plugin import build_teams_routes

        routes += build_teams_routes(container)
    return routes


def build_senders(container: Container) -> dict[str, Sender]:
    """The platform senders for the configured platforms, by platform name.

    A platform that is not configured has no sender; the dispatcher then leaves its rows
    pending (and says so) instead of dropping them. Senders get the container because they
    need the database (installations, tokens to rotate).
    """
    senders: dict[str, Sender] = {}
    if container.settings.slack.configured:
        from plugins.slack.sender import build_slack_sender

        senders["slack"] = build_slack_sender(container)
    if container.settings.teams.configured:
        from plugins.teams.plugin import build_teams_sender

        senders["teams"] = build_teams_sender(container)
    return senders


def build_dispatcher(container: Container, *, worker_id: str | None = None) -> Dispatcher:
    """A dispatcher on the container's database with the configured senders."""
    return Dispatcher(
        container.sessions,
        container.key_wrapper,
        build_senders(container),
        container.uows.clock,
        worker_id or default_worker_id(),
    )

"""The composition root: the one place that wires real (or, in tests, fake) adapters."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from vpbot.crypto.keyring import MasterKeyring, load_or_create_dev_key_file
from vpbot.crypto.wrapping import MasterKeyWrapper
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


def bootstrap(settings: Settings, *, engine: Engine | None = None) -> Container:
    """Build the container for ``settings``; tests may pass their own engine."""
    keyring = load_keyring(settings)
    engine = engine or make_engine(settings.database_url)
    return Container(
        settings=settings,
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        keyring=keyring,
        key_wrapper=MasterKeyWrapper(keyring),
    )

"""Helpers for service tests: a unit-of-work factory on a test database, and a tenant."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from vpbot.crypto.keyring import MasterKeyring, generate_entry
from vpbot.crypto.wrapping import MasterKeyWrapper
from vpbot.services.clock import FixedClock
from vpbot.services.uow import UnitOfWorkFactory

TEST_KEYRING = MasterKeyring.parse(generate_entry("test"))
# A Monday morning in Amsterdam, well before the 2026 autumn DST change.
T0 = datetime(2026, 9, 7, 8, 0, tzinfo=timezone.utc)


def uow_factory(engine: Engine, clock: FixedClock | None = None) -> UnitOfWorkFactory:
    """A unit-of-work factory with a fixed clock (``factory.clock``) on ``engine``."""
    return UnitOfWorkFactory(
        sessionmaker(engine, expire_on_commit=False), MasterKeyWrapper(TEST_KEYRING), clock or FixedClock(T0)
    )

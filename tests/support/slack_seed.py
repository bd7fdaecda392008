"""Seeding a running ``vpbot serve`` (Slack, single workspace) through the core services.

The e2e tests that are about one screen or one event (the App Home tab, uninstall) do not
click through the whole journey to get there: they write the same rows the journey would,
with the services, the server's master key and the real clock, and then talk to the server
over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from tests.support.booking import make_world
from tests.support.fake_slack import TEAM_ID
from vpbot.crypto.keyring import MasterKeyring
from vpbot.crypto.wrapping import MasterKeyWrapper
from vpbot.services import booking, cases, threads
from vpbot.services.clock import Clock
from vpbot.services.uow import UnitOfWorkFactory
from vpbot.storage.db import make_engine

EMPLOYEE = "U0EMPLOYEE"
ADVISER = "U_ADVISER"  # tests.support.booking's adviser, "Anne de Vries"
ADVISER_NAME = "Anne de Vries"


@dataclass(frozen=True)
class SeededCase:
    """An employee's booked appointment, thread and the adviser's note, all holding ``marker``."""

    make: UnitOfWorkFactory
    tenant_id: str
    case_id: str
    reference: str
    pseudonym: str
    appointment_id: str


@dataclass(frozen=True)
class ServerDb:
    """The server's database, with units of work on its keys and the real clock."""

    engine: Engine
    make: UnitOfWorkFactory


@contextmanager
def server_db(db_url: str, master_key: str) -> Iterator[ServerDb]:
    """Open the running server's database the way the server does."""
    engine = make_engine(db_url)
    try:
        wrapper = MasterKeyWrapper(MasterKeyring.parse(master_key))
        yield ServerDb(engine, UnitOfWorkFactory(sessionmaker(engine, expire_on_commit=False), wrapper, Clock()))
    finally:
        engine.dispose()


def seed_case(db: ServerDb, marker: str, team_id: str = TEAM_ID) -> SeededCase:
    """An adviser with availability; the employee books (note), writes (thread); a case note."""
    world = make_world(db.engine, external_id=team_id, make=db.make)
    employee = world.person(EMPLOYEE)
    slot = world.run(booking.free_slots, employee, world.adviser_id)[0]
    view = world.run(booking.book, employee, world.adviser_id, slot.starts_at, "video",
                     "bullying", f"booking note {marker}")
    world.run(threads.start_thread, employee, world.adviser_id, f"thread message {marker}")
    [summary] = world.run(cases.adviser_cases, world.adviser, "open")
    world.run(cases.add_note, world.adviser, summary.id, f"adviser note {marker}")
    return SeededCase(db.make, world.tenant_id, summary.id, summary.reference, summary.pseudonym,
                      view.appointment_id)

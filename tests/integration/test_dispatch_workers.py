"""Delivery over real HTTP: flaky platforms, several worker processes, workers killed mid-send.

The fake platform records every outbox id it receives and can tell whether one was already
posted, so the tests count losses (ids never received) and duplicates (ids received twice).
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import sessionmaker

from tests.support.core import T0
from tests.support.databases import truncate_all
from tests.support.dispatch import bulk_checkins, dispatcher, seed_workspace, statuses
from tests.support.fake_platform import FakePlatform, HttpSender
from tests.support.server import clean_env
from vpbot.crypto.keyring import MasterKeyring, generate_entry
from vpbot.crypto.wrapping import MasterKeyWrapper
from vpbot.services.clock import FixedClock
from vpbot.services.uow import UnitOfWorkFactory
from vpbot.storage.db import make_engine
from vpbot.storage.models import OutboxItem

REPO = Path(__file__).resolve().parents[2]
KEY_ENTRY = generate_entry("workers")


def _factory(engine: Engine) -> UnitOfWorkFactory:
    return UnitOfWorkFactory(
        sessionmaker(engine, expire_on_commit=False),
        MasterKeyWrapper(MasterKeyring.parse(KEY_ENTRY)),
        FixedClock(T0),
    )


def test_429s_500s_and_timeouts_at_random_and_everything_still_arrives_once(engine: Engine) -> None:
    make = _factory(engine)
    ws = seed_workspace(make)
    ids = bulk_checkins(engine, ws.tenant_id, [ws.employee_id, ws.other_id], 100)
    with FakePlatform(fault_rate=0.3, slow_reply=0.3, seed=11) as platform:
        d = dispatcher(
            make, {"slack": HttpSender(platform.url, timeout=0.1)}, max_attempts=25,
            rng=random.Random(3),
        )
        for _ in range(200):
            if d.tick().claimed == 0 and statuses(engine) == {"sent": 100}:
                break
            make.clock.advance(timedelta(seconds=2))  # past any Retry-After or backoff
    assert statuses(engine) == {"sent": 100}
    assert set(platform.received) == set(ids)
    assert platform.duplicates == 0
    assert min(platform.faults["429"], platform.faults["500"], platform.faults["timeout"]) > 0, platform.faults


# ---------------------------------------------------------------------- worker processes


@pytest.fixture
def pg_url(postgres_url: str) -> str:
    truncate_all(postgres_url)
    return postgres_url


class Workers:
    """Worker processes (tests/support/dispatch_worker.py) against one database and platform."""

    def __init__(self, database_url: str, platform_url: str, tmp: Path, *extra: str) -> None:
        self.database_url, self.platform_url, self.tmp, self.extra = database_url, platform_url, tmp, extra
        self.processes: list[subprocess.Popen[bytes]] = []
        self.names: list[str] = []
        self.started = 0

    def start(self, slot: int | None = None) -> None:
        self.started += 1
        log = open(self.tmp / f"worker-{self.started}.log", "wb")  # noqa: SIM115 - closed by the OS
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.dispatch_worker", self.database_url,
             self.platform_url, f"w{self.started}", "--lease", "2", "--batch", "10", *self.extra],
            cwd=REPO, env=clean_env({"VPBOT_MASTER_KEY": KEY_ENTRY}), stdout=log, stderr=log,
        )
        if slot is None:
            self.processes.append(process)
            self.names.append(f"w{self.started}")
        else:
            self.processes[slot] = process
            self.names[slot] = f"w{self.started}"

    def wait_until_sending(self, engine: Engine, slot: int, timeout: float = 10.0) -> bool:
        """Wait until the worker in ``slot`` holds rows mid-send (so a kill strands them).

        On a busy machine a fresh worker may need over a second to start; killing it before
        it claimed anything would test nothing.
        """
        held = select(func.count()).where(OutboxItem.status == "sending", OutboxItem.claimed_by == self.names[slot])
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                if connection.scalar(held):
                    return True
            time.sleep(0.01)
        return False

    def kill_and_restart(self, slot: int) -> None:
        self.processes[slot].send_signal(signal.SIGKILL)
        self.processes[slot].wait()
        self.start(slot)

    def stop(self) -> list[int]:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        return [process.wait(timeout=15) for process in self.processes]


@pytest.fixture
def platform() -> Iterator[FakePlatform]:
    with FakePlatform(delay=0.02) as fake:
        yield fake


def _count_sent(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).where(OutboxItem.status == "sent")) or 0)


@pytest.mark.postgres
@pytest.mark.slow
def test_three_workers_one_killed_again_and_again_deliver_1000_checkins_exactly_once(
    pg_url: str, platform: FakePlatform, tmp_path: Path
) -> None:
    engine = make_engine(pg_url)
    make = _factory(engine)
    ws = seed_workspace(make)
    ids = bulk_checkins(engine, ws.tenant_id, [ws.employee_id, ws.other_id], 1000)
    workers = Workers(pg_url, platform.url, tmp_path)
    for _ in range(3):
        workers.start()
    kills, chaos = 0, random.Random(5)
    deadline = time.monotonic() + 50
    try:
        while _count_sent(engine) < 1000 and time.monotonic() < deadline:
            if not workers.wait_until_sending(engine, 0):
                continue  # nothing left for it to claim: the others finish the rest
            time.sleep(chaos.uniform(0.02, 0.15))  # into its batch: 10 posts of 20 ms each
            workers.kill_and_restart(0)
            kills += 1
    finally:
        codes = workers.stop()
    # The just-restarted worker may get SIGTERM before it has set up its handler.
    assert codes[1:] == [0, 0] and codes[0] in (0, -signal.SIGTERM)
    assert kills >= 5, "the test must really kill workers while they drain"
    assert statuses(engine) == {"sent": 1000}
    assert set(platform.received) == set(ids), "every check-in reached the platform"
    assert platform.duplicates == 0, f"{platform.duplicates} duplicate post(s) after {kills} kills"
    # Kills did strand rows mid-send: their new owners asked the platform before re-sending.
    assert platform.lookups["found"] > 0, platform.lookups
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_three_workers_on_a_flaky_platform_deliver_everything_once(pg_url: str, tmp_path: Path) -> None:
    engine = make_engine(pg_url)
    make = _factory(engine)
    ws = seed_workspace(make)
    ids = bulk_checkins(engine, ws.tenant_id, [ws.employee_id, ws.other_id], 300)
    with FakePlatform(fault_rate=0.25, slow_reply=0.6, seed=13) as platform:
        workers = Workers(pg_url, platform.url, tmp_path, "--timeout", "0.3")
        for _ in range(3):
            workers.start()
        deadline = time.monotonic() + 45
        try:
            while _count_sent(engine) < 300 and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            codes = workers.stop()
    assert codes == [0, 0, 0]
    assert statuses(engine) == {"sent": 300}
    assert set(platform.received) == set(ids)
    assert platform.duplicates == 0, platform.faults
    engine.dispose()

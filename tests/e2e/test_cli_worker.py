"""`vpbot worker` and the dispatcher embedded in `vpbot serve`, as real processes."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from tests.support.core import T0
from tests.support.dispatch import enqueue, seed_workspace, statuses
from tests.support.server import VPBOT, clean_env, vpbot_serve
from vpbot.crypto.keyring import MasterKeyring, generate_entry
from vpbot.crypto.wrapping import MasterKeyWrapper
from vpbot.services.clock import FixedClock
from vpbot.services.uow import UnitOfWorkFactory
from vpbot.storage import migrate
from vpbot.storage.db import make_engine

STRANDED = "wait for a platform with no sender configured"


def _wait_for_text(path: Path, needle: str, seconds: float = 20) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        content = path.read_text()
        if needle in content:
            return content
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} not logged; got:\n{path.read_text()}")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_worker_keeps_rows_for_unconfigured_platforms_and_stops_cleanly(
    tmp_path: Path, stop_signal: int
) -> None:
    key = generate_entry("worker")
    url = f"sqlite:///{tmp_path / 'vpbot.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    make = UnitOfWorkFactory(
        sessionmaker(engine, expire_on_commit=False), MasterKeyWrapper(MasterKeyring.parse(key)), FixedClock(T0)
    )
    ws = seed_workspace(make)
    enqueue(make, ws.tenant_id, ws.employee_id)

    log = tmp_path / "worker.log"
    with open(log, "w") as stderr:
        process = subprocess.Popen(
            [*VPBOT, "worker", "--interval", "0.2"], cwd=tmp_path, stderr=stderr, stdout=subprocess.DEVNULL,
            env=clean_env({"VPBOT_DATABASE_URL": url, "VPBOT_MASTER_KEY": key}),
        )
        try:
            _wait_for_text(log, STRANDED)
            process.send_signal(stop_signal)
            code = process.wait(timeout=15)
        finally:
            process.kill()
    output = log.read_text()
    assert code == 0, output
    assert "Traceback" not in output
    assert "vpbot worker stopped" in output
    assert statuses(engine) == {"pending": 1}, "no sender yet: the row waits, it is not dropped"
    engine.dispose()


def test_serve_runs_an_embedded_dispatcher_unless_told_not_to(tmp_path: Path) -> None:
    with vpbot_serve(tmp_path) as server:
        code, with_worker = server.stop(signal.SIGTERM)
    assert code == 0 and "ticking every" in with_worker and "Traceback" not in with_worker
    with vpbot_serve(tmp_path, args=["--no-worker"]) as server:
        code, without = server.stop(signal.SIGTERM)
    assert code == 0 and "ticking every" not in without

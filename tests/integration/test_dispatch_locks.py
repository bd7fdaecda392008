"""Singleton jobs: at most one holder per job name (advisory locks on PostgreSQL)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from tests.support.databases import truncate_all
from tests.support.server import clean_env
from vpbot.dispatch.locks import lock_key, singleton
from vpbot.storage.db import make_engine

REPO = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time
from vpbot.dispatch.locks import singleton
from vpbot.storage.db import make_engine
with singleton(make_engine(sys.argv[1]), "retention") as acquired:
    print("held" if acquired else "busy", flush=True)
    time.sleep(60)
"""


def test_a_second_holder_in_the_same_process_is_refused_until_the_first_lets_go(engine: Engine) -> None:
    with singleton(engine, "retention") as first:
        assert first
        with singleton(engine, "retention") as second:
            assert not second
        with singleton(engine, "key-rewrap") as other_job:
            assert other_job
    with singleton(engine, "retention") as again:
        assert again


def test_a_failing_job_releases_its_lock(engine: Engine) -> None:
    with pytest.raises(RuntimeError), singleton(engine, "retention") as acquired:
        assert acquired
        raise RuntimeError("job failed")
    with singleton(engine, "retention") as again:
        assert again


@pytest.mark.postgres
def test_two_processes_on_postgresql_exclude_each_other_and_a_killed_holder_frees_the_lock(
    postgres_url: str,
) -> None:
    truncate_all(postgres_url)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, postgres_url], cwd=REPO, env=clean_env(),
        stdout=subprocess.PIPE, text=True,
    )
    engine = make_engine(postgres_url)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with singleton(engine, "retention") as acquired:
            assert not acquired, "another process holds the retention lock"
        with singleton(engine, "key-rewrap") as acquired:
            assert acquired, "a different job is not blocked"
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        deadline = time.monotonic() + 10
        while True:  # PostgreSQL notices the dead connection and drops its session locks
            with singleton(engine, "retention") as acquired:
                if acquired:
                    break
            assert time.monotonic() < deadline, "lock not released after the holder died"
            time.sleep(0.05)
        with engine.connect() as connection:  # and we did not leak ours into the pool
            held = connection.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            ).scalar()
        assert held == 0
    finally:
        holder.kill()
        holder.wait()
        engine.dispose()


def test_lock_keys_are_stable_and_distinct() -> None:
    assert lock_key("retention") == lock_key("retention")
    assert lock_key("retention") != lock_key("key-rewrap")
    assert -(2**63) <= lock_key("retention") < 2**63

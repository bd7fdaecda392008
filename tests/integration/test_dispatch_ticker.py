"""The APScheduler ticker: ticks in the background, drains a backlog, survives a failed tick."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from tests.support.core import uow_factory
from tests.support.dispatch import RecordingSender, bulk_checkins, seed_workspace, statuses
from vpbot.dispatch.dispatcher import Dispatcher, TickResult
from vpbot.dispatch.ticker import Ticker
from vpbot.services.clock import Clock


class FailingOnceDispatcher(Dispatcher):
    """A dispatcher whose first tick hits a database outage."""

    failed = False

    def tick(self) -> TickResult:
        if not self.failed:
            self.failed = True
            raise OperationalError("SELECT ... WHERE recipient_id = 'secret-person'", {}, Exception("down"))
        return super().tick()


def _wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_one_run_drains_a_backlog_larger_than_a_batch_then_stops_cleanly(engine: Engine) -> None:
    make = uow_factory(engine)
    ws = seed_workspace(make)
    bulk_checkins(engine, ws.tenant_id, [ws.employee_id], 25)  # due long ago
    sender = RecordingSender()
    dispatcher = Dispatcher(make.sessions, make.wrapper, {"slack": sender}, Clock(), "t1", batch_size=4)
    # A long interval: everything must go out in the first run, right at start.
    ticker = Ticker(dispatcher, interval_seconds=30)
    ticker.start()
    try:
        _wait_for(lambda: len(sender.deliveries) == 25)
    finally:
        started = time.monotonic()
        ticker.stop()
    assert time.monotonic() - started < 5
    assert statuses(engine) == {"sent": 25}


def test_a_failed_tick_is_logged_without_details_and_the_next_one_runs(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    make = uow_factory(engine)
    ws = seed_workspace(make)
    bulk_checkins(engine, ws.tenant_id, [ws.employee_id], 3)
    sender = RecordingSender()
    dispatcher = FailingOnceDispatcher(make.sessions, make.wrapper, {"slack": sender}, Clock(), "t2")
    ticker = Ticker(dispatcher, interval_seconds=0.2)
    with caplog.at_level(logging.WARNING, logger="vpbot.dispatch"):
        ticker.start()
        try:
            _wait_for(lambda: len(sender.deliveries) == 3)
        finally:
            ticker.stop()
    failures = [r.getMessage() for r in caplog.records if "tick failed" in r.getMessage()]
    assert failures == ["dispatcher tick failed: OperationalError"]
    assert "secret-person" not in caplog.text


def test_interval_must_be_positive(engine: Engine) -> None:
    make = uow_factory(engine)
    with pytest.raises(ValueError):
        Ticker(Dispatcher(make.sessions, make.wrapper, {}, Clock(), "t3"), interval_seconds=0)

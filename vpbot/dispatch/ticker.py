"""The ticker: APScheduler calls the dispatcher every few seconds, and that is all it does.

The database is the source of truth (DESIGN.md §3): APScheduler keeps no job store of ours
(its SQLAlchemy store pickles arguments into the database and runs jobs twice when
several processes share it), so the scheduler holds exactly one in-memory interval job.
``max_instances=1`` and ``coalesce=True`` mean ticks never overlap and a late tick is run
once, not repeated. While there is a backlog, one run keeps ticking until the batch comes
back short or the run's time budget is spent, so draining is not throttled to one batch per
interval.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from vpbot.dispatch.dispatcher import Dispatcher

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 2.0
JOB_ID = "vpbot-dispatch"
HOUSEKEEPING_JOB_ID = "vpbot-housekeeping"
# A run stops starting new ticks after this fraction of the interval, so the next scheduled
# run is not skipped as "still running" (which APScheduler reports at WARNING).
BUDGET_FRACTION = 0.8


class Ticker:
    """Runs ``dispatcher.tick()`` on an interval in a background thread."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
        *,
        housekeeping: Callable[[], object] | None = None,
        housekeeping_interval: float = 3600.0,
    ) -> None:
        if interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")
        self.dispatcher = dispatcher
        self.interval = interval_seconds
        self._stopping = threading.Event()
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=2)},
            timezone=timezone.utc,
        )
        self._scheduler.add_job(
            self.run_once,
            "interval",
            seconds=interval_seconds,
            id=JOB_ID,
            max_instances=1,
            coalesce=True,
            # First run right away: rows that fell due while we were down go out at start.
            next_run_time=datetime.now(timezone.utc),
        )
        if housekeeping is not None:
            # Retention and other singleton jobs: hourly, first soon after start so a purge
            # that fell due while everything was down still happens.
            self._housekeeping = housekeeping
            self._scheduler.add_job(
                self._run_housekeeping, "interval", seconds=housekeeping_interval, id=HOUSEKEEPING_JOB_ID,
                max_instances=1, coalesce=True,
                next_run_time=datetime.now(timezone.utc) + timedelta(seconds=min(30.0, housekeeping_interval)),
            )

    def start(self) -> None:
        """Start ticking in the background."""
        self._scheduler.start()
        log.info("dispatcher %s ticking every %ss", self.dispatcher.worker_id, self.interval)

    def stop(self) -> None:
        """Stop ticking; waits for a running tick to finish its current batch."""
        self._stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        log.info("dispatcher %s stopped", self.dispatcher.worker_id)

    def _run_housekeeping(self) -> None:
        try:
            self._housekeeping()
        except Exception as exc:  # the next hourly run tries again
            log.warning("housekeeping failed: %s", type(exc).__name__)

    def run_once(self) -> None:
        """One scheduled run: tick until the queue is drained or the budget is spent."""
        deadline = time.monotonic() + self.interval * BUDGET_FRACTION
        while not self._stopping.is_set():
            try:
                result = self.dispatcher.tick()
            except Exception as exc:  # e.g. the database is down: try again next interval
                # Type only: driver messages can quote SQL parameters (C6).
                log.warning("dispatcher tick failed: %s", type(exc).__name__)
                return
            if result.claimed < self.dispatcher.batch_size or time.monotonic() >= deadline:
                return

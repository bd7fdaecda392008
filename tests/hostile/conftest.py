"""Hostile input against a running ``vpbot serve`` (one subprocess per test module).

How many cases: ``VPBOT_HOSTILE_EXAMPLES`` is the total across both platforms (default
1,000, the CI mode, about 30 s); each test takes its share. The full run is 10,000 (about
four minutes on two cores; ``-s`` prints each test's request count and statuses):

    VPBOT_HOSTILE_EXAMPLES=10000 .venv/bin/pytest tests/hostile -q -s

``VPBOT_HOSTILE_SECONDS`` caps each hypothesis test's wall time (default: generous for the
chosen number of cases); examples past the cap are not sent, and the test says how many
were skipped. Examples are derandomized, so a run is reproducible.
"""

from __future__ import annotations

import os
import re
import shutil
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, Phase, settings

from tests.support.both_platforms import BothPlatforms, serve_both_platforms

TOTAL_EXAMPLES = int(os.environ.get("VPBOT_HOSTILE_EXAMPLES", "1000"))
# Per test; by default 30 s plus 80 ms per case (a case takes 5-25 ms here).
SECONDS_PER_TEST = float(os.environ.get("VPBOT_HOSTILE_SECONDS", "0") or 0)
HEALTH_EVERY = 50

# Lines in the server's log that mean a listener or handler crashed on the input, even
# though the HTTP answer was a calm one.
CRASH_LINES = re.compile(r"Traceback|teams: handler failed|Failed to run listener|Exception in ASGI")


def examples(share: float) -> int:
    """This test's part of ``VPBOT_HOSTILE_EXAMPLES``."""
    return max(10, round(TOTAL_EXAMPLES * share))


def hostile(share: float) -> settings:
    """Hypothesis settings for a hostile-input test taking ``share`` of the cases."""
    return settings(
        max_examples=examples(share),
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[BothPlatforms]:
    """A running vpbot with Slack and Teams configured, on its own SQLite file."""
    directory = tmp_path_factory.mktemp("hostile")
    db = directory / "vpbot.db"
    shutil.copyfile(sqlite_template, db)
    with serve_both_platforms(directory, f"sqlite:///{db}") as running:
        yield running
        assert running.alive(), "vpbot serve died:\n" + running.server.log_so_far()[-5000:]


@dataclass
class Probe:
    """Sends one hostile request at a time; checks the server stays up; bounds count and time."""

    world: BothPlatforms
    name: str
    seconds: float
    started: float = field(default_factory=time.monotonic)
    sent: int = 0
    skipped: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))

    def out_of_time(self) -> bool:
        if time.monotonic() - self.started > self.seconds:
            self.skipped += 1
            return True
        return False

    def send(self, request: Callable[[httpx.Client], httpx.Response]) -> httpx.Response:
        """Run ``request``; a dropped connection or a dead server fails with the server's log."""
        try:
            response = request(self.http)
        except httpx.HTTPError as exc:
            alive = self.world.alive()
            raise AssertionError(
                f"{self.name}: request failed ({type(exc).__name__}: {exc}); server alive: {alive}\n"
                + self.world.server.log_so_far()[-4000:]
            ) from None
        self.sent += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        if self.sent % HEALTH_EVERY == 0:
            self.assert_alive()
        return response

    def assert_alive(self) -> None:
        assert self.world.alive(), f"{self.name}: vpbot serve is down\n" + self.world.server.log_so_far()[-5000:]

    def finish(self) -> str:
        """Final health check; a one-line summary for the test output."""
        self.assert_alive()
        self.http.close()
        took = time.monotonic() - self.started
        summary = (f"{self.name}: {self.sent} requests in {took:.1f}s, statuses {dict(sorted(self.statuses.items()))}"
                   + (f", {self.skipped} examples skipped (time cap {self.seconds:.0f}s)" if self.skipped else ""))
        print(summary)
        if self.skipped:
            warnings.warn(f"{self.name}: time cap reached, {self.skipped} cases not sent", stacklevel=1)
        return summary


@pytest.fixture
def probe(world: BothPlatforms, request: pytest.FixtureRequest) -> Iterator[Callable[[float], Probe]]:
    """``probe(share)``: a :class:`Probe` timed for this test's share of the cases.

    At teardown: the server is alive, and its log shows no crash during the test.
    """
    log_start = len(world.server.log_so_far())
    made: list[Probe] = []

    def make(share: float) -> Probe:
        seconds = SECONDS_PER_TEST or 30 + 0.08 * examples(share)
        made.append(Probe(world, request.node.name, seconds))
        return made[-1]

    yield make
    for running in made:
        running.finish()
    lines = world.server.log_so_far()[log_start:].splitlines()
    crashes = [i for i, line in enumerate(lines) if CRASH_LINES.search(line)]
    assert not crashes, (f"{request.node.name}: the server logged {len(crashes)} crashes; the first:\n"
                         + "\n".join(lines[crashes[0]: crashes[0] + 80]))


def snapshot(world: BothPlatforms) -> tuple[dict[str, int], dict[str, int]]:
    """(rows per table, outgoing calls per fake) once the server went quiet."""
    world.quiesce()
    calls = {"slack": len(world.slack_api.calls), "connector": len(world.connector.calls),
             "entra": len(world.entra.calls)}
    return world.row_counts(), calls

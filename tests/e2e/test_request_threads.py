"""A burst of requests with blocking work runs at most REQUEST_THREADS of them at once.

The rest wait on the event loop in arrival order instead of all competing for the GIL and
SQLite's writer (benchmarks/RESULTS.md has the p99 this bought); ``/readyz`` has threads of
its own and answers meanwhile. Measured over real HTTP, with uvicorn running the app's
lifespan as ``vpbot serve`` does.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.teams_server import serve_in_thread
from vpbot.bootstrap import bootstrap
from vpbot.crypto.keyring import generate_entry
from vpbot.settings import Settings
from vpbot.web.app import create_app
from vpbot.web.threads import REQUEST_THREADS

BURST = REQUEST_THREADS * 3


class Gauge:
    """Blocking work that waits until released; counts how many are inside at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.release = threading.Event()
        self.now = 0
        self.most = 0

    def hold(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        self.release.wait(30)  # like a slow Web API call or a long database wait
        with self._lock:
            self.now -= 1

    def wait_for(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while self.now < count:
            assert time.monotonic() < deadline, f"only {self.now} of {count} requests began"
            time.sleep(0.01)


def test_a_burst_runs_at_most_request_threads_at_once(engine: Engine) -> None:
    gauge = Gauge()

    async def blocking(_request: Request) -> Response:
        await run_in_threadpool(gauge.hold)
        return JSONResponse({"ok": True})

    container = bootstrap(Settings(master_key=generate_entry("threads")), engine=engine)
    app = create_app(container, [Route("/blocking", blocking, methods=["POST"])])
    with (
        serve_in_thread(app, lifespan="on") as base_url,
        httpx.Client(base_url=base_url, timeout=30) as client,
        ThreadPoolExecutor(max_workers=BURST) as pool,
    ):
        answers = [pool.submit(client.post, "/blocking") for _ in range(BURST)]
        gauge.wait_for(REQUEST_THREADS)
        time.sleep(0.2)  # time enough for more to begin, were they allowed to
        in_threads = gauge.now
        try:
            ready = client.get("/readyz", timeout=5)  # every request thread is taken
        finally:
            gauge.release.set()
        statuses = [answer.result().status_code for answer in answers]

    assert in_threads == REQUEST_THREADS
    assert gauge.most == REQUEST_THREADS
    assert ready.status_code == 200, ready.text  # the probe did not wait behind the burst
    assert statuses == [200] * BURST  # the others waited their turn; none failed

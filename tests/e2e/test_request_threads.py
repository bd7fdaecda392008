"""A burst of requests with blocking work runs at most REQUEST_THREADS of them at once.

The rest wait on the event loop in arrival order instead of all competing for the GIL and
SQLite's writer (benchmarks/RESULTS.md has the p99 this bought). Measured over real HTTP,
with uvicorn running the app's lifespan as ``vpbot serve`` does.
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
from vpbot.web.app import REQUEST_THREADS, create_app

BURST = REQUEST_THREADS * 3


class Gauge:
    """How many calls are inside ``hold`` at once, and the most there ever were."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = 0
        self.most = 0

    def hold(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.05)  # blocking work, like a database commit or a Web API call
        with self._lock:
            self.now -= 1


def test_a_burst_runs_at_most_request_threads_at_once(engine: Engine) -> None:
    gauge = Gauge()

    async def blocking(_request: Request) -> Response:
        await run_in_threadpool(gauge.hold)
        return JSONResponse({"ok": True})

    container = bootstrap(Settings(master_key=generate_entry("threads")), engine=engine)
    app = create_app(container, [Route("/blocking", blocking, methods=["POST"])])
    with serve_in_thread(app, lifespan="on") as base_url, httpx.Client(base_url=base_url, timeout=30) as client:
        with ThreadPoolExecutor(max_workers=BURST) as pool:
            statuses = list(pool.map(lambda _: client.post("/blocking").status_code, range(BURST)))
        ready = client.get("/readyz")

    assert statuses == [200] * BURST  # every request was served: the others waited, none failed
    assert gauge.most == REQUEST_THREADS
    assert ready.status_code == 200  # /readyz shares the pool and still answers

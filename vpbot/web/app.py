"""The ASGI application served by ``vpbot serve``: health, landing page, platform routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import CapacityLimiter
from anyio.to_thread import current_default_thread_limiter, run_sync
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from vpbot.bootstrap import Container
from vpbot.web.health import readiness
from vpbot.web.landing import render_landing

# Requests whose blocking work (the Slack gate and Bolt, the Teams bot) runs at once
# in threads; the rest wait their turn on the event loop, first come first served. Starlette's
# default is 40: under a burst every thread competes for the GIL and SQLite's one writer, so
# the unluckiest requests wait longest. With 16 the throughput measured the same and the p99
# at 50 concurrent clients fell by a fifth (benchmarks/RESULTS.md). It stays well above what
# one process can use at once, so a few slow calls to Slack's or Microsoft's API (made before
# the answer, in a submit) do not hold up everyone else. Slack's listeners, which call the
# Web API after the answer, have an executor of their own (plugins/slack/plugin.py).
REQUEST_THREADS = 16
# /readyz has threads of its own: an orchestrator's probe must not wait behind a burst of
# requests (it would take the instance out of rotation for being busy).
READINESS_THREADS = 2


def create_app(container: Container, extra_routes: list[BaseRoute] | None = None) -> Starlette:
    """Build the ASGI app; platform plugins contribute their routes through ``extra_routes``."""

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        # Database calls are blocking: keep them off the event loop.
        limiter: CapacityLimiter | None = getattr(request.app.state, "readiness_threads", None)
        ready, body = await run_sync(readiness, container.engine, limiter=limiter)
        return JSONResponse(body, status_code=200 if ready else 503)

    async def landing(_request: Request) -> Response:
        return HTMLResponse(render_landing(container.settings))

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/", landing, methods=["GET"]),
        *(extra_routes or []),
    ]
    app = Starlette(routes=routes, lifespan=_bounded_request_threads)
    app.state.container = container
    return app


@asynccontextmanager
async def _bounded_request_threads(app: Starlette) -> AsyncIterator[None]:
    """Cap the event loop's thread pool at :data:`REQUEST_THREADS` while the app runs, and
    give ``/readyz`` its own :data:`READINESS_THREADS`."""
    # Limiters belong to the running event loop, so they can only be made from inside it.
    current_default_thread_limiter().total_tokens = REQUEST_THREADS
    app.state.readiness_threads = CapacityLimiter(READINESS_THREADS)
    yield

"""The ASGI application served by ``vpbot serve``: health, landing page, platform routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import CapacityLimiter
from anyio.to_thread import run_sync
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from vpbot.bootstrap import Container
from vpbot.web.health import readiness
from vpbot.web.landing import render_landing
from vpbot.web.threads import READINESS_THREADS, bound_request_threads


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
    """Cap the event loop's thread pool while the app runs (:mod:`vpbot.web.threads`), and give
    ``/readyz`` its own :data:`~vpbot.web.threads.READINESS_THREADS`."""
    bound_request_threads()
    app.state.readiness_threads = CapacityLimiter(READINESS_THREADS)
    yield

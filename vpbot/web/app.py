"""The ASGI application served by ``vpbot serve``: health, landing page, platform routes."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from vpbot.bootstrap import Container
from vpbot.web.health import readiness
from vpbot.web.landing import render_landing


def create_app(container: Container, extra_routes: list[BaseRoute] | None = None) -> Starlette:
    """Build the ASGI app; platform plugins contribute their routes through ``extra_routes``."""

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        # Database calls are blocking: keep them off the event loop.
        ready, body = await run_in_threadpool(readiness, container.engine)
        return JSONResponse(body, status_code=200 if ready else 503)

    async def landing(_request: Request) -> Response:
        return HTMLResponse(render_landing(container.settings))

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/", landing, methods=["GET"]),
        *(extra_routes or []),
    ]
    app = Starlette(routes=routes)
    app.state.container = container
    return app

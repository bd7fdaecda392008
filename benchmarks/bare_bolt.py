"""The baseline for the Slack benchmark: a bare Bolt app that only acks and opens a static modal.

It is served the way ``vpbot serve`` serves Slack — uvicorn + Starlette, Bolt's sync ``App``
dispatched in Starlette's thread pool (16 at once), the same ``WebClient`` (base URL from
``SLACK_API_URL``), the same 32-thread listener executor — but without vpbot's work (its
gate, replay guard, database, flows and rendering). Bolt checks the signature itself here
(vpbot's gate does that in front of Bolt, with Bolt's own check switched off).

    SLACK_BOT_TOKEN=… SLACK_SIGNING_SECRET=… SLACK_API_URL=http://127.0.0.1:…/ \
        python benchmarks/bare_bolt.py --port 8123
"""

from __future__ import annotations

import argparse
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from plugins.slack.executor import LISTENER_THREADS, listener_executor
from vpbot.web.threads import bound_request_threads

STATIC_MODAL = {
    "type": "modal",
    "callback_id": "bare.home",
    "title": {"type": "plain_text", "text": "Vertrouwenspersoon"},
    "close": {"type": "plain_text", "text": "Sluiten"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Waarmee kan ik je helpen?"}}],
}


def build_app(listener_threads: int = LISTENER_THREADS) -> App:
    """The app; ``listener_threads=0`` keeps Bolt's default executor (5 threads)."""
    client = WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
    executor = listener_executor(listener_threads) if listener_threads else None
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=client,
        listener_executor=executor,
        raise_error_for_unhandled_request=False,
    )

    @app.command("/vertrouwenspersoon")
    def command(ack: Ack, body: dict, client: WebClient) -> None:
        ack()
        client.views_open(trigger_id=body["trigger_id"], view=STATIC_MODAL)

    return app


def build_asgi(bolt: App) -> Starlette:
    async def events(request: Request) -> Response:
        body = (await request.body()).decode("utf-8")
        headers = {k.lower(): v for k, v in request.headers.items()}
        bolt_request = BoltRequest(body=body, query=dict(request.query_params), headers=headers)
        response = await run_in_threadpool(bolt.dispatch, bolt_request)
        return Response(status_code=response.status, content=response.body,
                        headers=response.first_headers_without_set_cookie())

    async def healthz(_request: Request) -> Response:
        return Response("ok")

    @asynccontextmanager
    async def bounded_threads(_app: Starlette) -> AsyncIterator[None]:
        bound_request_threads()
        yield

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz)],
                     lifespan=bounded_threads)


def main() -> None:
    parser = argparse.ArgumentParser(description="a bare Bolt app (benchmark baseline)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--listener-threads", type=int, default=LISTENER_THREADS,
                        help=f"listener executor threads (default {LISTENER_THREADS}, as vpbot; 0: Bolt's default of 5)")
    args = parser.parse_args()
    config = uvicorn.Config(build_asgi(build_app(args.listener_threads)), host="127.0.0.1", port=args.port, log_config=None,
                            access_log=False, lifespan="on", server_header=False)
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()

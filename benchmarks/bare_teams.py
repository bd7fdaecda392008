"""The baseline for the Teams benchmark: a bare Teams SDK app answering ``task/fetch`` with a
static dialog card.

It is the SDK's own ``App`` (microsoft-teams-apps 2.1.1) on its own FastAPI + uvicorn
adapter, bound to 127.0.0.1, with the SDK's inbound token validation pointed at the local
OpenID metadata through a cloud override (``with_overrides(PUBLIC, openid_metadata_url=…)``;
the SDK derives the JWKS address from it), exactly as vpbot is pointed at it. So both sides
verify the same RS256 token against the same JWKS.

    python benchmarks/bare_teams.py --port 8124 --app-id … --openid-metadata-url http://127.0.0.1:…/v1/.well-known/openidconfiguration
"""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

import uvicorn
from microsoft_teams.api.auth.cloud_environment import PUBLIC, with_overrides
from microsoft_teams.apps import App
from microsoft_teams.apps.http.fastapi_adapter import FastAPIAdapter

STATIC_DIALOG: dict[str, Any] = {
    "task": {
        "type": "continue",
        "value": {
            "title": "Vertrouwenspersoon",
            "card": {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "content": {
                    "type": "AdaptiveCard",
                    "version": "1.5",
                    "body": [{"type": "TextBlock", "text": "Waarmee kan ik je helpen?", "wrap": True}],
                },
            },
        },
    }
}


def build_app(port: int, app_id: str, tenant_id: str, metadata_url: str, issuer: str) -> App:
    # The SDK reads these from the environment by itself (DESIGN.md §5): never inherit them.
    for name in ("CLIENT_ID", "CLIENT_SECRET", "TENANT_ID", "DANGEROUSLY_ALLOW_UNAUTHENTICATED_REQUESTS", "CLOUD"):
        os.environ.pop(name, None)
    cloud = with_overrides(PUBLIC, openid_metadata_url=metadata_url, token_issuer=issuer)

    def server(fastapi: Any) -> uvicorn.Server:
        return uvicorn.Server(uvicorn.Config(fastapi, host="127.0.0.1", port=port, log_config=None,
                                             access_log=False, server_header=False))

    app = App(
        client_id=app_id,
        client_secret="bench-secret-not-used",  # outbound tokens are never requested here
        tenant_id=tenant_id,
        cloud=cloud,
        http_server_adapter=FastAPIAdapter(server_factory=server),
    )

    @app.on_dialog_open
    async def open_dialog(_ctx: Any) -> dict[str, Any]:
        return STATIC_DIALOG

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="a bare Teams SDK app (benchmark baseline)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--tenant-id", required=True)
    parser.add_argument("--openid-metadata-url", required=True)
    parser.add_argument("--issuer", default="https://api.botframework.com")
    args = parser.parse_args()
    app = build_app(args.port, args.app_id, args.tenant_id, args.openid_metadata_url, args.issuer)
    try:
        asyncio.run(app.start(args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

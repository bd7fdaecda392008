"""A recording HTTP server on 127.0.0.1 (port 0) for fake platform APIs.

Subclass :class:`RecordingServer` and override :meth:`respond`; every request is recorded
(method, path, headers, body) so tests assert on what vpbot really sent over the wire.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class RecordedCall:
    """One request as the fake received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def params(self) -> dict[str, Any]:
        """Form or JSON body parameters, whichever the request carried."""
        content_type = self.headers.get("content-type", "")
        if "json" in content_type:
            return json.loads(self.body or b"{}")
        query = dict(parse_qsl(urlsplit(self.path).query))
        return {**query, **dict(parse_qsl(self.body.decode("utf-8", "replace")))}


@dataclass
class Reply:
    """What the fake answers."""

    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class RecordingServer:
    """A threaded HTTP server that records requests and answers through ``respond``."""

    def __init__(self) -> None:
        self.calls: list[RecordedCall] = []
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                call = RecordedCall(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                with outer._lock:
                    outer.calls.append(call)
                reply = outer.respond(call)
                payload = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("content-type", reply.headers.pop("content-type", "application/json"))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Base URL, with a trailing slash."""
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def respond(self, call: RecordedCall) -> Reply:
        """The answer to ``call``; override in subclasses."""
        return Reply(404, {"ok": False, "error": "unknown_method"})

    def __enter__(self) -> RecordingServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

"""A fake chat platform over real HTTP, and the :class:`Sender` that talks to it.

``POST /messages`` with ``{"outbox_id", "recipient", "kind"}`` posts a message and answers
``{"id": ...}``; ``GET /messages/<outbox_id>`` answers ``{"id": ...}`` if that outbox row was
already posted, else 404 — the "did it go out?" lookup that makes retries after an unknown
outcome invisible. The fake can answer 429s, 500s and timeouts at random (a timeout posts
the message first, like a platform that accepted it but answered too late).
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter

import httpx

from tests.support.http_fakes import RecordedCall, RecordingServer, Reply
from vpbot.dispatch.ports import Delivery, RateLimited, RecipientGone, Sender, SendReceipt, TransientFailure


class FakePlatform(RecordingServer):
    """Records every posted outbox id (duplicates included)."""

    def __init__(
        self, *, fault_rate: float = 0.0, delay: float = 0.0, slow_reply: float = 0.5, seed: int = 7
    ) -> None:
        super().__init__()
        self.fault_rate = fault_rate
        self.delay = delay
        self.slow_reply = slow_reply
        self.received: list[str] = []
        self.faults: Counter[str] = Counter()
        self.lookups: Counter[str] = Counter()  # "found" / "missing" answers to GET
        self._messages: dict[str, str] = {}
        self._random = random.Random(seed)
        self._state = threading.Lock()

    def respond(self, call: RecordedCall) -> Reply:
        path = call.path.split("?")[0].strip("/").split("/")
        if call.method == "GET" and len(path) == 2 and path[0] == "messages":
            with self._state:
                message_id = self._messages.get(path[1])
                self.lookups["found" if message_id else "missing"] += 1
            return Reply(200, {"id": message_id}) if message_id else Reply(404, {"error": "not_found"})
        if call.method == "POST" and path == ["messages"]:
            return self._post(call)
        return Reply(404, {"error": "unknown_method"})

    def _post(self, call: RecordedCall) -> Reply:
        try:
            outbox_id = json.loads(call.body)["outbox_id"]
        except (ValueError, KeyError):  # a sender killed mid-request: nothing was posted
            return Reply(400, {"error": "bad_request"})
        with self._state:
            fault = self._random.choice(("429", "500", "timeout")) if self._random.random() < self.fault_rate else None
            if fault:
                self.faults[fault] += 1
            if fault in ("429", "500"):
                return Reply(429, {}, {"Retry-After": "1"}) if fault == "429" else Reply(500, {"error": "oops"})
            message_id = self._messages.setdefault(outbox_id, f"msg-{len(self._messages) + 1}")
            self.received.append(outbox_id)
        time.sleep(self.slow_reply if fault == "timeout" else self.delay)
        return Reply(200, {"id": message_id})

    @property
    def duplicates(self) -> int:
        """How many posts repeated an outbox id already posted."""
        return len(self.received) - len(set(self.received))


class HttpSender(Sender):
    """Sends deliveries to :class:`FakePlatform` and maps its answers onto the typed failures."""

    def __init__(self, base_url: str, timeout: float = 2.0) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=timeout)

    def send(self, delivery: Delivery) -> SendReceipt:
        body = {"outbox_id": delivery.outbox_id, "recipient": delivery.recipient,
                "kind": delivery.notification.kind.value}
        response = self._call("POST", "messages", json=body)
        return SendReceipt(str(response.json()["id"]))

    def already_sent(self, delivery: Delivery) -> str | None:
        response = self._call("GET", f"messages/{delivery.outbox_id}", missing_ok=True)
        return None if response.status_code == 404 else str(response.json()["id"])

    def _call(self, method: str, path: str, *, missing_ok: bool = False, **kwargs: object) -> httpx.Response:
        try:
            response = self.client.request(method, path, **kwargs)  # type: ignore[arg-type]
        except httpx.TimeoutException:
            raise TransientFailure("timeout") from None
        except httpx.TransportError:
            raise TransientFailure("connection_error") from None
        if response.status_code == 429:
            raise RateLimited(float(response.headers.get("retry-after", "1")))
        if response.status_code >= 500:
            raise TransientFailure(f"http_{response.status_code}")
        if response.status_code == 404 and missing_ok:
            return response
        if response.status_code in (403, 404, 410):
            raise RecipientGone(f"http_{response.status_code}")
        if response.status_code >= 400:
            raise TransientFailure(f"http_{response.status_code}")
        return response

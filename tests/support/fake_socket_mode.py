"""A minimal Slack Socket Mode endpoint: a WebSocket server on 127.0.0.1 (stdlib only).

It speaks just enough RFC 6455 for slack_sdk's builtin client: the handshake, unmasked text
frames from the server, masked frames from the client (acks), pings and close.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time
from typing import Any

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class FakeSocketModeServer:
    """Accepts one client at a time; records the JSON messages the client sends (acks)."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.received: list[dict[str, Any]] = []
        self.connected = threading.Event()
        self._client: socket.socket | None = None
        self._lock = threading.Lock()
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.listener.getsockname()[:2]
        return f"ws://{host}:{port}/link"

    def __enter__(self) -> FakeSocketModeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop = True
        self.listener.close()
        if self._client is not None:
            try:
                self._client.close()
            except OSError:
                pass

    def send(self, message: dict[str, Any]) -> None:
        """Send one JSON text frame to the connected client."""
        assert self.connected.wait(15), "the Socket Mode client never connected"
        payload = json.dumps(message).encode()
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([len(payload)])
        elif len(payload) < 65536:
            header += bytes([126]) + struct.pack(">H", len(payload))
        else:
            header += bytes([127]) + struct.pack(">Q", len(payload))
        with self._lock:
            assert self._client is not None
            self._client.sendall(header + payload)

    def wait_for_ack(self, envelope_id: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in list(self.received):
                if message.get("envelope_id") == envelope_id:
                    return message
            time.sleep(0.02)
        raise AssertionError(f"no ack for {envelope_id}")

    # -- internals -------------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stop:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self._handshake(client)
            self._client = client
            self.connected.set()
            self.send({"type": "hello", "num_connections": 1, "debug_info": {"host": "fake"},
                       "connection_info": {"app_id": "A0VPBOT"}})
            self._read(client)

    def _handshake(self, client: socket.socket) -> None:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = client.recv(4096)
            if not chunk:
                return
            request += chunk
        key = ""
        for line in request.decode("latin-1").split("\r\n"):
            if line.lower().startswith("sec-websocket-key:"):
                key = line.split(":", 1)[1].strip()
        accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
        client.sendall(
            ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             f"Sec-WebSocket-Accept: {accept}\r\n\r\n").encode()
        )

    def _recv_exact(self, client: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = client.recv(n - len(data))
            if not chunk:
                raise ConnectionError
            data += chunk
        return data

    def _read(self, client: socket.socket) -> None:
        try:
            while not self._stop:
                b1, b2 = self._recv_exact(client, 2)
                opcode, length = b1 & 0x0F, b2 & 0x7F
                if length == 126:
                    (length,) = struct.unpack(">H", self._recv_exact(client, 2))
                elif length == 127:
                    (length,) = struct.unpack(">Q", self._recv_exact(client, 8))
                mask = self._recv_exact(client, 4) if b2 & 0x80 else b"\0\0\0\0"
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(self._recv_exact(client, length)))
                if opcode == 0x1:
                    self.received.append(json.loads(data))
                elif opcode == 0x9:  # ping -> pong
                    with self._lock:
                        client.sendall(bytes([0x8A, len(data)]) + data)
                elif opcode == 0x8:
                    return
        except (ConnectionError, OSError, ValueError):
            return

"""A minimal HTTP/1.1 client for the load generator: one keep-alive connection per client.

The load generator shares the machine with the servers it measures, so its own cost per
request matters. httpx's async pool spent more CPU per request than the apps under test
(about 5 of the load generator's 8-10 ms per dialog open at 50 clients, most of it in the
pool's bookkeeping over 50 connections): the figures then measured the load generator. This
client writes the request and reads the answer on its own connection, nothing more.
Loopback only, ``Content-Length`` or chunked answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from urllib.parse import urlsplit


class HttpError(Exception):
    """The connection failed or the answer was not HTTP/1.1 as expected."""


class Connection:
    """One keep-alive connection, opened on first use and again after the server closed it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        """Send ``POST path``; the status and the body of the answer."""
        if self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        head = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}", f"Content-Length: {len(body)}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        self._writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        try:
            status, answer, keep = await self._read_answer(self._reader)
        except (asyncio.IncompleteReadError, ConnectionError, ValueError) as exc:
            await self.close()
            raise HttpError(f"{type(exc).__name__}: {exc}") from exc
        if not keep:
            await self.close()
        return status, answer

    @staticmethod
    async def _read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
        lines = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        version, status = lines[0].split(" ", 2)[:2]
        fields = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
        if "content-length" in fields:
            answer = await reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")  # no trailers are sent by the apps measured
            answer = b"".join(chunks)
        else:
            return int(status), await reader.read(), False
        keep = version == "HTTP/1.1" and fields.get("connection", "").lower() != "close"
        return int(status), answer, keep

    async def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            try:
                await writer.wait_closed()
            except ConnectionError:
                pass


class ClientConnections:
    """A connection per closed-loop client to one server."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"expected http://host:port, got {base_url!r}")
        self.host, self.port = parts.hostname, parts.port
        self._connections: dict[int, Connection] = {}

    def __getitem__(self, client: int) -> Connection:
        connection = self._connections.get(client)
        if connection is None:
            connection = self._connections[client] = Connection(self.host, self.port)
        return connection

    async def close(self) -> None:
        """Close every connection (between levels, so none goes stale in the server's idle timeout)."""
        for connection in self._connections.values():
            await connection.close()
        self._connections.clear()

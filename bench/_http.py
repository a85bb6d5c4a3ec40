"""A lean HTTP/1.1 client over asyncio streams for load benches: keep-alive, JSON bodies.

httpx's AsyncClient costs this process about 4 ms of CPU a request with 200 connections open
(its pool is scanned on every request), so at 200 POSTs a second the sender took a whole core
and its own queueing showed up as the API's latency. This one pre-builds the request head and
parses only the status line and Content-Length: the figures are the server's, not the client's.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


class HttpError(Exception):
    """No answer: the connection failed, closed early, or took longer than the timeout."""


class _Stale(Exception):
    """The server had closed this kept connection before our request: nothing was sent."""


class LeanClient:
    """Up to `max_connections` keep-alive connections to one host; one request per connection."""

    def __init__(self, url: str, max_connections: int = 200, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.slots = asyncio.Semaphore(max_connections)
        self.timeout = timeout

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """(status, parsed JSON body) of one request; raises HttpError when none came."""
        data = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        ).encode()
        async with self.slots:
            while self.idle:  # a kept connection the server may have closed (idle timeout)
                try:
                    return await self._send(self.idle.pop(), head + data)
                except _Stale:
                    continue
            try:
                return await self._send(await self._open(), head + data)
            except (_Stale, OSError) as exc:
                raise HttpError(repr(exc)) from None

    async def _send(
        self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], raw: bytes
    ) -> tuple[int, Any]:
        try:
            status, keep, payload = await asyncio.wait_for(self._exchange(conn, raw), self.timeout)
        except (ConnectionResetError, BrokenPipeError) as exc:
            conn[1].close()
            raise _Stale from exc
        except asyncio.IncompleteReadError as exc:
            conn[1].close()
            if exc.partial:
                raise HttpError(repr(exc)) from None
            raise _Stale from exc
        except (TimeoutError, OSError, ValueError) as exc:
            conn[1].close()
            raise HttpError(repr(exc)) from None
        if keep:
            self.idle.append(conn)
        else:
            conn[1].close()
        return status, json.loads(payload) if payload else None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection(self.host, self.port)

    @staticmethod
    async def _exchange(
        conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], raw: bytes
    ) -> tuple[int, bool, bytes]:
        reader, writer = conn
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        pairs = (line.partition(":") for line in lines[1:])
        fields = {k.strip().lower(): v.strip() for k, _, v in pairs}
        if "content-length" not in fields:
            raise ValueError(f"no Content-Length in the answer: {lines[0]}")
        payload = await reader.readexactly(int(fields["content-length"]))
        return status, fields.get("connection", "").lower() != "close", payload

    async def close(self) -> None:
        for _, writer in self.idle:
            writer.close()
        self.idle.clear()

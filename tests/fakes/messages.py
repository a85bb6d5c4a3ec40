"""What a fake's route speaks: a Request in, an Answer out (tests/fakes/loopback.py serves it).

An Answer's body is JSON-able, bytes, an iterator of bytes (streamed: chunked, or sized when the
route sets Content-Length) or a FileRegion (sendfile on a socket); an iterator that raises Drop
cuts the connection there. A route raises Reject to answer with its service's error shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

Route = Callable[["Request"], "Answer"]


@dataclass
class Request:
    """One request as a route sees it (header names lower-cased; `target` keeps the query)."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes = b""
    gone: Callable[[], bool] = lambda: False  # the client hung up (for long streams)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.target.partition("?")[2])

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise Reject(400, "body is not valid JSON") from None


@dataclass
class Answer:
    """Status, body (JSON-able, bytes or an iterator of bytes) and headers.

    A Content-Type header of "" sends none; `close` ends the connection after this answer."""

    status: int
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    close: bool = False

    def encoded(self) -> bytes | Iterator[bytes]:
        if isinstance(self.body, bytes | Iterator | FileRegion):
            return self.body
        return json.dumps(self.body).encode()


@dataclass
class FileRegion:
    """Bytes [start, stop) of a file, as a body: sendfile on a socket, read() in a transport.
    `count(n)` is told of every piece sent."""

    path: Path
    start: int
    stop: int
    count: Callable[[int], None] = lambda n: None

    def __iter__(self) -> Iterator[bytes]:
        with self.path.open("rb") as fh:
            fh.seek(self.start)
            left = self.stop - self.start
            while left > 0:
                piece = fh.read(min(left, 1 << 20))
                if not piece:
                    return
                self.count(len(piece))
                left -= len(piece)
                yield piece


class Reject(Exception):
    """Raised by a route to answer with the service's own error shape."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


class Drop(Exception):
    """Raised inside a streamed body: cut the connection here, as a failing network does."""

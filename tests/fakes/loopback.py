"""The one base of every fake server: a route turns a Request into an Answer, nothing more.

The same `dispatch` serves two ways in (tests/fakes/wire.py): a threaded HTTP server on
127.0.0.1 (`with Fake() as srv: srv.url`, or `python -m tests.fakes.<name>`), and
`srv.transport()`, an httpx.MockTransport, for unit tests that need no socket.
An Answer's body is JSON-able, bytes, or an iterator of bytes (streamed: chunked, or sized when
the route sets Content-Length); an iterator that raises Drop cuts the connection there.

Failure injection, one endpoint for every fake: POST /_fake/faults with any of
- latency: seconds slept before every answer (use it to provoke client timeouts);
- fail_next: [status, ...], the next counted calls (/health is not counted) fail with these;
- down_for: seconds of refused connections (go_down()/go_up() do it in-process);
plus a fake's own knobs (`configure`). GET /_fake/stats: `stats()`. In-process: the
attributes, `fail_nth` {n: status} at construction, `fail_next(status, times)`.
Observed: `calls` (method, path, JSON body), `max_in_flight`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

from roundhouse.cli.stack import free_port
from tests.fakes import wire

Route = Callable[["Request"], "Answer"]
FAULTS, STATS = "/_fake/faults", "/_fake/stats"


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


class LoopbackService:
    """Base class: subclasses give `routes()` (or override `route`) and their error shape."""

    name = "fake"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        fail_nth: dict[int, int] | None = None,
        down: bool = False,
    ) -> None:
        self.host, self.port = host, port or free_port()
        self.latency = latency
        self.fail_nth = dict(fail_nth or {})
        self.start_down = down
        self.stopping = threading.Event()  # set on exit: long streams end their loops
        self.calls: list[tuple[str, str, Any]] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._failing: list[int] = []
        self._count = itertools.count(1)
        self._lock = threading.Lock()
        self._server: wire.Server | None = None

    # -- subclass hooks ------------------------------------------------------------------------
    def routes(self) -> dict[tuple[str, str], Route]:
        """(method, exact path) -> route."""
        return {}

    def error_answer(self, status: int, message: str, **extra: Any) -> Answer:
        return Answer(status, {"detail": message, **extra})

    def before(self, request: Request) -> Answer | None:
        """Runs before any counted route (auth checks); an answer here ends the request."""
        return None

    def route(self, request: Request) -> Answer:
        """The answer of the route for this method and path (404 when there is none)."""
        found = self.routes().get((request.method, request.path))
        if found is None:
            return self.error_answer(404, f"no route {request.method} {request.path}")
        return found(request)

    def configure(self, knobs: dict[str, Any]) -> None:
        """Knobs from POST /_fake/faults; subclasses add their own and call this."""
        if "latency" in knobs:
            self.latency = float(knobs["latency"])
        for status in knobs.get("fail_next") or []:
            self.fail_next(int(status))
        if knobs.get("down_for"):
            threading.Thread(target=self._down_for, args=(float(knobs["down_for"]),)).start()

    def stats(self) -> dict[str, Any]:
        """What GET /_fake/stats shows."""
        return {"calls": len(self.calls), "max_in_flight": self.max_in_flight}

    # -- lifecycle -----------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Any:  # the subclass itself, for `with FakeX() as srv`
        if not self.start_down:
            self.go_up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.go_down()

    def start(self) -> Any:
        return self.__enter__()

    def stop(self) -> None:
        self.__exit__()

    def go_up(self) -> None:
        """Listen (again) on our port."""
        with self._lock:
            if self._server is None:
                self._server = wire.listen(self, self.host, self.port)

    def go_down(self) -> None:
        """Stop listening: new connections are refused."""
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            wire.close(server)

    def serve(self) -> None:
        """In the foreground until SIGTERM or Ctrl-C (the `python -m` entry points)."""
        wire.serve_until_stopped(self)

    def transport(self) -> httpx.MockTransport:
        """This fake as an httpx transport: the same routes, no socket."""
        return wire.mock_transport(self)

    def fail_next(self, status: int, times: int = 1) -> None:
        """The next `times` counted calls answer `status`."""
        with self._lock:
            self._failing.extend([status] * times)

    # -- dispatch ------------------------------------------------------------------------------
    def dispatch(self, request: Request) -> Answer:
        if request.path == FAULTS and request.method == "POST":
            self.configure(request.json() or {})
            return Answer(200, {"ok": True})
        if request.path == STATS and request.method == "GET":
            return Answer(200, self.stats())
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            return self._serve(request)
        except Reject as exc:
            return self.error_answer(exc.status, exc.message, **exc.extra)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _serve(self, request: Request) -> Answer:
        counted = request.path != "/health"
        status = self._count_call(request) if counted else None
        time.sleep(self.latency)
        if status:
            return self.error_answer(status, f"injected failure (HTTP {status})")
        early = self.before(request) if counted else None
        return early if early is not None else self.route(request)

    def _count_call(self, request: Request) -> int | None:
        body = None
        if request.body.startswith((b"{", b"[")):
            try:
                body = json.loads(request.body)
            except ValueError:
                body = None
        with self._lock:
            n = next(self._count)
            self.calls.append((request.method, request.path, body))
            if self._failing:
                return self._failing.pop(0)
            return self.fail_nth.get(n)

    def _down_for(self, seconds: float) -> None:
        time.sleep(0.05)  # let the faults answer leave first
        self.go_down()
        time.sleep(seconds)
        self.go_up()


def serve_main(
    factory: Callable[..., LoopbackService], argv: list[str], extra: dict[str, type] | None = None
) -> None:
    """`python -m tests.fakes.<name> --port N [--latency S] [--fail-nth N --fail-status S]`."""
    wire.serve_main(factory, argv, extra)

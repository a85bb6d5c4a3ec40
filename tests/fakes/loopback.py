"""The one base of every fake server: a route turns a Request into an Answer, nothing more
(the Request, the Answer and their kin live in tests/fakes/messages.py, re-exported here).

The same `dispatch` serves two ways in (tests/fakes/wire.py): a threaded HTTP server on
127.0.0.1 (`with Fake() as srv: srv.url`, or `python -m tests.fakes.<name>`), and
`srv.transport()`, an httpx.MockTransport, for unit tests that need no socket.

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
from collections.abc import Callable
from typing import Any

import httpx

from tests.fakes import wire
from tests.fakes.messages import Answer, Drop, FileRegion, Reject, Request, Route

__all__ = ["LoopbackService", "serve_main"]
__all__ += ["Answer", "Drop", "FileRegion", "Reject", "Request", "Route"]  # from messages
FAULTS, STATS = "/_fake/faults", "/_fake/stats"


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
        self._reserved = None if port else wire.reserve(host)  # ours from now until exit
        self.host = host
        self.port = self._reserved.getsockname()[1] if self._reserved else port
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
        if self._reserved is not None:  # never went up
            self._reserved.close()

    def start(self) -> Any:
        return self.__enter__()

    def stop(self) -> None:
        self.__exit__()

    def go_up(self) -> None:
        """Listen (again) on our port."""
        with self._lock:
            if self._server is None:
                reserved, self._reserved = self._reserved, None
                self._server = wire.listen(self, self.host, self.port, reserved)

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

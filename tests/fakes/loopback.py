"""Shared machinery of the generation fakes: a JSON HTTP service on 127.0.0.1 with failure knobs.

Knobs (constructor, attributes, or POST /_fake/knobs on a running process):
- latency: seconds slept before every answer (use it to provoke client timeouts);
- fail_nth {n: status}: the n-th counted call (1-based; /health is not counted) fails;
- fail_next(status, times): the next `times` counted calls fail with `status`;
- down: go_down()/go_up() stop and restart listening on the same port (connection refused);
  `down=True` at construction reserves the port without listening; {"down_for": s} over HTTP.
Observed: `calls` (method, path, json body), `max_in_flight`.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    """One request as a route sees it (header names lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except json.JSONDecodeError:
            raise Reject(400, "body is not valid JSON") from None


@dataclass
class Answer:
    """Status plus a JSON-able body (or raw bytes)."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class Reject(Exception):
    """Raised by a route to answer with the service's own error shape."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path.split("?", 1)[0]
        request = Request(self.command, path, headers, self.rfile.read(length))
        answer = self.server.service.dispatch(request)
        raw = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.headers.pop("Content-Type", "application/json"))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    do_GET = do_POST = do_DELETE = do_PUT = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # Python's default of 5 drops connections under a burst
    service: LoopbackService


class LoopbackService:
    """Base class: subclasses give `routes()` and may shape errors in `error_answer()`."""

    name = "fake"

    def __init__(
        self,
        *,
        port: int = 0,
        latency: float = 0.0,
        fail_nth: dict[int, int] | None = None,
        down: bool = False,
    ) -> None:
        self.port = port or free_port()
        self.latency = latency
        self.fail_nth = dict(fail_nth or {})
        self.start_down = down
        self.calls: list[tuple[str, str, Any]] = []
        self.max_in_flight = 0
        self._in_flight = 0
        self._failing: list[int] = []
        self._count = itertools.count(1)
        self._lock = threading.Lock()
        self._server: _Server | None = None

    # subclass hooks
    def routes(self) -> dict[tuple[str, str], Callable[[Request], Answer]]:
        return {}

    def error_answer(self, status: int, message: str, **extra: Any) -> Answer:
        return Answer(status, {"detail": message, **extra})

    def before(self, request: Request) -> Answer | None:
        """Runs before any counted route (auth checks); an answer here ends the request."""
        return None

    # lifecycle
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackService:
        if not self.start_down:
            self.go_up()
        return self

    def __exit__(self, *exc: object) -> None:
        self.go_down()

    def go_up(self) -> None:
        """Listen (again) on our port."""
        with self._lock:
            if self._server is None:
                self._server = _Server(("127.0.0.1", self.port), _Handler)
                self._server.service = self
                loop = threading.Thread(
                    target=self._server.serve_forever, args=(0.02,), daemon=True
                )
                loop.start()

    def go_down(self) -> None:
        """Stop listening: new connections are refused."""
        with self._lock:
            server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def fail_next(self, status: int, times: int = 1) -> None:
        """The next `times` counted calls answer `status`."""
        with self._lock:
            self._failing.extend([status] * times)

    # dispatch
    def dispatch(self, request: Request) -> Answer:
        if request.path == "/_fake/knobs":
            return self._knobs(request.json() or {})
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
        try:
            return self._route(request)
        except Reject as exc:
            return self.error_answer(exc.status, exc.message, **exc.extra)
        finally:
            with self._lock:
                self._in_flight -= 1

    def _route(self, request: Request) -> Answer:
        status = self._count_call(request) if request.path != "/health" else None
        time.sleep(self.latency)
        if request.path != "/health":
            if status:
                return self.error_answer(status, f"injected failure (HTTP {status})")
            early = self.before(request)
            if early is not None:
                return early
        route = self.routes().get((request.method, request.path))
        if route is None:
            return self.error_answer(404, f"no route {request.method} {request.path}")
        return route(request)

    def _count_call(self, request: Request) -> int | None:
        body = json.loads(request.body) if request.body.startswith((b"{", b"[")) else None
        with self._lock:
            n = next(self._count)
            self.calls.append((request.method, request.path, body))
            if self._failing:
                return self._failing.pop(0)
            return self.fail_nth.get(n)

    def _knobs(self, knobs: dict[str, Any]) -> Answer:
        if "latency" in knobs:
            self.latency = float(knobs["latency"])
        for status in knobs.get("fail_next", []):
            self.fail_next(int(status))
        if knobs.get("down_for"):
            threading.Thread(target=self._down_for, args=(float(knobs["down_for"]),)).start()
        return Answer(200, {"ok": True})

    def _down_for(self, seconds: float) -> None:
        time.sleep(0.05)  # let the knobs answer leave first
        self.go_down()
        time.sleep(seconds)
        self.go_up()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve_main(
    factory: Callable[..., LoopbackService], argv: list[str], extra: dict[str, type] | None = None
) -> None:
    """`python -m tests.fakes.<name> --port N [--latency S] [--fail-nth N --fail-status S]`."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--fail-nth", type=int, action="append", default=[])
    parser.add_argument("--fail-status", type=int, default=503)
    for flag, kind in (extra or {}).items():
        parser.add_argument(flag, type=kind)
    args = vars(parser.parse_args(argv))
    status = args.pop("fail_status")
    fail_nth = {n: status for n in args.pop("fail_nth")}
    options = {k: v for k, v in args.items() if v is not None}
    service = factory(fail_nth=fail_nth, **options)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with service:
        print(f"{service.name} fake listening on {service.url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()

"""A tiny base for fake HTTP servers on loopback: a thread per connection, JSON and chunked helpers.

Subclass `FakeHandler`, map routes in `routes` ({path: {method: handler method name}}, with
`prefixes` for paths that carry a parameter), and subclass `FakeServer` pointing `handler` at it.
`with MyFake() as srv: srv.url` runs it in a background thread on a free port; `srv.serve()`
runs it in the foreground for `python -m ...` use. Handlers reach shared state via `self.fake`.
"""

from __future__ import annotations

import json
import select
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self
from urllib.parse import urlsplit


class FakeHandler(BaseHTTPRequestHandler):
    """Request handler with routing, body reading (length or chunked) and reply helpers."""

    protocol_version = "HTTP/1.1"
    routes: ClassVar[dict[str, dict[str, str]]] = {}
    prefixes: ClassVar[dict[str, dict[str, str]]] = {}
    server: _Server

    @property
    def fake(self) -> Any:
        return self.server.fake

    @property
    def route_path(self) -> str:
        return urlsplit(self.path).path

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self.dispatch()

    def do_HEAD(self) -> None:
        self.dispatch()

    def do_POST(self) -> None:
        self.dispatch()

    def do_DELETE(self) -> None:
        self.dispatch()

    def do_PUT(self) -> None:
        self.dispatch()

    def dispatch(self) -> None:
        """Find the route's method table; unknown paths and methods go to the overridable hooks."""
        path = self.route_path
        table = self.routes.get(path)
        if table is None:
            table = next((t for p, t in self.prefixes.items() if path.startswith(p)), None)
        if table is None:
            return self.unknown_route()
        name = table.get(self.command)
        if name is None:
            return self.method_not_allowed()
        getattr(self, name)()

    def unknown_route(self) -> None:
        self.send_text(404, "404 page not found")

    def method_not_allowed(self) -> None:
        self.send_text(405, "405 method not allowed")

    # -- request body -------------------------------------------------------------------------

    def iter_body(self, chunk: int = 1 << 16) -> Any:
        """Yield the request body in pieces, whether sized or chunked, without holding it all."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            yield from self._iter_chunked()
            return
        left = int(self.headers.get("Content-Length") or 0)
        while left > 0:
            data = self.rfile.read(min(chunk, left))
            if not data:
                return
            left -= len(data)
            yield data

    def _iter_chunked(self) -> Any:
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return
            yield self.rfile.read(size)
            self.rfile.readline()

    def read_body(self) -> bytes:
        return b"".join(self.iter_body())

    def read_json(self) -> Any:
        """Parsed JSON body, or None for an empty body; ValueError on bad JSON."""
        raw = self.read_body()
        return json.loads(raw) if raw.strip() else None

    # -- replies -------------------------------------------------------------------------------

    def send_bytes(self, status: int, body: bytes, content_type: str | None) -> None:
        """A sized reply; HEAD requests get the headers only."""
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:  # as Go does: tell the client not to reuse this connection
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def send_json(self, status: int, obj: Any, content_type: str = "application/json") -> None:
        self.send_bytes(status, json.dumps(obj, separators=(",", ":")).encode(), content_type)

    def send_text(self, status: int, text: str) -> None:
        self.send_bytes(status, text.encode(), "text/plain")

    def start_chunked(self, status: int, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def write_chunk(self, data: bytes) -> None:
        """One flushed chunk; raises OSError once the client has gone."""
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def end_chunked(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def client_gone(self) -> bool:
        """True once the peer closed its end: readable with nothing to read."""
        conn: socket.socket = self.connection
        try:
            readable, _, _ = select.select([conn], [], [], 0)
            return bool(readable) and conn.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # Python's default of 5 drops connections under a burst
    fake: Any


class FakeServer:
    """Owns the listening socket and the serving thread; subclasses add state and knobs."""

    handler: type[FakeHandler] = FakeHandler

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.stopping = threading.Event()
        self._httpd = _Server((host, port), self.handler)
        self._httpd.fake = self
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; streaming handlers watch `stopping` and end their loops."""
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def serve(self) -> None:
        """Serve in the foreground until interrupted (the `python -m` entry points)."""
        print(f"listening on {self.url}", flush=True)
        try:
            self._httpd.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            self.stopping.set()
            self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

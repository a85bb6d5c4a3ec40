"""The two ways into a fake's `dispatch`: HTTP on 127.0.0.1, and an httpx.MockTransport.

HTTP/1.1 with keep-alive, bodies sized or chunked both ways, HEAD without a body, streamed
answers flushed piece by piece (a client that leaves closes the route's iterator, so its
`finally` sees it), Drop cutting the connection, and FileRegion bodies sent with sendfile.
Going down closes the open connections too, so a pooled client really sees the server gone.
"""

from __future__ import annotations

import argparse
import contextlib
import select
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.fakes import messages


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # Python's default of 5 drops connections under a burst
    service: Any

    def __init__(self, address: tuple[str, int], service: Any, bind: bool = True) -> None:
        self.service = service
        self.open: set[socket.socket] = set()
        self.open_lock = threading.Lock()
        super().__init__(address, _Handler, bind_and_activate=bind)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-answer is normal here (timeouts, cancels): no traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def setup(self) -> None:
        super().setup()
        with self.server.open_lock:
            self.server.open.add(self.connection)

    def finish(self) -> None:
        with self.server.open_lock:
            self.server.open.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Keep test output quiet."""

    def handle_one(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = messages.Request(self.command, self.path, headers, self._body(), self._gone)
        self._send(self.server.service.dispatch(request))

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = handle_one

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        pieces = []
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            pieces.append(self.rfile.read(size))
            self.rfile.readline()
        self.rfile.readline()
        return b"".join(pieces)

    def _gone(self) -> bool:
        """True once the peer closed its end: readable with nothing to read."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _send(self, answer: messages.Answer) -> None:
        body = answer.encoded()
        headers = dict(answer.headers)
        ctype = headers.pop("Content-Type", "application/json")
        streamed = not isinstance(body, bytes)
        if not streamed:
            headers.setdefault("Content-Length", str(len(body)))
        chunked = "Content-Length" not in headers
        if chunked:
            headers["Transfer-Encoding"] = "chunked"
        if answer.close:
            headers["Connection"] = "close"
            self.close_connection = True
        self.send_response(answer.status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            _close(body)
        elif streamed:
            self._stream(body, chunked)
        else:
            self.wfile.write(body)

    def _stream(self, body: Any, chunked: bool) -> None:
        try:
            if isinstance(body, messages.FileRegion):
                self._sendfile(body)
                return
            for piece in body:
                if piece:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                    self.wfile.flush()
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except messages.Drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:  # the client left
            self.close_connection = True
        finally:
            _close(body)

    def _sendfile(self, region: messages.FileRegion) -> None:
        self.wfile.flush()
        with region.path.open("rb") as fh:
            start = region.start
            while start < region.stop:
                sent = self.connection.sendfile(fh, start, min(region.stop - start, 8 << 20))
                if not sent:
                    raise BrokenPipeError
                region.count(sent)
                start += sent


def _close(body: Any) -> None:
    if hasattr(body, "close"):
        body.close()


def reserve(host: str) -> socket.socket:
    """A port of our own, bound but not listening (connections to it are refused) until
    `listen` takes it: a port probed free and bound later may be taken meanwhile."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


def listen(service: Any, host: str, port: int, reserved: socket.socket | None = None) -> Server:
    """Serve on (host, port): on the `reserved` socket when given, else bound now."""
    server = Server((host, port), service, bind=reserved is None)
    if reserved is not None:
        server.socket.close()
        server.socket, server.server_address = reserved, reserved.getsockname()
        server.server_name, server.server_port = host, port
        server.server_activate()
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    return server


def close(server: Server) -> None:
    """Stop accepting, then end the connections still open (keep-alive or mid-answer)."""
    server.shutdown()
    server.server_close()
    with server.open_lock:
        still_open = list(server.open)
    for sock in still_open:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


# -- the same routes as an httpx transport -----------------------------------------------------


def mock_transport(service: Any) -> httpx.MockTransport:
    return httpx.MockTransport(mock_handler(service))


def mock_handler(service: Any) -> Callable[[httpx.Request], httpx.Response]:
    """httpx request -> the service's dispatch -> httpx response (streamed ones stay lazy)."""

    def handle(request: httpx.Request) -> httpx.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        target = request.url.raw_path.decode()
        left = threading.Event()  # the client closed the response
        mock = messages.Request(request.method, target, headers, request.read(), left.is_set)
        answer = service.dispatch(mock)
        body = answer.encoded()
        out = dict(answer.headers)
        ctype = out.pop("Content-Type", "application/json")
        if ctype:
            out["Content-Type"] = ctype
        if request.method == "HEAD":
            _close(body)
            return httpx.Response(answer.status, headers=out)
        if isinstance(body, bytes):
            return httpx.Response(answer.status, headers=out, content=body)
        out.pop("Content-Length", None)  # httpx frames the stream itself
        return httpx.Response(answer.status, headers=out, stream=_Stream(body, left))

    return handle


class _Stream(httpx.SyncByteStream):
    """A streamed answer; Drop becomes the error httpx raises for a cut connection.

    The client may close it from another thread while a reader thread is inside the route's
    iterator (Ollama's pull reads in its own thread): then `left` tells the route, whose
    `request.gone()` sees it, and the reading thread closes the iterator itself."""

    def __init__(self, body: Any, left: threading.Event) -> None:
        self.body, self.left = body, left

    def __iter__(self) -> Iterator[bytes]:
        try:
            for piece in self.body:
                if self.left.is_set():
                    return
                yield piece
        except messages.Drop:
            raise httpx.RemoteProtocolError("peer closed connection (injected drop)") from None
        finally:
            _close(self.body)

    def close(self) -> None:
        self.left.set()
        with contextlib.suppress(ValueError):  # "generator already executing": see above
            _close(self.body)


# -- `python -m tests.fakes.<name>` ------------------------------------------------------------


def serve_until_stopped(service: Any) -> None:
    """Serve in the foreground until SIGTERM or Ctrl-C."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with service:
        print(f"{service.name} fake listening on {service.url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


def serve_main(
    factory: Callable[..., Any], argv: list[str], extra: dict[str, type] | None = None
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
    serve_until_stopped(factory(fail_nth=fail_nth, **options))

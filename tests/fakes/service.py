"""A stand-in for a local service (Ollama, Flux, ...), run as the configured start command.

    python -m tests.fakes.service --port N --mode ok|exit|never-healthy [--delay S]
                                  [--ignore-term]

ok: listens after `delay` seconds and answers 200 at /health, /api/tags and /v1/models;
exit: prints a few log lines and exits with code 3; never-healthy: listens, answers 503.
Also helpers for tests: a healthy or unhealthy server in a thread, and a blackhole that
accepts TCP and never answers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TAGS = {
    "models": [
        {"name": "llama3.2:latest", "model": "llama3.2:latest", "size": 2019393189},
        {"name": "nomic-embed-text:latest", "model": "nomic-embed-text:latest", "size": 274302450},
    ]
}
MODELS = {
    "object": "list",
    "data": [
        {"id": "qwen2.5-7b-instruct", "object": "model", "owned_by": "organization_owner"},
        {"id": "text-embedding-nomic-embed-text-v1.5", "object": "model"},
    ],
}
ROUTES = {"/health": {"status": "ok"}, "/api/tags": TAGS, "/v1/models": MODELS}


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _handler(status: int, seen: list[dict[str, str]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server name
            seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
            body = ROUTES.get(self.path)
            code = status if body is not None else 404
            payload = json.dumps(body if code == 200 else {"error": "unavailable"}).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, fmt: str, *args: object) -> None:
            print(f"fake service: {fmt % args}", flush=True)

    return Handler


def make_server(port: int, status: int = 200) -> ThreadingHTTPServer:
    """A fake service bound to 127.0.0.1:port answering `status` on its known routes."""
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(status, []))
    server.daemon_threads = True
    return server


@contextlib.contextmanager
def running(port: int, status: int = 200) -> Iterator[list[dict[str, str]]]:
    """Serve on a port in a thread ("already running"); yields the requests seen."""
    seen: list[dict[str, str]] = []
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(status, seen))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def blackhole() -> Iterator[int]:
    """A port that accepts TCP connections and never answers; yields the port."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                held.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for sock in [*held, listener]:
            sock.close()


def main() -> int:
    """Run as a service command: behave as --mode says."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["ok", "exit", "never-healthy"], default="ok")
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--ignore-term", action="store_true")
    args = parser.parse_args()
    if args.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:  # exit quietly, as a real server does on SIGTERM
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"fake service: mode {args.mode} on port {args.port}", flush=True)
    if args.mode == "exit":
        for n in range(1, 4):
            print(f"fake service: loading part {n}", flush=True)
        print("fake service: fatal: could not load the model", file=sys.stderr, flush=True)
        return 3
    time.sleep(args.delay)
    server = make_server(args.port, 200 if args.mode == "ok" else 503)
    print(f"fake service: listening at {time.time():.6f}", flush=True)
    server.serve_forever(poll_interval=0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A stand-in for a local service (Ollama, Flux, ...), run as the configured start command.

    python -m tests.fakes.service --port N --mode ok|exit|never-healthy [--delay S]
                                  [--ignore-term] [--after-launcher PID]

ok: listens after `delay` seconds and answers 200 at /health, /api/tags and /v1/models;
exit: prints a few log lines and exits with code 3; never-healthy: listens, answers 503.
Also helpers for tests: a healthy or unhealthy server in a thread, and a blackhole that
accepts TCP and never answers.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator

from tests.fakes.loopback import Answer, LoopbackService, Request

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


class FakeService(LoopbackService):
    """Answers `status` on the known routes; `seen` keeps every request's path and headers."""

    name = "service"

    def __init__(self, port: int, status: int = 200, *, log: bool = False) -> None:
        super().__init__(port=port)
        self.status, self.log = status, log
        self.seen: list[dict[str, str]] = []

    def route(self, request: Request) -> Answer:
        self.seen.append({"path": request.target, **request.headers})
        body = ROUTES.get(request.target)
        status = self.status if body is not None else 404
        if self.log:  # an access-log line, as the real services print
            print(f'fake service: "{request.method} {request.target}" {status}', flush=True)
        return Answer(status, body if status == 200 else {"error": "unavailable"})


@contextlib.contextmanager
def running(port: int, status: int = 200) -> Iterator[list[dict[str, str]]]:
    """Serve on a port in a thread ("already running"); yields the requests seen."""
    with FakeService(port, status) as service:
        yield service.seen


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
    parser.add_argument("--after-launcher", type=int, help="wait for this parent pid to exit")
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
    while args.after_launcher and os.getppid() == args.after_launcher:  # reparented: it exited
        time.sleep(0.02)
    time.sleep(args.delay)
    service = FakeService(args.port, 200 if args.mode == "ok" else 503, log=True)
    service.go_up()
    print(f"fake service: listening at {time.time():.6f}", flush=True)
    while True:  # until SIGTERM
        time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`roundhouse up`: the whole stack on one machine. A child that exits is restarted
(cli/supervise.py); Ctrl-C stops every child it started, Redis after the rest (the children
run in process groups of their own, so only this process hears the terminal's Ctrl-C)."""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import time
from collections.abc import Callable
from types import FrameType

from roundhouse.cli.stack import Stack
from roundhouse.cli.supervise import Supervisor
from roundhouse.core import logs
from roundhouse.core.settings import Settings

LOOPBACK = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("up", help="run Redis (if REDIS_URL is unset), a worker and the API")
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port for the API and page (default 8000)")
    p.add_argument("--concurrency", type=int, help="worker processes (default 4)")
    p.add_argument(
        "--api-workers",
        type=int,
        help="API processes on the port, each with its own relay reader (default: CPU cores)",
    )
    p.add_argument(
        "--no-worker",
        action="store_true",
        help="the API only (workers run on other machines, see the README)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    say = logs.console(settings.log_format.lower(), "roundhouse.up", settings.hostname)
    host = args.host or settings.bind_host
    port = args.port or settings.port
    if not is_loopback(host) and not settings.api_token:
        say.error(
            f"Refusing to listen on {host}: anyone who can reach it could drive this machine."
            "\nSet ROUNDHOUSE_API_TOKEN (and share it with your team), or listen on "
            "127.0.0.1."
        )
        return 2
    stack = Stack(settings.data_dir, api_workers=max(1, args.api_workers or os.cpu_count() or 1))
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # Ctrl-C, kill, closed terminal
        signal.signal(sig, stop)
    try:
        worker = None if args.no_worker else (args.concurrency or settings.worker_concurrency)
        return _run(stack, settings, host, port, worker, lambda: stopping)
    finally:
        say.info("Stopping Roundhouse...")
        stack.stop(timeout=15)
        say.info("Stopped; nothing left running.")


def _run(
    stack: Stack,
    settings: Settings,
    host: str,
    port: int,
    worker: int | None,
    stopping: Callable[[], bool],
) -> int:
    """`worker` is the worker's concurrency, or None for an API-only host."""
    say = logging.getLogger("roundhouse.up")
    starters: dict[str, Callable[[], object]] = {}
    if not settings.redis_url:
        url = stack.start_redis()
        say.info(f"Redis: {url} (data in {settings.data_dir / 'redis'})")
        redis_port = int(url.rsplit(":", 1)[1].split("/")[0])
        starters["redis"] = lambda: stack.start_redis(port=redis_port)
    if worker is not None:
        starters["worker"] = lambda: stack.start_worker(concurrency=worker, quiet=False)
        starters["worker"]()
    starters["api"] = lambda: stack.start_api(port, host=host, quiet=False)
    url = stack.start_api(port, host=host, quiet=False)
    say.info(f"Roundhouse is up: {url.replace('0.0.0.0', '127.0.0.1')}  (Ctrl-C to stop)")
    supervisor = Supervisor(stack, starters, say=say.warning)  # a child that exits restarts
    while not stopping():
        reason = supervisor.step()
        if reason:
            say.error(f"{reason}; stopping the rest (Redis's log: {stack.logs})")
            return 1
        time.sleep(0.2)
    return 0

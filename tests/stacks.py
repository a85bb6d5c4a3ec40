"""Test stacks: real Redis, real Celery workers and the real API as separate processes."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from roundhouse.cli.stack import Stack, free_port, wait_port
from roundhouse.core.jobs import JobStore
from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect

_db = itertools.count(1)

#: Settings every test stack uses: fast watchdog, its own data dir, no stray `.env`.
BASE_ENV = {
    "ROUNDHOUSE_STALE_AFTER_S": "4",
    "ROUNDHOUSE_WATCHDOG_INTERVAL_S": "1",
    "ROUNDHOUSE_HEARTBEAT_INTERVAL_S": "0.5",
    "PYTHONUNBUFFERED": "1",
}


@dataclass
class TestStack:
    __test__ = False  # a fixture value, not a test class

    stack: Stack
    url: str
    port: int
    redis_url: str
    prefix: str

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10)

    def store(self) -> JobStore:
        return JobStore(connect(self.redis_url), Keys(self.prefix))

    def log(self, name: str) -> str:
        assert self.stack.logs is not None
        path = self.stack.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        self.stack.stop()


def start_stack(
    tmp: Path,
    redis_base: str,
    env: dict[str, str] | None = None,
    workers: int = 1,
    concurrency: int = 2,
) -> TestStack:
    """A stack on its own Redis database, so its queues and keys are its own."""
    db = next(_db)
    redis_url = f"{redis_base}/{db}"
    prefix = f"t{db}:"
    full_env = {
        **os.environ,
        **BASE_ENV,
        "REDIS_URL": redis_url,
        "ROUNDHOUSE_KEY_PREFIX": prefix,
        "ROUNDHOUSE_DATA_DIR": str(tmp),
        "ROUNDHOUSE_ENV_FILE": str(tmp / ".env"),
        **(env or {}),
    }
    stack = Stack(tmp, env=full_env)
    for n in range(workers):
        stack.start_worker(name=f"worker{n}", concurrency=concurrency)
    port = free_port()
    url = stack.start_api(port)
    try:
        stack.wait_worker(url)
    except TimeoutError:
        stack.stop()
        raise
    return TestStack(stack, url, port, redis_url, prefix)


def start_flower(ts: TestStack) -> str:
    """Flower on the stack's broker, its HTTP API open (Flower 2 locks it by default)."""
    port = free_port()
    env = {**ts.stack.env, "FLOWER_UNAUTHENTICATED_API": "true"}
    assert ts.stack.logs is not None
    out = open(ts.stack.logs / "flower.log", "ab")  # noqa: SIM115
    argv = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "roundhouse.tasks.app",
        "flower",
        f"--port={port}",
        "--address=127.0.0.1",
    ]
    proc = subprocess.Popen(
        argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )
    ts.stack.procs["flower"] = proc
    wait_port(port, timeout=30, proc=proc)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # Flower has met the worker once it lists it
        if httpx.get(f"{url}/api/workers", params={"refresh": 1}, timeout=15).json():
            return url
        time.sleep(0.3)
    raise TimeoutError("Flower never saw a worker")

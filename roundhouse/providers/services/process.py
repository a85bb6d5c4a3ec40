"""Spawn a service under a keeper, stop it, and tell running / stopped / crashed apart later.

A record (a plain dict the job layer stores in Redis) is all another process needs:
keeper_pid (also the process group id), pid (the service), port, log_path, exit_file,
stop_file, started_at. The stop file marks a requested stop; the keeper's exit file holds the
service's exit code. Pid reuse is survived by checking the keeper's command line.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from roundhouse.core.errors import Conflict
from roundhouse.providers.services import pids
from roundhouse.providers.services.specs import ServiceSpec

KEEPER = "roundhouse.providers.services.keeper"
TAIL_LINES = 20


def spawn(spec: ServiceSpec, log_dir: Path) -> dict[str, Any]:
    """Start the service detached, under a keeper, logging to a fresh file; return its record."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{spec.name}-{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}"
    files = {
        kind: str((log_dir / f"{stem}.{kind}").resolve()) for kind in ("log", "exit", "pid", "stop")
    }
    setenv = [arg for key, value in spec.env.items() for arg in ("--setenv", f"{key}={value}")]
    argv = [
        sys.executable,
        "-m",
        KEEPER,
        "--exit-file",
        files["exit"],
        "--pid-file",
        files["pid"],
        "--stop-file",
        files["stop"],
        *setenv,
        "--",
        *spec.argv,
    ]
    started_at = time.time()
    with open(files["log"], "ab") as log:
        keeper = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    threading.Thread(target=keeper.wait, name=f"reap-{spec.name}", daemon=True).start()
    return {
        "service": spec.name,
        "host": spec.host,
        "port": spec.port,
        "keeper_pid": keeper.pid,
        "pid": _service_pid(files["pid"], keeper),
        "argv": list(spec.argv),
        "log_path": files["log"],
        "exit_file": files["exit"],
        "stop_file": files["stop"],
        "started_at": started_at,
        "detached": False,
    }


def _service_pid(pid_file: str, keeper: subprocess.Popen[bytes], wait_s: float = 5.0) -> int:
    """The service's pid as the keeper reports it (0 if the keeper died before starting it)."""
    until = time.monotonic() + wait_s
    while time.monotonic() < until:
        try:
            return int(Path(pid_file).read_text())
        except (FileNotFoundError, ValueError):
            if keeper.poll() is not None:
                return 0
            time.sleep(0.002)
    return 0


def ours(record: dict[str, Any]) -> list[int]:
    """Live processes of the record's group, or [] if the group is gone or was reused."""
    pgid = int(record["keeper_pid"])
    members = pids.group_members(pgid)
    if pgid in members and record["exit_file"] not in pids.cmdline(pgid):
        return []  # the pid now leads someone else's group
    return members


def exit_info(record: dict[str, Any]) -> dict[str, Any] | None:
    """How the service ended, as written by its keeper; None while running or if unknown."""
    try:
        return json.loads(Path(record["exit_file"]).read_text())
    except (FileNotFoundError, ValueError):
        return None


def log_tail(record: dict[str, Any], lines: int = TAIL_LINES) -> list[str]:
    """The last lines of the service's log: what a user needs to see why it failed."""
    try:
        with open(record["log_path"], "rb") as fh:
            fh.seek(max(0, os.path.getsize(record["log_path"]) - 64 * 1024))
            text = fh.read().decode(errors="replace")
    except OSError:
        return []
    return text.splitlines()[-lines:]


def result(status: str, record: dict[str, Any], message: str, /, **extra: Any) -> dict[str, Any]:
    """The answer shape kept from the original system, plus extras."""
    return {
        "status": status,
        "service": record["service"],
        "port": record.get("port"),
        "pid": record.get("pid"),
        "message": message,
        **extra,
    }


def stop(
    record: dict[str, Any], *, timeout_s: float = 10.0, stop_argv: tuple[str, ...] = ()
) -> dict[str, Any]:
    """SIGTERM the group, SIGKILL it after timeout_s; stopping a stopped service is fine."""
    if record.get("detached"):
        if not stop_argv:
            raise Conflict(
                f"{record['service']} was handed to another process by its launcher; "
                "Roundhouse has no command to stop it",
                hint="Stop it where it runs",
                service=record["service"],
            )
        Path(record["stop_file"]).touch()
        return _stop_launched(record, stop_argv, timeout_s)
    if not ours(record):
        return result("stopped", record, f"{record['service']} was not running", was_running=False)
    Path(record["stop_file"]).touch()  # before the signal: the keeper must not forward it
    pgid = int(record["keeper_pid"])
    _signal_group(pgid, signal.SIGTERM)
    if _wait_gone(record, timeout_s):
        return result("stopped", record, f"{record['service']} stopped", was_running=True)
    _signal_group(pgid, signal.SIGKILL)
    _wait_gone(record, 2.0)
    return result(
        "stopped",
        record,
        f"{record['service']} ignored SIGTERM for {timeout_s:g} s and was killed (SIGKILL)",
        was_running=True,
        killed=True,
    )


def _stop_launched(record: dict[str, Any], argv: tuple[str, ...], timeout_s: float) -> dict:
    """A launcher handed the server to another process; its own stop command ends it."""
    done = subprocess.run(
        argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout_s, check=False
    )
    ok = done.returncode == 0
    message = f"ran {' '.join(argv)}: " + ("ok" if ok else f"exit code {done.returncode}")
    return result("stopped" if ok else "stop_failed", record, message, was_running=True)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _wait_gone(record: dict[str, Any], timeout_s: float) -> bool:
    until = time.monotonic() + timeout_s
    while ours(record):
        if time.monotonic() >= until:
            return False
        time.sleep(0.02)
    return True


def inspect(record: dict[str, Any]) -> dict[str, Any]:
    """running / stopped / exited (code 0, on its own) / crashed (exit code + log tail)."""
    name = record["service"]
    if ours(record):
        kept = pids.alive(int(record["keeper_pid"]))
        note = "" if kept else " (its keeper is gone: its exit code will not be recorded)"
        return result("running", record, f"{name} is running{note}", state="running")
    ended = exit_info(record) or {}
    code = ended.get("returncode")
    if Path(record["stop_file"]).exists():
        return result("stopped", record, f"{name} was stopped", state="stopped", returncode=code)
    if code == 0:
        return result(
            "exited", record, f"{name} exited on its own with code 0", state="exited", returncode=0
        )
    how = f"exit code {code}" if code is not None else "no exit code (its keeper was killed)"
    if ended.get("signal"):
        how = f"exit code {code} (killed by {ended['signal']})"
    return result(
        "crashed",
        record,
        f"{name} crashed with {how}",
        state="crashed",
        returncode=code,
        log_tail=log_tail(record),
    )

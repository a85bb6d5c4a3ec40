"""Start a catalog service and wait until it answers its health check, reporting progress."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from roundhouse.core.errors import Conflict, ProviderError
from roundhouse.providers.base import Control
from roundhouse.providers.services import pids
from roundhouse.providers.services.ports import check_port
from roundhouse.providers.services.process import exit_info, log_tail, result, spawn, stop
from roundhouse.providers.services.specs import ServiceSpec

POLL_S = 0.05  # the health poll; half of it, on average, is what we add to a start
REPORT_EVERY_S = 0.5
#: A port that keeps answering the health path with one of these is not the service: a server
#: that is only loading says 503 or does not answer yet, not "no such page".
NOT_THE_SERVICE = {400, 401, 403, 404, 405, 501}
WRONG_SERVER_S = 3.0


def require_startable(spec: ServiceSpec) -> None:
    """Refuse, with what to do, a service that is unconfigured, remote or not installed."""
    if not spec.configured:
        raise Conflict(
            f"{spec.title} is not configured: no start command is set",
            hint=f"Set {spec.setting}",
            service=spec.name,
        )
    if not spec.local:
        raise Conflict(
            f"{spec.title} is configured at {spec.base_url}, not on this machine",
            hint="Start it on that machine, or point its URL at 127.0.0.1",
            service=spec.name,
        )
    if shutil.which(spec.argv[0]) is None:
        raise Conflict(
            f"cannot start {spec.title}: {spec.argv[0]!r} was not found",
            hint=spec.install_hint,
            service=spec.name,
            executable=spec.argv[0],
        )


def start(
    spec: ServiceSpec, *, log_dir: Path, control: Control, deadline_s: float | None = None
) -> dict[str, Any]:
    """Start the service unless it already runs; return the result with its record."""
    running = check_port(spec) if spec.local and spec.health_url else None
    if running is not None:  # even if not installed here or unconfigured: it is up
        control.report(stage="ready", message=running["message"], progress=1.0)
        return {**running, "record": None}
    require_startable(spec)
    control.report(stage="launching", message=f"starting {spec.title}: {' '.join(spec.argv)}")
    began = time.monotonic()
    record = spawn(spec, log_dir)
    try:
        _wait_healthy(spec, record, control, deadline_s or spec.start_deadline_s)
    except BaseException:
        stop(record, timeout_s=5.0)  # whatever went wrong, leave nothing we started behind
        raise
    took = time.monotonic() - began
    note = " (its launcher handed it to another process)" if record["detached"] else ""
    message = f"{spec.title} is ready on port {spec.port} after {took:.1f} s{note}"
    control.report(stage="ready", message=message, progress=1.0)
    return result(
        "started",
        record,
        message,
        record=record,
        log_path=record["log_path"],
        elapsed_s=round(took, 3),
        managed=True,
    )


def _wait_healthy(
    spec: ServiceSpec, record: dict[str, Any], control: Control, deadline_s: float
) -> None:
    """Poll the health URL until it answers 2xx; fail fast if the process dies or if the port
    keeps answering like something that is not the service."""
    began = time.monotonic()
    reported = -REPORT_EVERY_S
    wrong_since: float | None = None
    with httpx.Client(timeout=min(2.0, deadline_s), trust_env=False) as client:
        while True:
            control.check()
            healthy, answer, status = _probe(client, spec.health_url)
            if healthy:
                return
            _check_process(spec, record)
            now = time.monotonic()
            elapsed = now - began
            wrong_since = (wrong_since or now) if status in NOT_THE_SERVICE else None
            if wrong_since is not None and now - wrong_since >= WRONG_SERVER_S:
                stop(record, timeout_s=5.0)
                raise _failure(
                    spec,
                    record,
                    f"is not what answers on port {spec.port}: {answer} for "
                    f"{now - wrong_since:.0f} s, so the command started some other server",
                )
            if elapsed >= deadline_s:
                stop(record, timeout_s=5.0)
                raise _failure(
                    spec, record, f"did not become healthy within {deadline_s:g} s ({answer})"
                )
            if elapsed - reported >= REPORT_EVERY_S:
                reported = elapsed
                control.report(
                    stage="waiting for health",
                    message=(
                        f"waiting for {spec.title} on port {spec.port}: {answer} "
                        f"({elapsed:.1f} s of {deadline_s:g} s)"
                    ),
                )
            time.sleep(POLL_S)


def _probe(client: httpx.Client, url: str) -> tuple[bool, str, int | None]:
    """(healthy, "GET /health → 404, expected 200", status): the request and its answer."""
    asked = f"GET {urlsplit(url).path or '/'}"
    try:
        response = client.get(url)
    except httpx.ConnectError:
        return False, f"{asked}: nothing listens yet", None
    except httpx.HTTPError as exc:
        return False, f"{asked}: no HTTP answer ({type(exc).__name__})", None
    if response.is_success:
        return True, f"{asked} → {response.status_code}", response.status_code
    return False, f"{asked} → {response.status_code}, expected 200", response.status_code


def _check_process(spec: ServiceSpec, record: dict[str, Any]) -> None:
    """Raise if the service ended badly; a clean exit 0 is a launcher that handed it on."""
    if record["detached"]:
        return
    ended = exit_info(record)
    if ended is None:
        if not pids.alive(int(record["keeper_pid"])):
            raise _failure(spec, record, "its keeper process died before the service was ready")
        return
    code = ended.get("returncode")
    if code == 0:
        record["detached"] = True
        return
    how = f"exited with code {code}"
    if ended.get("signal"):
        how = f"was killed by {ended['signal']} (exit code {code})"
    raise _failure(spec, record, f"{how} before it was ready", returncode=code)


def _failure(spec: ServiceSpec, record: dict[str, Any], what: str, **extra: Any) -> ProviderError:
    tail = log_tail(record)
    shown = "\n".join(tail) if tail else "(the log is empty)"
    return ProviderError(
        spec.name,
        f"{spec.title} {what}. Last lines of {record['log_path']}:\n{shown}",
        hint=spec.install_hint if not tail else None,
        log_tail=tail,
        log_path=record["log_path"],
        service=spec.name,
        **extra,
    )

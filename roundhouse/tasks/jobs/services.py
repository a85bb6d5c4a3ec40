"""`service.start` / `service.stop`: run on the queue of the host the service lives on.

The provider layer (providers/services) does the process work; this module decides what
to do given what Redis says this host runs, records the outcome in `rh:services:{host}`
and announces every state change with a "service" event.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from roundhouse.core.errors import AppError, Cancelled
from roundhouse.core.job_types import Job
from roundhouse.core.jobs import JobStore
from roundhouse.core.models import TERMINAL
from roundhouse.core.services import ServiceStore, machine_view
from roundhouse.providers.base import Control
from roundhouse.providers.services import launch, process
from roundhouse.providers.services.specs import ServiceSpec, lookup
from roundhouse.tasks import host_report, llamacpp_serve
from roundhouse.tasks.context import WorkerContext
from roundhouse.tasks.kinds import at_worker_start, handles
from roundhouse.tasks.requests.services import (
    START,
    STOP,
    refuse_if_foreign,
    service_specs,
    start_dedup,
)
from roundhouse.tasks.service_watch import observe, start_sweeper

KEEP_LOGS = 5  # log/exit/pid/stop file sets kept per service
RESULT_FIELDS = ("status", "service", "port", "pid", "message", "managed", "log_path", "elapsed_s")
#: What a start that worked wipes: an earlier failure's words must not sit next to "running".
CLEARED: dict[str, Any] = {"error": None, "hint": None, "returncode": None, "log_tail": []}


def store(ctx: WorkerContext) -> ServiceStore:
    """What Redis records of the services each host runs."""
    return ctx.stores.services


def _answer(ctx: WorkerContext, out: dict[str, Any], host: str) -> dict[str, Any]:
    """The job result: the original's shape (status, service, port, pid, message) + extras."""
    host_report.publish(ctx)  # the grid shows this host's view at once, not in 5 s
    return {**{k: out[k] for k in RESULT_FIELDS if k in out}, "host": host}


@handles(START)
def start(ctx: WorkerContext, job: Job, control: Control) -> dict[str, Any]:
    """Start the service here unless it already runs; wait until it is healthy."""
    s, services = ctx.settings(), store(ctx)
    host, spec = s.hostname, lookup(service_specs(s), job["params"]["service"])
    view = machine_view()
    entry = observe(services, host, spec.name, services.get(host, spec.name) or {}, view)
    ours = entry.get("state") == "running" and entry.get("record")
    served: dict[str, Any] = {}
    if spec.name == llamacpp_serve.NAME:  # the GGUF to serve is chosen per start
        records = ctx.stores.downloads.list()
        pid = entry.get("pid") if ours else None
        spec, served = llamacpp_serve.prepare(s, spec, job["params"].get("model"), records, pid)
    if ours and served and (entry.get("model") or {}).get("file_id") != served["file_id"]:
        llamacpp_serve.stop_serving(services, host, spec, entry, served, control)
    elif ours:
        message = f"{spec.title} is already running (started by Roundhouse, pid {entry['pid']})"
        control.report(stage="ready", message=message, progress=1.0)
        return _answer(ctx, process.result("already_running", entry, message, managed=True), host)
    services.announce(
        host,
        spec.name,
        {"state": "starting", "job_id": job["id"], "port": spec.port, "message": "starting"},
    )
    log_dir = s.data_dir / "services"
    prune_logs(log_dir, spec.name, KEEP_LOGS)
    try:
        out = launch.start(spec, log_dir=log_dir, control=control)
    except Exception as exc:
        _record_failure(services, host, spec, exc)
        raise
    record = out.pop("record")
    if record is None:  # something healthy already answers on the port: not ours
        services.change(host, spec.name, {"state": "stopped", "record": None, **CLEARED})
        services.announce(host, spec.name, {"state": "external", **_answer(ctx, out, host)})
        return _answer(ctx, out, host)
    fields = {
        "state": "running",
        "managed": True,
        "record": record,
        "view": view,
        "pid": record["pid"],
        "port": record["port"],
        "started_at": record["started_at"],
        "log_path": record["log_path"],
        "message": out["message"],
        "job_id": job["id"],
        **CLEARED,
        "model": served or None,
    }
    services.change(host, spec.name, fields)
    return _answer(ctx, out, host) | ({"model": served} if served else {})


def _record_failure(services: ServiceStore, host: str, spec: ServiceSpec, exc: Exception) -> None:
    """A start that failed leaves nothing running; say why, with the log's last lines."""
    details = exc.details if isinstance(exc, AppError) else {}
    code = details.get("returncode")
    fields = {
        "state": "crashed" if code not in (None, 0) else "stopped",
        "record": None,
        "pid": None,
        "port": spec.port,
        "message": "Start cancelled" if isinstance(exc, Cancelled) else "Start failed",
        "error": None if isinstance(exc, Cancelled) else getattr(exc, "message", str(exc)),
        "hint": getattr(exc, "hint", None),
        "returncode": code,
        "log_tail": details.get("log_tail") or [],
        "log_path": details.get("log_path"),
    }
    services.change(host, spec.name, fields)


@handles(STOP)
def stop(ctx: WorkerContext, job: Job, control: Control) -> dict[str, Any]:
    """SIGTERM, wait, SIGKILL what we started; nothing to stop is fine; not ours is refused."""
    s, services = ctx.settings(), store(ctx)
    host, spec = s.hostname, lookup(service_specs(s), job["params"]["service"])
    control.report(stage="stopping", message=f"stopping {spec.title}")
    _end_start(ctx.jobs, host, spec, control)
    entry = services.get(host, spec.name) or {}
    record = entry.get("record")
    if not record:
        refuse_if_foreign(spec)
        message = f"{spec.title} was not running"
        here = {"service": spec.name, "port": spec.port, "pid": None}
        return {
            **_answer(ctx, process.result("stopped", here, message), host),
            "was_running": False,
        }
    out = process.stop(record, stop_argv=spec.stop_argv)
    fields = {
        "state": "stopped",
        "pid": None,
        "message": out["message"],
        "error": None,
        "returncode": None,
        "log_tail": [],
    }
    services.change(host, spec.name, fields)
    return {**_answer(ctx, out, host), "was_running": out.get("was_running", False)}


def _end_start(jobs: JobStore, host: str, spec: ServiceSpec, control: Control) -> None:
    """A start still in progress is cancelled first, and we wait until it has cleaned up."""
    job_id = jobs.owner(start_dedup(host, spec.name))
    if not job_id:
        return
    try:
        if jobs.get(job_id)["state"] not in TERMINAL:
            jobs.request_stop(job_id, "cancel")
    except AppError:
        return  # expired, or ended in between
    until = time.monotonic() + spec.start_deadline_s + 15
    while time.monotonic() < until:
        control.check()
        if jobs.get(job_id)["state"] in TERMINAL:
            return
        time.sleep(0.05)


def prune_logs(log_dir: Path, name: str, keep: int) -> None:
    """Old starts' files go; the newest `keep` sets stay (a running service's is the newest)."""
    if not log_dir.is_dir():
        return
    stems = sorted(
        {p.name.rsplit(".", 1)[0] for p in log_dir.glob(f"{name}-*.log")}, reverse=True
    )  # names carry a sortable timestamp
    for stem in stems[keep:]:
        for kind in ("log", "exit", "pid", "stop", "exit.tmp"):
            (log_dir / f"{stem}.{kind}").unlink(missing_ok=True)


@at_worker_start
def _announce_host(ctx: WorkerContext) -> None:
    """The sweeper notices when a service started here dies; the view shows what runs here."""
    start_sweeper(store(ctx), ctx.base_settings.hostname)
    host_report.start_publisher(ctx)

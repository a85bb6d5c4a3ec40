"""One row per catalog service for a host: what Redis records, what processes and health say.

States: running (started by us), external (running, not started by us), starting (a start
job is live), crashed (our process died: exit code + log tail), stopped.
"""

from __future__ import annotations

import time
from typing import Any

from roundhouse.api import llamacpp
from roundhouse.api.deps import AppContext
from roundhouse.core.hosts import by_host
from roundhouse.core.models import ACTIVE
from roundhouse.core.services import ServiceStore, machine_view, public
from roundhouse.core.workers import FRESH_S
from roundhouse.providers import health
from roundhouse.providers.services.specs import ServiceSpec
from roundhouse.tasks.requests.services import service_specs, start_dedup
from roundhouse.tasks.service_watch import observe

JOB_FIELDS = ("id", "state", "stage", "message", "progress", "error", "hint")


def store_for(ctx: AppContext) -> ServiceStore:
    return ctx.stores.services


def _checked_here(spec: ServiceSpec, own: bool) -> bool:
    """A loopback URL says something only about this machine; other URLs about theirs."""
    return bool(spec.health_url) and (own or not spec.local)


def live_start_jobs(ctx: AppContext, host: str, names: list[str]) -> dict[str, dict[str, Any]]:
    """Service name -> its start job while one is queued or running."""
    owners = ctx.jobs.owners([start_dedup(host, name) for name in names])
    found = {}
    for name, job_id in zip(names, owners, strict=True):
        if not job_id:
            continue
        try:
            job = ctx.jobs.get(job_id)
        except Exception:
            continue
        if job["state"] in ACTIVE:
            found[name] = {k: job.get(k) for k in JOB_FIELDS}
    return found


def status(ctx: AppContext, host: str) -> dict[str, Any]:
    """Every service of the catalog as seen for `host`: by this API, or by that host's worker."""
    store = store_for(ctx)
    own = host == ctx.settings.hostname
    published = None if own else ctx.stores.host_views.get(host)
    if published:
        specs, checks = remote_specs(published)
    else:
        specs = service_specs(ctx.settings)
        targets = [spec for spec in specs.values() if _checked_here(spec, own)]
        checks = health.check_all(targets, timeout_s=ctx.settings.health_timeout_s)
    view = machine_view()
    entries = {
        name: observe(store, host, name, entry, view) for name, entry in store.all(host).items()
    }
    jobs = live_start_jobs(ctx, host, list(specs))
    judged = own or published is not None
    rows = [
        row(spec, host, entries.get(name) or {}, checks.get(name), jobs.get(name), judged)
        for name, spec in specs.items()
    ]
    rows = [llamacpp.decorate(ctx, r, own) for r in rows]
    workers = ctx.stores.workers.live(FRESH_S)  # as /healthz counts them
    states = by_host(ctx.hosts.describe(), workers)
    mine = next((h for h in states if h["host"] == host), None)
    return {
        "host": host,
        "hosts": [h["host"] for h in states],
        "host_states": states,
        "online": bool(mine and mine["online"]),
        "last_seen": mine["last_seen"] if mine else None,
        "seen_by": host if published else ctx.settings.hostname,
        "view_at": published["at"] if published else None,
        "services": rows,
    }


def remote_specs(published: dict[str, Any]) -> tuple[dict[str, ServiceSpec], dict[str, Any]]:
    """The specs and health checks a host's worker published, as the API's own would be."""
    specs, checks = {}, {}
    for name, e in published["services"].items():
        specs[name] = ServiceSpec(
            name=name,
            title=e["title"],
            role=e["role"],
            argv=tuple(e["argv"]),
            host=e["host"],
            port=e["port"],
            base_url=e["base_url"],
            health_url=e["health_url"],
            start_deadline_s=0,
            install_hint=e["install_hint"],
            setting=e.get("setting", ""),
        )
        if e.get("health"):
            checks[name] = e["health"]
    return specs, checks


def row(
    spec: ServiceSpec,
    host: str,
    entry: dict[str, Any],
    check: dict[str, Any] | None,
    job: dict[str, Any] | None,
    own: bool = True,
) -> dict[str, Any]:
    """Merge the stored entry, the health check and a live start job into one row."""
    state, note = _state(entry, check, job)
    running_ours = state == "running"
    started = entry.get("started_at") if running_ours else None
    out = {
        **public(entry),
        "service": spec.name,
        "title": spec.title,
        "role": spec.role,
        "host": host,
        "port": entry.get("port") or spec.port,
        "url": spec.base_url,
        "configured": spec.configured,
        "install_hint": spec.install_hint,
        "state": state,
        "managed": running_ours or state == "starting",
        "pid": entry.get("pid") if running_ours else None,
        "uptime_s": round(time.time() - started, 1) if started else None,
        "health": _health(check),
        "job": job,
        "actions": {
            # another host's commands are its own settings, so only ours can be judged here
            "start": state in ("stopped", "crashed") and (spec.configured or not own),
            "stop": state in ("running", "starting"),
        },
    }
    if state in ("running", "external", "starting"):  # an older failure is over
        out.update(error=None, hint=None, returncode=None, log_tail=[])
    if note:
        out["message"] = note
    return out


def _state(
    entry: dict[str, Any], check: dict[str, Any] | None, job: dict[str, Any] | None
) -> tuple[str, str | None]:
    healthy = bool(check and check.get("ok"))
    stored = entry.get("state")
    if job is not None:
        return "starting", job.get("message")
    if stored == "running":
        if check is not None and not healthy:
            if (entry.get("record") or {}).get("detached"):  # its pid is not ours to follow
                return "stopped", "its launcher handed it on and it no longer answers"
            return "running", f"running, but its health check failed: {check.get('error')}"
        return "running", None
    if healthy:
        return "external", "running, not started by Roundhouse"
    return ("crashed" if stored == "crashed" else "stopped"), None


def _health(check: dict[str, Any] | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {k: check.get(k) for k in ("ok", "latency_ms", "error", "checked_at")}

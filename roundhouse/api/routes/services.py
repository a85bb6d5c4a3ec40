"""/api/providers/services: start, stop and watch local services on any host with a worker."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from roundhouse.api import llamacpp, service_status
from roundhouse.api.body import json_object
from roundhouse.api.deps import app_ctx, host_of, hosts
from roundhouse.api.submit import accepted, submit
from roundhouse.core.errors import InvalidRequest
from roundhouse.core.services import ServiceStore
from roundhouse.providers.services.specs import ServiceSpec, lookup
from roundhouse.tasks.requests.llamacpp import SETUP, setup_dedup
from roundhouse.tasks.requests.services import (
    START,
    STOP,
    refuse_if_foreign,
    service_specs,
    start_dedup,
    stop_dedup,
)

bp = Blueprint("services", __name__, url_prefix="/api/providers/services")


def _target(extra: frozenset[str] = frozenset()) -> tuple[ServiceSpec, str, ServiceStore, dict]:
    """The service (from the catalog only) and host named in the body, validated."""
    body = json_object({"service", "host", *extra})
    spec = lookup(service_specs(app_ctx().settings), body.get("service"))
    store = service_status.store_for(app_ctx())
    return spec, host_of(body.get("host")), store, body


@bp.post("/start")
def start() -> ResponseReturnValue:
    spec, host, _, body = _target(frozenset({"model"}))
    extra = llamacpp.start_params(app_ctx(), spec, host, body.get("model"))
    job, created = submit(
        START,
        {"service": spec.name, "host": host, **extra},
        dedup=start_dedup(host, spec.name),
        message=f"Starting {spec.title} on {host}",
    )
    return accepted(job, created)


@bp.post("/stop")
def stop() -> ResponseReturnValue:
    spec, host, store, _ = _target()
    ctx = app_ctx()
    starting = ctx.jobs.owner(start_dedup(host, spec.name))
    if starting:  # a start in progress is cancelled; the stop job waits for it to clean up
        job = ctx.jobs.get(starting)
        if job["state"] in ("queued", "running"):
            ctx.jobs.request_stop(starting, "cancel")
    elif host == ctx.settings.hostname and not (store.get(host, spec.name) or {}).get("record"):
        refuse_if_foreign(spec)  # the port check is about this machine
    job, created = submit(
        STOP,
        {"service": spec.name, "host": host},
        dedup=stop_dedup(host, spec.name),
        message=f"Stopping {spec.title} on {host}",
    )
    return accepted(job, created)


@bp.post("/setup")
def setup() -> ResponseReturnValue:
    """Build a service's engine on its host (llama.cpp only), as a job with live progress."""
    spec, host, _, body = _target(frozenset({"force"}))
    if spec.name != llamacpp.NAME:
        raise InvalidRequest(
            f"{spec.title} has no setup step; only llamacpp does",
            hint=spec.install_hint,
        )
    force = body.get("force", False)
    if not isinstance(force, bool):
        raise InvalidRequest("'force' must be true or false")
    job, created = submit(
        SETUP,
        {"service": spec.name, "host": host, "force": force},
        dedup=setup_dedup(host),
        message=f"Setting up llama.cpp on {host}",
    )
    return accepted(job, created)


@bp.get("/status")
def status() -> ResponseReturnValue:
    host = hosts().choose_to_read(request.args.get("host"), app_ctx().settings.hostname)
    return jsonify(service_status.status(app_ctx(), host))

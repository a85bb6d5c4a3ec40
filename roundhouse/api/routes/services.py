"""/api/providers/services: start, stop and watch local services on any host with a worker."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from roundhouse.api import llamacpp, service_status
from roundhouse.api.body import json_object
from roundhouse.api.deps import host_of, hosts, services
from roundhouse.api.submit import accepted, submit
from roundhouse.core.errors import InvalidRequest
from roundhouse.core.services import ServiceStore
from roundhouse.providers.services.catalog import ServiceSpec, lookup
from roundhouse.tasks.requests.llamacpp import SETUP, setup_dedup
from roundhouse.tasks.requests.services import (
    START,
    STOP,
    catalog,
    refuse_if_foreign,
    start_dedup,
    stop_dedup,
)

bp = Blueprint("services", __name__, url_prefix="/api/providers/services")


def _target(extra: frozenset[str] = frozenset()) -> tuple[ServiceSpec, str, ServiceStore, dict]:
    """The service (from the catalog only) and host named in the body, validated."""
    body = json_object({"service", "host", *extra})
    spec = lookup(catalog(services().settings), body.get("service"))
    store = service_status.store_for(services())
    return spec, host_of(body.get("host")), store, body


@bp.post("/start")
def start() -> ResponseReturnValue:
    spec, host, _, body = _target(frozenset({"model"}))
    extra = llamacpp.start_params(services(), spec, host, body.get("model"))
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
    svc = services()
    starting = svc.redis.get(svc.keys.dedup(start_dedup(host, spec.name)))
    if starting:  # a start in progress is cancelled; the stop job waits for it to clean up
        job = svc.jobs.get(starting)
        if job["state"] in ("queued", "running"):
            svc.jobs.request_stop(starting, "cancel")
    elif host == svc.settings.hostname and not (store.get(host, spec.name) or {}).get("record"):
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
    host = hosts().choose_to_read(request.args.get("host"), services().settings.hostname)
    return jsonify(service_status.status(services(), host))

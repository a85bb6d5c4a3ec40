"""/api/providers/services: start, stop and watch local services on any host with a worker."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify, request

from roundhouse.api import service_status
from roundhouse.api.body import json_object
from roundhouse.api.deps import services
from roundhouse.api.submit import accepted, submit
from roundhouse.core.errors import InvalidRequest
from roundhouse.core.services import ServiceStore
from roundhouse.providers.services.catalog import ServiceSpec, lookup
from roundhouse.tasks.jobs.services import catalog, refuse_if_foreign, start_dedup, stop_dedup

bp = Blueprint("services", __name__, url_prefix="/api/providers/services")
HOSTNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$")


def _host(raw: Any, store: ServiceStore) -> str:
    """The host asked for (default: this one); only hosts with a services worker are valid."""
    svc = services()
    if raw in (None, ""):
        return svc.settings.hostname
    known = service_status.known_hosts(svc, store)
    if not isinstance(raw, str) or not HOSTNAME.match(raw) or raw not in known:
        raise InvalidRequest(
            f"unknown host {raw!r}; known hosts: {', '.join(known)}",
            hint="A host is known once a worker started with its ROUNDHOUSE_HOSTNAME has run",
            known=known,
        )
    return raw


def _target() -> tuple[ServiceSpec, str, ServiceStore]:
    """The service (from the catalog only) and host named in the body, validated."""
    body = json_object({"service", "host"})
    spec = lookup(catalog(services().settings), body.get("service"))
    store = service_status.store_for(services())
    return spec, _host(body.get("host"), store), store


@bp.post("/start")
def start():  # type: ignore[no-untyped-def]
    spec, host, _ = _target()
    job, created = submit(
        "service.start",
        {"service": spec.name, "host": host},
        dedup=start_dedup(host, spec.name),
        message=f"Starting {spec.title} on {host}",
    )
    return accepted(job, created)


@bp.post("/stop")
def stop():  # type: ignore[no-untyped-def]
    spec, host, store = _target()
    svc = services()
    starting = svc.redis.get(svc.keys.dedup(start_dedup(host, spec.name)))
    if starting:  # a start in progress is cancelled; the stop job waits for it to clean up
        job = svc.jobs.get(starting)
        if job["state"] in ("queued", "running"):
            svc.jobs.request_stop(starting, "cancel")
    elif host == svc.settings.hostname and not (store.get(host, spec.name) or {}).get("record"):
        refuse_if_foreign(spec)  # the port check is about this machine
    job, created = submit(
        "service.stop",
        {"service": spec.name, "host": host},
        dedup=stop_dedup(host, spec.name),
        message=f"Stopping {spec.title} on {host}",
    )
    return accepted(job, created)


@bp.get("/status")
def status():  # type: ignore[no-untyped-def]
    store = service_status.store_for(services())
    host = _host(request.args.get("host"), store)
    return jsonify(service_status.status(services(), host))

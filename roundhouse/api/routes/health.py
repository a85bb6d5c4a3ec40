"""GET /healthz: is Redis answering, and which workers have checked in lately, by host."""

from __future__ import annotations

import time

import redis
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from roundhouse.api.deps import base_services
from roundhouse.core.hosts import Hosts, by_host
from roundhouse.tasks.watchdog import WORKER_FRESH_S, live_workers

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    svc = base_services()  # no Redis read before the check (the connections overlay)
    started = time.perf_counter()
    try:
        svc.redis.ping()
        workers = live_workers(svc.jobs, WORKER_FRESH_S)
        hosts = by_host(Hosts.of(svc.redis, svc.keys, svc.settings).describe(), workers)
    except redis.RedisError as exc:
        body = {"ok": False, "redis": {"ok": False, "error": str(exc)}, "workers": []}
        return jsonify(body), 503
    latency = round((time.perf_counter() - started) * 1000, 2)
    body = {
        "ok": bool(workers),
        "redis": {"ok": True, "latency_ms": latency},
        "workers": workers,
        "hosts": hosts,
        "relay_clients": svc.relay.clients(),
        "message": "ready" if workers else "no live worker: start one with `make run`",
    }
    return jsonify(body), 200

"""GET /healthz: is Redis answering, and which workers have checked in lately."""

from __future__ import annotations

import time

import redis
from flask import Blueprint, jsonify

from roundhouse.api.deps import services
from roundhouse.tasks.watchdog import live_workers

bp = Blueprint("health", __name__)

#: A worker that has not beaten for this long is not counted as live.
WORKER_FRESH_S = 10.0


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    svc = services()
    started = time.perf_counter()
    try:
        svc.redis.ping()
        workers = live_workers(svc.jobs, WORKER_FRESH_S)
    except redis.RedisError as exc:
        body = {"ok": False, "redis": {"ok": False, "error": str(exc)}, "workers": []}
        return jsonify(body), 503
    latency = round((time.perf_counter() - started) * 1000, 2)
    body = {
        "ok": bool(workers),
        "redis": {"ok": True, "latency_ms": latency},
        "workers": workers,
        "relay_clients": svc.relay.clients(),
        "message": "ready" if workers else "no live worker: start one with `make run`",
    }
    return jsonify(body), 200

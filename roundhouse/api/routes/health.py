"""GET /healthz: is Redis answering, and which workers have checked in lately, by host."""

from __future__ import annotations

import time

import redis
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from roundhouse.api.deps import base_ctx
from roundhouse.core.hosts import by_host
from roundhouse.core.workers import FRESH_S

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    ctx = base_ctx()  # no Redis read before the check (the connections overlay)
    started = time.perf_counter()
    try:
        ctx.stores.ping()
        workers = ctx.stores.workers.live(FRESH_S)
        hosts = by_host(ctx.hosts.describe(), workers)
    except redis.RedisError as exc:
        body = {"ok": False, "redis": {"ok": False, "error": str(exc)}, "workers": []}
        return jsonify(body), 503
    latency = round((time.perf_counter() - started) * 1000, 2)
    body = {
        "ok": bool(workers),
        "redis": {"ok": True, "latency_ms": latency},
        "workers": workers,
        "hosts": hosts,
        "relay_clients": ctx.relay.clients(),
        "message": "ready" if workers else "no live worker: start one with `make run`",
    }
    return jsonify(body), 200

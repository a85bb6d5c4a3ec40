"""Every worker publishes its host's own view: the service catalog from its settings, and the
health of each service as checked from this host (so `127.0.0.1` means this host's loopback).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from roundhouse.core.settings import Settings
from roundhouse.providers import catalog, health
from roundhouse.providers.hf import free_bytes
from roundhouse.providers.services.specs import SPEC_FIELDS, build_specs
from roundhouse.tasks.context import WorkerContext

log = logging.getLogger(__name__)
INTERVAL_S = 5.0
HEALTH_FIELDS = ("ok", "latency_ms", "error", "checked_at")


def view(settings: Settings) -> dict[str, dict[str, Any]]:
    """Service name -> what the status grid needs to show it as this host sees it."""
    specs = build_specs(**{k: getattr(settings, k) for k in SPEC_FIELDS})
    targets = [spec for spec in specs.values() if spec.health_url]
    checks = health.check_all(targets, timeout_s=settings.health_timeout_s)
    out = {}
    for name, spec in specs.items():
        check = checks.get(name)
        out[name] = {
            "title": spec.title,
            "role": spec.role,
            "argv": list(spec.argv),
            "host": spec.host,
            "port": spec.port,
            "base_url": spec.base_url,
            "health_url": spec.health_url,
            "install_hint": spec.install_hint,
            "setting": spec.setting,
            "health": {k: check.get(k) for k in HEALTH_FIELDS} if check else None,
        }
    return out


def machine(settings: Settings) -> dict[str, Any]:
    """RAM and the models folder's free disk, so the API can judge a file's fit for this host."""
    return {
        "ram_bytes": catalog.total_ram_bytes(),
        "disk_free_bytes": free_bytes(settings.models_dir),
        "models_dir": str(settings.models_dir),
    }


def publish(ctx: WorkerContext) -> None:
    """Publish this host's view now (after a start or stop, the grid should not wait)."""
    try:
        settings = ctx.settings()
        views = ctx.stores.host_views
        views.publish(settings.hostname, view(settings), machine(settings))
    except Exception:  # Redis away for a moment: the next round publishes again
        log.warning("could not publish this host's service view", exc_info=True)


def start_publisher(ctx: WorkerContext, interval_s: float = INTERVAL_S) -> threading.Event:
    """A daemon thread publishing every `interval_s` (settings read afresh each time)."""
    stop = threading.Event()

    def loop() -> None:
        while True:
            publish(ctx)
            if stop.wait(interval_s):
                return

    threading.Thread(target=loop, name="host-report", daemon=True).start()
    return stop

"""GET /metrics: the deployment's counts in Prometheus' text format (prometheus_client).

Counters live in Redis (`core/metrics.py`), so any API process answers for every process and
worker. Queue depth is read from the broker's lists, waiting pulls from the slot lines, health
from the health cache, switches from the provider version; WebSocket clients and relay lag are
per API process, each published under its own name (`process` label).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from roundhouse.api import provider_health
from roundhouse.api.deps import AppContext, app_ctx
from roundhouse.core.metrics import DURATION_BUCKETS, LAG_BUCKETS_MS
from roundhouse.tasks import kinds

PUBLISH_S = 2.0


class Collector:
    """Reads the shared state at scrape time; nothing is cached between scrapes."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.metrics = ctx.stores.metrics

    def collect(self) -> Iterator[Metric]:
        counts = self.metrics.counters()
        yield from _jobs(counts)
        yield _durations(counts)
        yield _labelled(
            CounterMetricFamily,
            "roundhouse_downloaded_bytes",
            "Bytes downloaded by finished downloads",
            "kind",
            counts,
            "bytes",
        )
        yield from self._queues()
        yield self._switches()
        yield self._health()
        yield from _processes(self.metrics.processes())

    def _queues(self) -> Iterator[Metric]:
        stores = self.ctx.stores
        hosts = set(stores.services.hosts()) | {self.ctx.settings.hostname}
        names = [kinds.DEFAULT, kinds.DOWNLOADS, kinds.BEAM, *(f"host.{h}" for h in sorted(hosts))]
        depth = GaugeMetricFamily(
            "roundhouse_queue_depth",
            "Task messages waiting for a worker, per Celery queue",
            labels=["queue"],
        )
        for name, n in zip(names, stores.metrics.queue_depths(names), strict=True):
            depth.add_metric([name], n)
        yield depth
        waiting = GaugeMetricFamily(
            "roundhouse_pulls_waiting",
            "Pulls queued for a download slot (their task is a retry, not a queue message)",
            labels=["pool"],
        )
        for pool, n in stores.metrics.waiting_pools().items():
            waiting.add_metric([pool], n)
        yield waiting

    def _switches(self) -> Metric:
        version = self.ctx.stores.providers().version()
        total = CounterMetricFamily("roundhouse_provider_switches", "Provider switches committed")
        total.add_metric([], int(version or 0))
        return total

    def _health(self) -> Metric:
        up = GaugeMetricFamily(
            "roundhouse_service_up",
            "1 when the service's last health check passed, else 0",
            labels=["service"],
        )
        # this scrape's settings (the connections overlay as it is now), not the first scrape's
        for name, verdict in sorted(provider_health.cached(app_ctx()).results.items()):
            up.add_metric([name], 1 if verdict.get("ok") else 0)
        return up


def _jobs(counts: dict[str, str]) -> Iterator[Metric]:
    yield _labelled(
        CounterMetricFamily,
        "roundhouse_jobs_started",
        "Jobs claimed by a worker for the first time",
        "kind",
        counts,
        "started",
    )
    finished = CounterMetricFamily(
        "roundhouse_jobs_finished", "Jobs that reached a final state", labels=["kind", "state"]
    )
    for field, value in sorted(counts.items()):
        if field.startswith("finished|"):
            _, kind, state = field.split("|", 2)
            finished.add_metric([kind, state], int(value))
    yield finished


def _durations(counts: dict[str, str]) -> Metric:
    family = HistogramMetricFamily(
        "roundhouse_job_duration_seconds", "From claim to final state", labels=["kind"]
    )
    per_kind: dict[str, dict[str, int]] = {}
    for field, value in counts.items():
        if field.startswith("duration|"):
            _, kind, le = field.split("|", 2)
            per_kind.setdefault(kind, {})[le] = int(value)
    for kind, found in sorted(per_kind.items()):
        total = float(counts.get(f"duration_sum|{kind}", 0))
        family.add_metric([kind], _cumulative(found, DURATION_BUCKETS), total)
    return family


def _processes(procs: dict[str, dict[str, Any]]) -> Iterator[Metric]:
    clients = GaugeMetricFamily(
        "roundhouse_ws_clients",
        "WebSocket and SSE clients subscribed to the relay, per API process",
        labels=["process"],
    )
    lag = HistogramMetricFamily(
        "roundhouse_relay_lag_ms",
        "Milliseconds from the feed write to the frame's send, per API process",
        labels=["process"],
    )
    for name, data in sorted(procs.items()):
        clients.add_metric([name], data.get("clients", 0))
        buckets = _cumulative(data.get("lag", {}).get("buckets", {}), LAG_BUCKETS_MS)
        lag.add_metric([name], buckets, data.get("lag", {}).get("sum", 0.0))
    yield clients
    yield lag


def _cumulative(found: dict[str, int], bounds: tuple[float, ...]) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    running = 0
    for label in [*(repr(b) for b in bounds), "+Inf"]:
        running += found.get(label, 0)
        out.append((label, running))
    return out


def _labelled(
    cls: Any, name: str, doc: str, label: str, counts: dict[str, str], prefix: str
) -> Metric:
    family = cls(name, doc, labels=[label])
    for field, value in sorted(counts.items()):
        if field.startswith(prefix + "|"):
            family.add_metric([field.split("|", 1)[1]], int(value))
    return family


def exposition(ctx: AppContext) -> bytes:
    with ctx.shared.building:
        registry = ctx.shared.metrics_registry
        if registry is None:
            registry = ctx.shared.metrics_registry = CollectorRegistry(auto_describe=False)
            registry.register(Collector(ctx))
    return generate_latest(registry)


def publish_forever(ctx: AppContext, stop: threading.Event | None = None) -> None:
    """This process's own gauges, every PUBLISH_S, for whichever process gets scraped."""
    metrics, name = ctx.stores.metrics, process_name()
    while not (stop and stop.is_set()):
        try:
            gauges = {"clients": ctx.relay.clients(), "lag": ctx.relay.lag.summary()}
            metrics.publish_process(name, gauges)
        except Exception:  # Redis away for a moment: the next round publishes again
            pass
        time.sleep(PUBLISH_S)


def process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def start_publisher(ctx: AppContext) -> None:
    threading.Thread(target=publish_forever, args=(ctx,), name="metrics", daemon=True).start()

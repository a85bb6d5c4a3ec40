"""No job stays `running` after its worker died: re-queue it if its kind resumes, else fail it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from roundhouse.core.hosts import Hosts
from roundhouse.core.job_types import Job
from roundhouse.core.jobs import JobStore
from roundhouse.core.models import JobState, now
from roundhouse.core.settings import Settings
from roundhouse.tasks import kinds, partition
from roundhouse.tasks.host_wait import note_waiting

log = logging.getLogger(__name__)

#: A worker that has not beaten for this long is not counted as live (/healthz, the grid).
WORKER_FRESH_S = 10.0
Enqueue = Callable[[Job], None]
LOST = (
    "Worker lost: the worker running this job stopped (crashed, was killed or lost its connection)"
)


def sweep(store: JobStore, enqueue: Enqueue, settings: Settings) -> list[str]:
    """One pass, cluster-wide at most once per interval; returns the ids it acted on."""
    lock = store.keys.watchdog_lock
    ttl_ms = max(100, int(settings.watchdog_interval_s * 1000 * 0.8))
    if not store.r.set(lock, settings.hostname, nx=True, px=ttl_ms):
        return []
    acted = []
    for job_id in store.stale(settings.stale_after_s):
        if _recover(store, enqueue, job_id, settings):
            acted.append(job_id)
    note_waiting(store, Hosts.of(store.r, store.keys, settings))
    store.prune()
    return acted


def _recover(store: JobStore, enqueue: Enqueue, job_id: str, settings: Settings) -> bool:
    try:
        job = store.get(job_id)
    except Exception:
        store.r.zrem(store.keys.running, job_id)
        return False
    if job["state"] != JobState.RUNNING:
        store.r.zrem(store.keys.running, job_id)
        return False
    since = partition.silent_since(store, job, settings)
    if since is not None and partition.hold(store, job, since, settings):
        return False
    try:
        resumable = kinds.get(job["kind"]).resumable
    except Exception:
        resumable = False
    if resumable:
        fields = {
            "state": JobState.QUEUED.value,
            "stage": "queued",
            "run": "",
            "message": "Worker lost; re-queued to resume from where it stopped"
            + partition.lost_note(job, since),
            "unreachable_since": None,
            "speed": None,
            "eta": None,
            "requeued_at": now(),
        }
        if (
            store.update(
                job_id, fields, allowed=(JobState.RUNNING.value,), mode="idle", snapshot=job
            )
            is None
        ):
            return False
        log.warning("job %s lost its worker; re-queued", job_id)
        enqueue(store.get(job_id))
        return True
    log.warning("job %s lost its worker; failed", job_id)
    return (
        store.finish(
            job_id,
            JobState.FAILED,
            {"error": LOST + partition.lost_note(job, since), "message": "Failed"},
            snapshot=job,
        )
        is not None
    )


def beat_worker(store: JobStore, name: str, host: str | None = None) -> None:
    """Record that a worker is alive (GET /healthz counts these) and serves `host`'s queue."""
    store.r.hset(store.keys.workers, name, now())
    if host:
        Hosts(store.r, store.keys).beat(host)


def live_workers(store: JobStore, within_s: float) -> list[str]:
    seen = store.r.hgetall(store.keys.workers)
    cutoff = now() - within_s
    stale = [n for n, ts in seen.items() if float(ts) < cutoff - 3600]
    if stale:
        store.r.hdel(store.keys.workers, *stale)
    return sorted(n for n, ts in seen.items() if float(ts) >= cutoff)


def start_thread(
    store: JobStore,
    enqueue: Enqueue,
    settings: Settings,
    worker_name: str | None = None,
    host: str | None = None,
) -> threading.Event:
    """Run sweeps (and the worker's own liveness and host beat) until the event is set."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(settings.watchdog_interval_s if worker_name is None else 2.0):
            try:
                if worker_name:
                    beat_worker(store, worker_name, host)
                sweep(store, enqueue, settings)
            except Exception:
                log.warning("watchdog pass failed; retrying", exc_info=True)

    if worker_name:
        try:
            beat_worker(store, worker_name, host)
        except Exception:
            log.warning("could not record worker liveness", exc_info=True)
    threading.Thread(target=loop, name="roundhouse-watchdog", daemon=True).start()
    return stop

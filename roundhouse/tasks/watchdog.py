"""No job stays `running` after its worker died: re-queue it if its kind resumes, else fail it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from roundhouse.core.job_types import Job
from roundhouse.core.models import JobState, now
from roundhouse.core.settings import Settings
from roundhouse.core.stores import Stores
from roundhouse.tasks import kinds, partition
from roundhouse.tasks.host_wait import note_waiting

log = logging.getLogger(__name__)

Enqueue = Callable[[Job], None]
LOST = (
    "Worker lost: the worker running this job stopped (crashed, was killed or lost its connection)"
)


def sweep(stores: Stores, enqueue: Enqueue, settings: Settings) -> list[str]:
    """One pass, cluster-wide at most once per interval; returns the ids it acted on."""
    store = stores.jobs
    ttl_ms = max(100, int(settings.watchdog_interval_s * 1000 * 0.8))
    if not store.take_sweep_turn(settings.hostname, ttl_ms):
        return []
    acted = []
    for job_id in store.stale(settings.stale_after_s):
        if _recover(stores, enqueue, job_id, settings):
            acted.append(job_id)
    note_waiting(store, stores.hosts)
    store.prune()
    return acted


def _recover(stores: Stores, enqueue: Enqueue, job_id: str, settings: Settings) -> bool:
    store = stores.jobs
    try:
        job = store.get(job_id)
    except Exception:
        store.unmark_running(job_id)
        return False
    if job["state"] != JobState.RUNNING:
        store.unmark_running(job_id)
        return False
    since = partition.silent_since(stores.hosts, job, settings)
    if since is not None and partition.hold(store, job, since, settings):
        return False
    try:
        resumable = kinds.get(job["kind"]).resumable
    except Exception:
        resumable = False
    if resumable:
        message = "Worker lost; re-queued to resume from where it stopped"
        message += partition.lost_note(job, since)
        more = {"unreachable_since": None, "speed": None, "eta": None, "requeued_at": now()}
        if store.requeue(job_id, message, more, job=job) is None:
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
            job=job,
        )
        is not None
    )


def beat_worker(stores: Stores, name: str, host: str | None = None) -> None:
    """Record that a worker is alive (GET /healthz counts these) and serves `host`'s queue."""
    stores.workers.beat(name)
    if host:
        stores.hosts.beat(host)


def start_thread(
    stores: Stores,
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
                    beat_worker(stores, worker_name, host)
                sweep(stores, enqueue, settings)
            except Exception:
                log.warning("watchdog pass failed; retrying", exc_info=True)

    if worker_name:
        try:
            beat_worker(stores, worker_name, host)
        except Exception:
            log.warning("could not record worker liveness", exc_info=True)
    threading.Thread(target=loop, name="roundhouse-watchdog", daemon=True).start()
    return stop

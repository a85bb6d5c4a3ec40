"""The baseline: progress via Celery's result backend, polled every 500 ms (celery-progress).

A Celery app of its own (`-A bench.celery_progress`) whose task calls `update_state` ten times
a second with the time of each update in its meta; pollers read `AsyncResult(id).info`.
"""

from __future__ import annotations

import os
import threading
import time

from celery import Celery

URL = os.environ.get("BENCH_BASELINE_REDIS", "redis://127.0.0.1:6379/60")
app = Celery("celery_progress_baseline", broker=URL, backend=URL)
app.conf.update(
    task_default_queue="baseline",
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
)


@app.task(bind=True, name="baseline.tick")
def tick(self, updates: int, interval: float) -> int:  # type: ignore[no-untyped-def]
    stamps: list[float] = []
    for i in range(1, updates + 1):
        time.sleep(interval)
        stamps.append(time.time())
        self.update_state(state="PROGRESS", meta={"current": i, "stamps": stamps})
    return updates


def poll(
    task_id: str, every: float, stop: threading.Event, seen: list[float], counts: dict[str, int]
) -> None:
    """What celery-progress's page does: ask every `every` seconds.

    An update counts as delivered when a poll first shows it or a later one; its latency is
    that poll's time minus the update's. `observed` counts updates a poll showed exactly.
    """
    last = 0
    result = app.AsyncResult(task_id)
    while not stop.is_set():
        info = result.info
        now = time.time()
        if isinstance(info, dict) and info.get("current", 0) > last:
            stamps = info["stamps"]
            seen.extend(now - ts for ts in stamps[last:])
            counts["observed"] += 1
            last = info["current"]
        stop.wait(every)

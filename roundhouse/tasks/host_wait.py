"""Queued host-bound jobs say when their host is offline, instead of a silent `queued`."""

from __future__ import annotations

import time

from roundhouse.core.hosts import Hosts
from roundhouse.core.jobs import JobStore
from roundhouse.core.models import JobState

#: Only the newest jobs are looked at per sweep (a queued job is recent or long failed).
SCAN = 500
PREFIX = "Waiting for host "


def waiting_message(host: str, since: float) -> str:
    clock = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(since))
    return f"{PREFIX}{host} (offline since {clock})"


def note_waiting(store: JobStore, hosts: Hosts) -> list[str]:
    """Say so on queued jobs whose host went offline, and stop saying it once it is back."""
    offline: dict[str, float | None] = {}
    changed = []
    for job_id, (state, queue, message) in store.recent(SCAN, "state", "queue", "message"):
        if state != JobState.QUEUED.value or not (queue or "").startswith("host."):
            continue
        host = queue[len("host.") :]
        if host not in offline:
            offline[host] = hosts.offline_since(host)
        since = offline[host]
        wanted = waiting_message(host, since) if since is not None else None
        if wanted is None and (message or "").startswith(PREFIX):
            wanted = f"Queued: host {host} is back"
        if wanted is not None and wanted != message:
            job, allowed = store.get(job_id), (JobState.QUEUED.value,)
            if store.update(job_id, {"message": wanted}, allowed=allowed, job=job):
                changed.append(job_id)
    return changed

"""A job whose whole host went silent is held, not lost: a cut cable is not a crashed worker.

A running job's heartbeat going stale means one of two things. If its host's worker still
beats, the process running the job died: the watchdog recovers the job as before. If the host
went quiet as a whole, Redis most likely cannot hear it (a partition, a sleeping laptop) while
the job itself carries on there; re-queueing it would start a second attempt beside the first.
Such a job keeps its claim for `host_grace_s`, and its bar says "host X unreachable since …".
"""

from __future__ import annotations

import time

from roundhouse.core.hosts import Hosts
from roundhouse.core.job_types import Job
from roundhouse.core.jobs import JobStore
from roundhouse.core.models import JobState, now
from roundhouse.core.settings import Settings

#: A worker beats its host every 2 s; this many seconds of quiet (at least) is a silent host.
MIN_QUIET_S = 5.0


def clock(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))


def unreachable_message(host: str, since: float) -> str:
    return f"host {host} unreachable since {clock(since)}"


def silent_since(hosts: Hosts, job: Job, settings: Settings) -> float | None:
    """The last beat of the job's host if that host has gone quiet, else None."""
    host = job.get("host")
    if not host or host == settings.hostname:
        return None  # the sweeper runs on that host, so the host itself is reachable
    last = hosts.last_beat(host)
    if last is None:
        return None
    return last if now() - last > max(settings.stale_after_s / 2, MIN_QUIET_S) else None


def hold(store: JobStore, job: Job, since: float, settings: Settings) -> bool:
    """Keep the job's claim while its host's silence is within the grace; say so once."""
    if now() - since >= settings.host_grace_s:
        return False
    if not job.get("unreachable_since"):
        fields = {
            "unreachable_since": since,
            "message": unreachable_message(job.get("host") or "?", since),
            "speed": None,
            "eta": None,
        }
        store.update(job["id"], fields, allowed=(JobState.RUNNING.value,), job=job)
    return True


def lost_note(job: Job, since: float | None) -> str:
    """What a recovered job's message adds when its host had gone quiet first."""
    since = since or job.get("unreachable_since")
    if not since:
        return ""
    return f" ({unreachable_message(job.get('host') or '?', float(since))})"

"""The dedup owner of a file is the job, not the attempt: a re-run waits for its own past self.

When the watchdog re-queued a job whose host was unreachable for too long, the first attempt
may still be alive there, holding the part file's lock. It lets go as soon as it sees it was
superseded (its next heartbeat), so the new attempt waits for that instead of failing with
"already being downloaded by another job" — that other job being itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from roundhouse.core.errors import Conflict
from roundhouse.core.job_types import Job
from roundhouse.providers.base import Control

T = TypeVar("T")
BUSY = "already being downloaded"


def had_earlier_attempt(job: Job) -> bool:
    return int(job.get("attempts") or 1) > 1


def after_earlier_attempt(
    fetch: Callable[[], T], control: Control, earlier: bool, wait_s: float, poll_s: float = 0.5
) -> T:
    """`fetch()`, retried while an earlier attempt of this job still holds the file."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return fetch()
        except Conflict as exc:
            if not earlier or BUSY not in exc.message or time.monotonic() >= deadline:
                raise
        control.report(message="Waiting for this job's earlier attempt to let go of the file")
        control.check()
        time.sleep(poll_s)

"""The job store: the single source of truth for every job, its events and its indexes."""

from __future__ import annotations

from typing import Any

from roundhouse.core.errors import Conflict, InvalidRequest
from roundhouse.core.job_types import Job
from roundhouse.core.job_writes import JobWrites
from roundhouse.core.models import TERMINAL, JobState, now

_STOP_ACTIONS = ("cancel", "pause")


class JobStore(JobWrites):
    """Create, change and read jobs, and the named moves between their states.

    The only way to a job's Redis keys: callers outside core use these methods, never the
    client (tests/unit/test_layers.py checks it).
    """

    def request_stop(self, job_id: str, action: str) -> Job:
        """Cancel or pause: a queued/paused job stops at once, a running one is told to."""
        if action not in _STOP_ACTIONS:
            raise InvalidRequest(f"Unknown action {action!r}.", hint="Use cancel or pause.")
        job = self.get(job_id)
        state = job["state"]
        if state in TERMINAL:
            raise Conflict(f"Job {job_id} already {state}; there is nothing to {action}.")
        if action == "pause" and not job.get("pausable"):
            raise Conflict(f"A {job['kind']} job cannot be paused; cancel it instead.")
        if state == JobState.RUNNING:
            self.r.hset(self.keys.job(job_id), "cancel", action)
            self.update(
                job_id,
                {"message": f"{action.capitalize()} requested"},
                allowed=(JobState.RUNNING,),
                job=job,
            )
        elif action == "cancel":
            self.finish(
                job_id,
                JobState.CANCELLED,
                {"message": "Cancelled"},
                allowed=(JobState.QUEUED, JobState.PAUSED),
                job=job,
            )
        elif state == JobState.QUEUED:
            self.update(
                job_id,
                {"state": JobState.PAUSED.value, "stage": "paused", "message": "Paused"},
                allowed=(JobState.QUEUED,),
                mode="idle",
                job=job,
            )
        return self.get(job_id)

    def claim(self, job: Job, run: str, host: str) -> bool:
        """A queued job becomes this worker's (`run` is the attempt's token); False: not ours."""
        fields = {
            "state": JobState.RUNNING.value,
            "stage": "starting",
            "run": run,
            "host": host,
            "started_at": now(),
            "attempts": int(job.get("attempts") or 0) + 1,
            "message": f"Started on {host}",
        }
        claimed = self.update(
            job["id"], fields, allowed=(JobState.QUEUED.value,), mode="running", job=job
        )
        if claimed is not None and fields["attempts"] == 1:
            self.metrics.job_started(job["kind"])
        return claimed is not None

    def requeue(
        self,
        job_id: str,
        message: str,
        more: dict[str, Any] | None = None,
        *,
        run: str = "",
        job: Job | None = None,
    ) -> int | None:
        """A running job goes back to `queued`, giving up its claim (run token, running slot):
        a handler waiting its turn (with its `run`), or the watchdog after a lost worker."""
        fields = {"state": JobState.QUEUED.value, "stage": "queued", "run": "", "message": message}
        return self.update(
            job_id,
            {**fields, **(more or {})},
            allowed=(JobState.RUNNING.value,),
            mode="idle",
            run=run,
            job=job,
        )

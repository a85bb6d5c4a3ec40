"""The one place a job runs, and the one place it becomes succeeded, failed or cancelled."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from roundhouse.core.errors import AppError, Cancelled, NotFound, Paused
from roundhouse.core.job_types import Job
from roundhouse.core.jobs import JobStore
from roundhouse.core.models import JobState
from roundhouse.core.settings import Settings
from roundhouse.tasks import kinds
from roundhouse.tasks.context import WorkerContext
from roundhouse.tasks.control import Deferred, JobControl, Superseded

log = logging.getLogger(__name__)

#: outcomes besides the job states: wait (back in line, retry later), skip (nothing to report)
WAIT, SKIP = "wait", "skip"
_MIRRORED = {s.value for s in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)}


@dataclass(frozen=True)
class Ending:
    """How one delivery of a job's message ended: what the Celery task reports (tasks/states)."""

    outcome: str
    text: str = ""
    retry_s: float = 0.0


def run(job_id: str, ctx: WorkerContext) -> Ending:
    """Claim the job, run its kind's handler with the worker's context, record how it ended."""
    store, settings = ctx.jobs, ctx.base_settings
    try:
        job = store.get(job_id)
    except NotFound:
        log.warning("job %s has expired or never existed; dropping its message", job_id)
        return Ending(SKIP)
    work = kinds.work(job["kind"])
    if work.admit is not None and job["state"] == JobState.QUEUED and not work.admit(ctx, job):
        return Ending(WAIT, store.get(job_id).get("message") or "", settings.wait_retry_s)
    token = uuid.uuid4().hex
    if not store.claim(job, token, settings.hostname):
        return _not_claimed(store.get(job_id))
    job = store.get(job_id)
    control = JobControl(
        store,
        job,
        token,
        interval_s=settings.progress_interval_s,
        heartbeat_s=min(0.5, settings.heartbeat_interval_s),
    )
    control.start()
    try:
        result = work.handler(ctx, job, control)
    except Exception as exc:
        control.close()
        return _record_failure(store, control.job, token, exc, settings)
    except BaseException:
        # The worker is being shut down hard: leave the job `running`; its heartbeat stops
        # and the watchdog re-queues or fails it as its kind promises.
        control.close()
        raise
    control.close()
    fields = _success_fields(result)
    store.finish(job_id, JobState.SUCCEEDED, fields, run=token, job=control.job)
    return Ending(JobState.SUCCEEDED.value, fields["message"])


def _not_claimed(job: Job) -> Ending:
    """A duplicate delivery: report the job's final state if it has one, else nothing."""
    log.info("job %s is %s; ignoring a duplicate delivery", job["id"], job["state"])
    if job["state"] in _MIRRORED:
        return Ending(job["state"], job.get("error") or job.get("message") or "")
    return Ending(SKIP)


def _success_fields(result: Any) -> dict[str, Any]:
    message = "Done"
    if isinstance(result, dict) and isinstance(result.get("message"), str):
        message = result["message"]
    return {
        "progress": 1.0,
        "stage": "done",
        "result": result,
        "message": message,
        "speed": None,
        "eta": None,
    }


def _record_failure(
    store: JobStore, job: Job, token: str, exc: Exception, settings: Settings
) -> Ending:
    job_id = job["id"]
    if isinstance(exc, Deferred):
        log.info("job %s went back to the queue: %s", job_id, exc)
        return Ending(WAIT, str(exc), settings.wait_retry_s)
    if isinstance(exc, Superseded):
        log.warning("job %s was taken over by another worker; stopping here", job_id)
        return Ending(SKIP)
    if isinstance(exc, Cancelled):
        store.finish(job_id, JobState.CANCELLED, {"message": "Cancelled"}, run=token, job=job)
        return Ending(JobState.CANCELLED.value, "Cancelled")
    if isinstance(exc, Paused):
        store.update(
            job_id,
            {
                "state": JobState.PAUSED.value,
                "stage": "paused",
                "message": "Paused; resume to continue from where it stopped",
                "cancel": "",
                "speed": None,
                "eta": None,
            },
            allowed=(JobState.RUNNING.value,),
            mode="idle",
            run=token,
            job=job,
        )
        return Ending(JobState.PAUSED.value, "Paused; resume to continue")
    error = _user_message(exc)
    fields = {"error": error, "message": "Failed", "speed": None, "eta": None}
    if isinstance(exc, AppError):
        fields["hint"] = exc.hint
        log.warning("job %s (%s) failed: %s", job_id, job.get("kind"), exc.message)
    else:
        log.exception("job %s (%s) failed with an unexpected error", job_id, job.get("kind"))
    store.finish(job_id, JobState.FAILED, fields, run=token, job=job)
    return Ending(JobState.FAILED.value, error)


def _user_message(exc: Exception) -> str:
    """A sentence for the page; the traceback stays in the worker's log."""
    if isinstance(exc, AppError):
        return exc.message
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"Unexpected error ({type(exc).__name__}){': ' + text if text else ''}"

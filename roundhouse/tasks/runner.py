"""The one place a job runs, and the one place it becomes succeeded, failed or cancelled."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from roundhouse.core.errors import AppError, Cancelled, NotFound, Paused
from roundhouse.core.jobs import JobStore
from roundhouse.core.models import JobState, now
from roundhouse.core.settings import Settings
from roundhouse.tasks import kinds
from roundhouse.tasks.control import Deferred, JobControl, Superseded

log = logging.getLogger(__name__)


def run(job_id: str, store: JobStore, settings: Settings) -> str | None:
    """Claim the job, run its kind's handler, record how it ended; returns the final state."""
    try:
        job = store.get(job_id)
    except NotFound:
        log.warning("job %s has expired or never existed; dropping its message", job_id)
        return None
    kind = kinds.get(job["kind"])
    if kind.admit is not None and job["state"] == JobState.QUEUED and not kind.admit(job):
        return None  # not its turn yet: the kind kept it queued and will send it again
    token = uuid.uuid4().hex
    if not _claim(store, job, token, settings):
        log.info("job %s is %s; ignoring a duplicate delivery", job_id, job["state"])
        return None
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
        result = kind.handler(job, control)
    except Exception as exc:
        control.close()
        return _record_failure(store, control.snapshot, token, exc)
    except BaseException:
        # The worker is being shut down hard: leave the job `running`; its heartbeat stops
        # and the watchdog re-queues or fails it as its kind promises.
        control.close()
        raise
    control.close()
    store.finish(
        job_id, JobState.SUCCEEDED, _success_fields(result), run=token, snapshot=control.snapshot
    )
    return JobState.SUCCEEDED.value


def _claim(store: JobStore, job: dict[str, Any], token: str, settings: Settings) -> bool:
    fields = {
        "state": JobState.RUNNING.value,
        "stage": "starting",
        "run": token,
        "host": settings.hostname,
        "started_at": now(),
        "attempts": int(job.get("attempts") or 0) + 1,
        "message": f"Started on {settings.hostname}",
    }
    return (
        store.update(
            job["id"], fields, allowed=(JobState.QUEUED.value,), mode="running", snapshot=job
        )
        is not None
    )


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


def _record_failure(store: JobStore, job: dict[str, Any], token: str, exc: Exception) -> str | None:
    job_id = job["id"]
    if isinstance(exc, Deferred):
        log.info("job %s went back to the queue: %s", job_id, exc)
        return None
    if isinstance(exc, Superseded):
        log.warning("job %s was taken over by another worker; stopping here", job_id)
        return None
    if isinstance(exc, Cancelled):
        store.finish(job_id, JobState.CANCELLED, {"message": "Cancelled"}, run=token, snapshot=job)
        return JobState.CANCELLED.value
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
            snapshot=job,
        )
        return JobState.PAUSED.value
    fields = {"error": _user_message(exc), "message": "Failed", "speed": None, "eta": None}
    if isinstance(exc, AppError):
        fields["hint"] = exc.hint
        log.info("job %s failed: %s", job_id, exc.message)
    else:
        log.exception("job %s failed with an unexpected error", job_id, exc_info=exc)
    store.finish(job_id, JobState.FAILED, fields, run=token, snapshot=job)
    return JobState.FAILED.value


def _user_message(exc: Exception) -> str:
    """A sentence for the page; the traceback stays in the worker's log."""
    if isinstance(exc, AppError):
        return exc.message
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"Unexpected error ({type(exc).__name__}){': ' + text if text else ''}"

"""The original download endpoint's SSE shape over a job's events.

`data: {"status", "progress", "message"}` lines, progress in percent, ending with status
`complete` or `error`: what clients of the old `POST /api/providers/models/download` read.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response

from roundhouse.api import sse
from roundhouse.api.deps import AppContext
from roundhouse.api.watch import Watch
from roundhouse.core.job_types import Job
from roundhouse.core.models import JobState

ENDINGS = {
    JobState.SUCCEEDED.value: "complete",
    JobState.FAILED.value: "error",
    JobState.CANCELLED.value: "error",
}


def _job_of(event_json: str) -> dict[str, Any] | None:
    """The job event in a frame (a snapshot frame carries the whole job), else None."""
    event = json.loads(event_json)
    if event.get("type") == "snapshot" and event.get("jobs"):
        return event["jobs"][0]
    if event.get("type") == "error":
        return {"state": JobState.FAILED.value, "error": event.get("message")}
    return event if event.get("type") == "job" else None


def original(event_json: str) -> dict[str, Any] | None:
    """One job event as the original endpoint's message."""
    job = _job_of(event_json)
    if job is None:
        return None
    state = job.get("state") or ""
    status = ENDINGS.get(state) or job.get("stage") or state
    message = job.get("error") or job.get("message") or ""
    if state == JobState.CANCELLED.value:
        message = job.get("message") or "Cancelled"
    body: dict[str, Any] = {
        "status": status,
        "progress": round(float(job.get("progress") or 0.0) * 100, 1),
        "message": message,
    }
    if state == JobState.FAILED.value and job.get("hint"):
        body["hint"] = job["hint"]
    return body


def frame(event_json: str) -> str:
    body = original(event_json)
    if body is None:
        return ""
    return f"data: {json.dumps(body, separators=(',', ':'))}\n\n"


def is_final(event_json: str) -> bool:
    job = _job_of(event_json)
    return job is not None and job.get("state") in ENDINGS and job.get("event") in (None, "state")


def stream(ctx: AppContext, job: Job) -> Response:
    """The job's events from its first, in the original shape, until it ends."""
    watch = Watch(ctx, ids=[job["id"]], after={job["id"]: 0})
    response = sse.job_stream(watch, frame=frame, final=is_final)
    response.headers["X-Job-Id"] = job["id"]
    response.headers["Location"] = f"/api/jobs/{job['id']}"
    return response

"""Create a job and hand it to Celery: the one path every endpoint that starts work takes."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue

from roundhouse.api.deps import app_ctx
from roundhouse.core.errors import Unavailable
from roundhouse.core.job_types import Job
from roundhouse.core.models import JobState
from roundhouse.core.slots import Slots
from roundhouse.tasks import kinds
from roundhouse.tasks import requests as _requests  # noqa: F401  (declares every kind)
from roundhouse.tasks.enqueue import queue_for


def submit(
    kind: str, params: dict[str, Any], *, dedup: str | None = None, message: str = "Queued"
) -> tuple[Job, bool]:
    """Queued job (or the live one owning `dedup`) and whether it is new."""
    job, created, _ = submit_in_line(kind, params, dedup=dedup, message=message)
    return job, created


def submit_in_line(
    kind: str,
    params: dict[str, Any],
    *,
    dedup: str | None = None,
    message: str = "Queued",
    line: Slots | None = None,
) -> tuple[Job, bool, int | None]:
    """`submit`, a new job also joining `line` in the same round trip: its place, or None
    when no job was made (JobWrites.create_in_line)."""
    ctx = app_ctx()
    spec = kinds.get(kind)
    queue = queue_for(spec, params, ctx.settings.hostname)
    job, created, place = ctx.jobs.create_in_line(
        kind, params, dedup=dedup, queue=queue, pausable=spec.pausable, message=message,
        line=line,
    )  # fmt: skip
    if created:
        try:
            ctx.enqueue(job)
        except Exception as exc:
            ctx.jobs.finish(
                job["id"],
                JobState.FAILED,
                {"error": "Could not queue the job: the broker is unreachable."},
                allowed=(JobState.QUEUED.value,),
                job=job,
            )
            raise Unavailable(
                "broker", "could not queue the job", hint="Check that Redis is running."
            ) from exc
    return job, created, place


def accepted(job: Job, created: bool) -> ResponseReturnValue:
    """202 with the job and where to follow it."""
    body = {
        **job,
        "joined": not created,
        "events_url": f"/api/jobs/{job['id']}/events",
        "url": f"/api/jobs/{job['id']}",
    }
    response = jsonify(body)
    response.status_code = 202
    response.headers["Location"] = body["url"]
    return response

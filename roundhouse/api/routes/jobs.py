"""/api/jobs: list, read, follow, cancel, pause and resume jobs of every kind; clear finished."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from roundhouse.api import sse
from roundhouse.api.body import int_arg, json_object
from roundhouse.api.deps import app_ctx, jobs
from roundhouse.api.submit import accepted, submit
from roundhouse.api.watch import Watch
from roundhouse.core.errors import Conflict, InvalidRequest
from roundhouse.core.models import JobState, now
from roundhouse.tasks.requests import demo

bp = Blueprint("jobs", __name__, url_prefix="/api/jobs")

#: Kinds that may be created directly through POST /api/jobs, with their validators.
DIRECT = {demo.COUNT: demo.validate}


@bp.get("")
def list_jobs() -> ResponseReturnValue:
    page, next_offset = jobs().list(
        state=request.args.get("state") or None,
        kind=request.args.get("kind") or None,
        limit=int_arg("limit", 50, 1, 500),
        offset=int_arg("offset", 0, 0, 10**9),
    )
    return jsonify({"jobs": page, "next_offset": next_offset})


@bp.post("")
def create_job() -> ResponseReturnValue:
    body = json_object({"kind", "params"})
    kind = body.get("kind")
    if not isinstance(kind, str) or kind not in DIRECT:
        raise InvalidRequest(
            f"Jobs of kind {kind!r} cannot be created here.",
            hint="POST /api/jobs takes kind "
            + ", ".join(DIRECT)
            + "; other kinds have their own endpoints.",
        )
    params = body.get("params")
    if params is not None and not isinstance(params, dict):
        raise InvalidRequest("params must be an object.", hint='e.g. {"steps": 10}')
    params = DIRECT[kind](params or {})
    return accepted(*submit(kind, params))


@bp.post("/clear")
def clear_finished() -> ResponseReturnValue:
    """Purge finished jobs' records; every open page drops them on the `jobs_cleared` event."""
    body = json_object({"older_than_s"})
    age = body.get("older_than_s", 0)
    if isinstance(age, bool) or not isinstance(age, int | float) or not 0 <= age <= 10**9:
        raise InvalidRequest(
            "older_than_s must be a number of seconds from 0 to 1000000000.",
            hint='e.g. {"older_than_s": 3600} clears jobs that finished over an hour ago; '
            "send {} to clear every finished job.",
        )
    ids = jobs().clear_finished(now() - age if age else None)
    if ids:
        ctx = app_ctx()
        ctx.stores.feed.publish("jobs_cleared", {"ids": ids})
    return jsonify({"cleared": len(ids), "ids": ids})


@bp.get("/<job_id>")
def get_job(job_id: str) -> ResponseReturnValue:
    return jsonify(jobs().get(job_id))


@bp.get("/<job_id>/events")
def job_events(job_id: str) -> ResponseReturnValue:
    jobs().get(job_id)  # 404 before the stream starts
    watch = Watch(app_ctx(), ids=[job_id], after={job_id: sse.last_event_id()})
    return sse.job_stream(watch)


@bp.post("/<job_id>/cancel")
def cancel(job_id: str) -> ResponseReturnValue:
    return jsonify(jobs().request_stop(job_id, "cancel"))


@bp.post("/<job_id>/pause")
def pause(job_id: str) -> ResponseReturnValue:
    return jsonify(jobs().request_stop(job_id, "pause"))


@bp.post("/<job_id>/resume")
def resume(job_id: str) -> ResponseReturnValue:
    job = jobs().get(job_id)
    if job["state"] != JobState.PAUSED:
        raise Conflict(f"Job {job_id} is {job['state']}; only a paused job can be resumed.")
    fields = {"state": JobState.QUEUED.value, "stage": "queued", "message": "Resuming"}
    if jobs().update(job_id, fields, allowed=(JobState.PAUSED.value,), job=job) is None:
        raise Conflict(f"Job {job_id} changed state; try again.")
    job = jobs().get(job_id)
    app_ctx().enqueue(job)
    return jsonify(job), 202

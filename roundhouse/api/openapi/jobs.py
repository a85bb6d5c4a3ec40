"""Jobs of every kind: list, create (demo.count), read, follow (SSE), cancel, pause, resume."""

from __future__ import annotations

from typing import Any

from roundhouse.api.openapi.common import accepted, json_ok, obj, op, path_param, query, ref
from roundhouse.core.models import JobState
from roundhouse.tasks.requests.demo import LIMITS

TAG = "jobs"
JOB_ID = path_param("job_id", "the job's id (also its Celery task id)")

DEMO_PARAMS = obj(
    {
        "steps": {"type": "number", "minimum": LIMITS["steps"][0], "maximum": LIMITS["steps"][1]},
        "interval": {
            "type": "number",
            "minimum": LIMITS["interval"][0],
            "maximum": LIMITS["interval"][1],
        },
        "fail_at": {"type": ["integer", "null"], "description": "fail at this step (tests)"},
    },
    closed=True,
)
CREATE = obj(
    {
        "kind": {"type": "string", "enum": ["demo.count"]},
        "params": {"anyOf": [DEMO_PARAMS, {"type": "null"}]},
    },
    required=("kind",),
    closed=True,
)
LISTING = obj(
    {"jobs": {"type": "array", "items": ref("Job")}, "next_offset": {"type": ["integer", "null"]}},
    required=("jobs", "next_offset"),
)
SSE = {
    "description": "Server-sent events: the job's events after Last-Event-ID (its seq), then "
    "live; the stream ends after the final event.",
    "content": {"text/event-stream": {"schema": {"type": "string"}}},
}
STATES = [s.value for s in JobState]
CLEAR = obj(
    {
        "older_than_s": {
            "type": "number",
            "minimum": 0,
            "maximum": 10**9,
            "description": "only jobs that finished at least this many seconds ago",
        }
    },
    closed=True,
)
CLEARED = obj(
    {"cleared": {"type": "integer"}, "ids": {"type": "array", "items": {"type": "string"}}},
    required=("cleared", "ids"),
)


def paths() -> dict[str, Any]:
    return {
        "/api/jobs": {
            "get": op(
                "List jobs, newest first",
                TAG,
                {"200": json_ok(LISTING)},
                "400",
                parameters=[
                    query(
                        "state",
                        "only jobs in this state (empty: any)",
                        {"type": "string", "enum": ["", *STATES]},
                    ),
                    query("kind", "only jobs of this kind", {"type": "string"}),
                    query("limit", "page size", {"type": "integer", "minimum": 1, "maximum": 500}),
                    query(
                        "offset",
                        "skip this many",
                        {"type": "integer", "minimum": 0, "maximum": 10**9},
                    ),
                ],
            ),
            "post": op(
                "Start a counting job (to see the pipeline work)",
                TAG,
                {"202": accepted()},
                "400",
                "503",
                body=(CREATE, True),
            ),
        },
        "/api/jobs/clear": {
            "post": op(
                "Clear finished jobs: succeeded, failed and cancelled jobs' records and events "
                "are purged (active jobs are kept); open pages drop them live",
                TAG,
                {"200": json_ok(CLEARED)},
                "400",
                body=(CLEAR, False),
            ),
        },
        "/api/jobs/{job_id}": {
            "parameters": [JOB_ID],
            "get": op("One job", TAG, {"200": json_ok(ref("Job"))}, "404"),
        },
        "/api/jobs/{job_id}/events": {
            "parameters": [JOB_ID],
            "get": op(
                "Follow one job as server-sent events",
                TAG,
                {"200": SSE},
                "404",
                parameters=[
                    {
                        "name": "Last-Event-ID",
                        "in": "header",
                        "required": False,
                        "description": "the last seq seen",
                        "schema": {"type": "string"},
                    }
                ],
            ),
        },
        **{
            f"/api/jobs/{{job_id}}/{action}": {
                "parameters": [JOB_ID],
                "post": op(summary, TAG, {"200": json_ok(ref("Job"))}, "400", "404", "409"),
            }
            for action, summary in (
                ("cancel", "Cancel a job (queued/paused at once, running within a second)"),
                ("pause", "Pause a pausable job (downloads); partial data kept"),
            )
        },
        "/api/jobs/{job_id}/resume": {
            "parameters": [JOB_ID],
            "post": op(
                "Re-queue a paused job; it continues where it stopped",
                TAG,
                {"202": json_ok(ref("Job"), "Re-queued")},
                "404",
                "409",
            ),
        },
    }

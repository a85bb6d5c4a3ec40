"""Job states and the one event shape every kind of event shares."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, cast

from roundhouse.core.job_types import Job


class JobState(StrEnum):
    QUEUED = "queued"  #: created, waiting for a worker (or for a slot)
    RUNNING = "running"  #: a worker owns it and heartbeats it
    PAUSED = "paused"  #: stopped on request, partial data kept; resume re-queues it
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
ACTIVE = frozenset({JobState.QUEUED, JobState.RUNNING, JobState.PAUSED})


class EventType(StrEnum):
    JOB = "job"
    PROVIDERS = "providers"
    SERVICE = "service"
    HEALTH = "health"
    MODELS = "models"
    CONNECTIONS = "connections"


#: Fields of a job that every job event carries, in this order (docs/architecture.md "Events").
EVENT_FIELDS = (
    "id",
    "kind",
    "state",
    "stage",
    "progress",
    "done",
    "total",
    "speed",
    "eta",
    "message",
    "error",
)
NUMERIC = frozenset(
    {
        "progress",
        "done",
        "total",
        "speed",
        "eta",
        "seq",
        "attempts",
        "created_at",
        "updated_at",
        "started_at",
        "finished_at",
        "place",
        "providers_version",
        "unreachable_since",
    }
)
JSON_FIELDS = frozenset({"params", "result", "providers"})
BOOL_FIELDS = frozenset({"pausable"})


def now() -> float:
    return round(time.time(), 3)


def encode_fields(fields: dict[str, Any]) -> dict[str, str]:
    """Flatten values for a Redis hash: JSON for structures, '' for None."""
    out: dict[str, str] = {}
    for key, value in fields.items():
        if value is None:
            out[key] = ""
        elif key in JSON_FIELDS or isinstance(value, dict | list):
            out[key] = json.dumps(value, separators=(",", ":"))
        elif isinstance(value, bool):
            out[key] = "1" if value else "0"
        else:
            out[key] = str(value)
    return out


def decode_job(raw: dict[str, str]) -> Job:
    """A job hash as the API shows it: numbers as numbers, JSON parsed, '' as None."""
    job: dict[str, Any] = {}
    for key, value in raw.items():
        if value == "":
            job[key] = None
        elif key in NUMERIC:
            number = float(value)
            job[key] = int(number) if number.is_integer() and key != "progress" else number
        elif key in JSON_FIELDS:
            job[key] = json.loads(value)
        elif key in BOOL_FIELDS:
            job[key] = value == "1"
        else:
            job[key] = value
    job.pop("cancel", None)
    job.pop("run", None)
    return cast(Job, job)


def job_event(job: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """The event for a job (docs/architecture.md "Events"), plus extra fields; Redis adds seq."""
    event: dict[str, Any] = {"type": EventType.JOB.value}
    for key in EVENT_FIELDS:
        event[key] = job.get(key)
    if job.get("hint"):
        event["hint"] = job["hint"]
    event.update(extra)
    event["ts"] = now()
    return event

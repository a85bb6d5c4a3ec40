"""The job record's shape (what the store hands out, what every handler receives) and the
store's limits: plain types the store's halves share without importing each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Required, TypedDict


@dataclass(frozen=True)
class Limits:
    """How much of a job the store keeps: events per job, feed length, days after the end."""

    job_events_max: int = 2000
    feed_max: int = 20000
    retention_s: int = 7 * 24 * 3600


class Job(TypedDict, total=False):
    """A job as `JobStore.get` decodes it (numbers as numbers, '' as None).

    Only id, kind and state are always there; a handler may add fields of its own through
    `Control.report(**extra)`, which the store keeps on the record and shows in events.
    """

    id: Required[str]
    kind: Required[str]
    state: Required[str]
    stage: str | None
    progress: float | None
    done: int | None
    total: int | None
    speed: float | None
    eta: float | None
    message: str | None
    error: str | None
    hint: str | None
    params: dict[str, Any]
    result: Any
    host: str | None
    queue: str | None
    pausable: bool
    #: the artifact this job owns while it is live (see `JobStore.owner`)
    dedup: str | None
    attempts: int | None
    #: the job's event counter; its per-job stream's entry ids are `0-<seq>`
    seq: int
    created_at: float
    updated_at: float
    started_at: float | None
    finished_at: float | None
    requeued_at: float | None
    #: a host that went quiet while running this job (tasks/partition.py)
    unreachable_since: float | None
    #: place in line of a job waiting for a slot (ollama pulls)
    place: int | None
    #: the provider choices a job took at its start (providers.snapshot, beam.search)
    providers: dict[str, Any] | None
    providers_version: int | None
    stalled_s: int | None
    step: str | None


class NewJob(TypedDict, total=False):
    """How JobWrites.create makes a job: the artifact it owns (`dedup`), its queue (default
    "default"), whether it can pause, its first message ("Queued"), and its id (a new one)."""

    dedup: str | None
    queue: str
    pausable: bool
    message: str
    job_id: str | None

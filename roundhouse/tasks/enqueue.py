"""Send a job to Celery: only its id crosses the broker, on its kind's queue."""

from __future__ import annotations

from typing import Any

from celery import Celery

from roundhouse.core.job_types import Job
from roundhouse.tasks import kinds
from roundhouse.tasks.describe import label


def queue_for(kind: kinds.Kind, params: dict[str, Any], hostname: str) -> str:
    """Work bound to a machine, or sent to a named host, goes to that host's queue."""
    if kind.queue == kinds.HOST or params.get("host"):
        return f"host.{params.get('host') or hostname}"
    return kind.queue


def enqueue(app: Celery, job: Job, countdown: float | None = None) -> None:
    """Only the id crosses the broker; `argsrepr` tells an operator what the job works on."""
    app.send_task(
        kinds.task_name(job["kind"]),
        args=(job["id"],),
        task_id=job["id"],
        queue=job.get("queue") or kinds.DEFAULT,
        argsrepr=label(job),
        countdown=countdown or None,
    )


def warm(app: Celery) -> None:
    """Load what the first send would (result backend, routes, a broker connection and
    channel) so a server's first requests don't each stall the process for it."""
    app.backend  # noqa: B018  (built on first access: reads entry points from disk)
    app.amqp.router  # noqa: B018
    with app.producer_or_acquire() as producer:
        producer.channel.client.ping()

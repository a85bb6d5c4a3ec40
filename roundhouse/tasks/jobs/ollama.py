"""`ollama.pull`: pull a model into Ollama with live progress, at most N at once per host.

A pull that finds every slot taken stays (or goes back to) `queued` with its place in line,
and its task is retried after `wait_retry_s` (5 s): one Celery task in state RETRY, no worker
process held.
A pull that ends sends the first waiters at once and refreshes the others' places, so the
countdown only matters when a slot frees without a release (a killed worker's heartbeat
going stale).
"""

from __future__ import annotations

import logging
from typing import Any

from roundhouse.core.job_types import Job
from roundhouse.core.models import JobState
from roundhouse.core.slots import Slots, waiting_message
from roundhouse.providers import ollama
from roundhouse.providers.base import Control
from roundhouse.tasks.context import WorkerContext
from roundhouse.tasks.control import Deferred
from roundhouse.tasks.kinds import handles
from roundhouse.tasks.requests.ollama import PULL, host_of, show_place, slots

log = logging.getLogger(__name__)
KIND = PULL


class BackInLine(Deferred):
    """Not an error: no slot was free, so the job went back to the queue to wait its turn."""


def target(ctx: WorkerContext, params: dict[str, Any]) -> tuple[str, str | None]:
    """The URL this worker pulls into and the host the pull was sent to (None: any worker).

    A pull sent to a host runs on that host's queue against the host's own OLLAMA_BASE_URL.
    """
    host = params.get("host") or None
    url = "" if host else params.get("ollama_url") or ""
    return url or ctx.settings().ollama_base_url, host


def slots_for(ctx: WorkerContext, url: str, host: str | None = None) -> Slots:
    return slots(ctx.stores, ctx.settings(), url, host)


def publish_models(ctx: WorkerContext, action: str, model: str, url: str) -> None:
    """Tell every open page that the installed list changed."""
    body = {"backend": "ollama", "action": action, "model": model, "host": host_of(url)}
    ctx.stores.feed.publish("models", body)


def back_in_line(ctx: WorkerContext, job: Job, control: Control, place: int) -> None:
    """queued again with the place shown; raises BackInLine (the task retries later)."""
    run = getattr(control, "run", "")  # a test's Control has none: then the claim is not checked
    ctx.jobs.requeue(job["id"], waiting_message(place), {"place": place}, run=run)
    raise BackInLine(waiting_message(place))


def wake_next(ctx: WorkerContext, line: Slots) -> None:
    """Send the first waiters at once and show the others their new place: a freed slot should
    not sit idle for a countdown, and a waiter whose retry died with a killed worker is picked
    up again (a duplicate message is dropped by the runner's claim; its pending retry too)."""
    store = ctx.jobs
    free = max(1, line.limit - len(line.holders()))
    for place, job_id in enumerate(line.waiting(), start=1 - free):
        try:
            job = store.get(job_id)
            if job["state"] != JobState.QUEUED:
                continue
            if place <= 0:
                ctx.enqueue(job)
            elif place != job.get("place"):
                fields = {"message": waiting_message(place), "place": place}
                store.update(job_id, fields, allowed=(JobState.QUEUED.value,), job=job)
        except Exception:  # a waiter that expired, or the broker away for a moment
            log.warning("could not wake waiting pull %s", job_id, exc_info=True)


def result_message(result: dict[str, Any], installed_before: bool = False) -> str:
    """Say "Updated" only for a model that was installed before; a first pull that found some
    layers on disk (shared with another model, or left by a cancelled pull) is "Pulled"."""
    model, total, fetched = result["model"], result["bytes"], result["downloaded"]
    if result["up_to_date"]:
        return f"{model} is up to date"
    if installed_before:
        return f"Updated {model}: fetched {_size(fetched)} of {_size(total)}"
    if fetched < total:
        return f"Pulled {model} ({_size(total)}; {_size(total - fetched)} were already on disk)"
    return f"Pulled {model} ({_size(total)})"


def was_installed(client: ollama.OllamaClient, model: str) -> bool:
    """Asked before the pull; an Ollama that cannot list its models is taken as 'not'."""
    try:
        return client.has(model)
    except Exception:  # the pull itself reports what is wrong with Ollama
        log.info("could not list Ollama's models before pulling %s", model, exc_info=True)
        return False


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value} B"


def admit(ctx: WorkerContext, job: Job) -> bool:
    """Before the claim: a pull whose turn has not come stays `queued` (no claim, no attempt
    counted) with its place shown, and is sent again shortly."""
    place, _ = show_place(ctx.jobs, slots_for(ctx, *target(ctx, job["params"])), job)
    return not place


@handles(PULL, admit=admit)
def pull(ctx: WorkerContext, job: Job, control: Control) -> dict[str, Any]:
    """Wait for a slot, then stream POST /api/pull; cancel/pause close the stream (Ollama keeps
    the bytes, so the next pull resumes)."""
    params = job["params"]
    url, host = target(ctx, params)
    line = slots_for(ctx, url, host)
    place = line.acquire(job["id"])
    if place:
        back_in_line(ctx, job, control, place)
    if job.get("place"):
        control.report(message="Got a download slot", place=None)
    try:
        with ollama.OllamaClient(url) as client:
            stall_s = ctx.settings().ollama_stall_s
            before = was_installed(client, params["model"])
            result = ollama.pull(client, params["model"], control, stall_s=stall_s)
    finally:
        line.release(job["id"])
        wake_next(ctx, line)
    ctx.stores.metrics.bytes_downloaded(KIND, result["downloaded"])
    publish_models(ctx, "pulled", result["model"], url)
    return {**result, "message": result_message(result, before)}

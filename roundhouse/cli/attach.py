"""Stay with jobs until they end: progress bars, Ctrl-C to detach, the exit code of the outcome."""

from __future__ import annotations

import sys
import time
from typing import Any

from roundhouse.cli import fmt
from roundhouse.cli.context import Ctx
from roundhouse.cli.errors import CANCELLED, DETACHED, FAILED, OK, CliError
from roundhouse.cli.follow import Follower
from roundhouse.cli.progress import Renderer

CANCEL_WAIT_S = 30.0


def exit_code(jobs: list[dict[str, Any]]) -> int:
    """1 when any failed (or vanished), 3 when any was cancelled or paused, else 0."""
    states = {j.get("state") for j in jobs}
    if states - {"succeeded", "cancelled", "paused"}:
        return FAILED
    return CANCELLED if states & {"cancelled", "paused"} else OK


def start(ctx: Ctx, args: Any, job: dict[str, Any]) -> int:
    """After a 202: detach at once, or follow the job from its first event."""
    if getattr(args, "detach", False):
        ctx.emit(job) if ctx.json else ctx.say(
            f"Started {job['kind']} job {job['id']}"
            + (" (joined the one already running)" if job.get("joined") else "")
            + f"; follow it with: roundhouse jobs --follow {job['id']}"
        )
        return OK
    if job.get("joined") and not ctx.json:
        ctx.say(f"An identical job is already running; following {job['id']}.")
    return follow(
        ctx,
        [job["id"]],
        from_start={job["id"]},
        cancel_on_interrupt=getattr(args, "cancel_on_interrupt", False),
    )


def follow(
    ctx: Ctx,
    ids: list[str],
    *,
    from_start: set[str] | None = None,
    cancel_on_interrupt: bool = False,
    stream: bool = False,
) -> int:
    """Follow `ids` to the end. `stream`: --json prints every frame as a line (jobs --follow)."""
    renderer = None if ctx.json else Renderer(ctx.out)
    follower = Follower(
        ctx.target,
        ids,
        from_start=from_start,
        give_up_after=ctx.give_up_after,
        on_notice=lambda text: renderer.note(text) if renderer else print(text, file=ctx.err),
        still_paused=lambda job_id: _state(ctx, job_id) == "paused",
    )
    try:
        for frame in follower.frames():
            if stream and ctx.json:
                ctx.emit(frame)
            if renderer:
                _show(renderer, follower, frame)
    except KeyboardInterrupt:
        return _interrupted(ctx, renderer, sorted(follower.pending), cancel_on_interrupt)
    finally:
        if renderer:
            renderer.close()
    finals = [_final(ctx, follower, job_id) for job_id in follower.ids]
    if ctx.json and not stream:
        ctx.emit(finals[0] if len(finals) == 1 else finals)
    return exit_code(finals)


def _show(renderer: Renderer, follower: Follower, frame: dict[str, Any]) -> None:
    ids = [j["id"] for j in frame.get("jobs", [])] if frame.get("type") == "snapshot" else []
    for job_id in ids or [frame.get("id")]:
        job = follower.jobs.get(str(job_id))
        if job is None:
            continue
        if job_id in follower.pending:
            renderer.update(job)
            continue
        renderer.done(str(job_id))
        for line in fmt.summary(job):
            renderer.note(line)


def _final(ctx: Ctx, follower: Follower, job_id: str) -> dict[str, Any]:
    """The full job (result, hint) once it ended; the last event if it cannot be read."""
    try:
        job = ctx.client.get(f"/api/jobs/{job_id}")
    except CliError:
        job = follower.jobs.get(job_id, {"id": job_id, "state": "unknown"})
    return job


def _state(ctx: Ctx, job_id: str) -> str | None:
    try:
        return ctx.client.get(f"/api/jobs/{job_id}").get("state")
    except CliError:
        return None


def _interrupted(ctx: Ctx, renderer: Renderer | None, ids: list[str], cancel: bool) -> int:
    if renderer:
        renderer.close()
    if not cancel:
        print(
            f"\nDetached; the job keeps running. Re-attach with: roundhouse jobs --follow "
            f"{' '.join(ids)}   (cancel with: roundhouse cancel <id>)",
            file=ctx.err,
        )
        return DETACHED
    print("\nCancelling...", file=ctx.err)
    for job_id in ids:
        ctx.client.post(f"/api/jobs/{job_id}/cancel")
    deadline = time.monotonic() + CANCEL_WAIT_S
    while time.monotonic() < deadline and any(_state(ctx, i) not in fmt.TERMINAL for i in ids):
        time.sleep(0.2)
    print(f"Cancelled {' '.join(ids)}.", file=sys.stderr)
    return CANCELLED

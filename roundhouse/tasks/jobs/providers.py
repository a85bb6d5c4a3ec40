"""`providers.snapshot`: take the provider snapshot the way every job must, and record its version.

A job takes `ProviderStore.current()` once at start (one HGETALL), puts the version on the job
(`providers_version`) and in its first event, and uses that snapshot to the end. This kind does
only that, so tests and bench/switch.py can prove no job started after a switch's answer sees
an older version.
"""

from __future__ import annotations

import time
from typing import Any

from roundhouse.core.job_types import Job
from roundhouse.providers.base import Control
from roundhouse.tasks.context import WorkerContext
from roundhouse.tasks.kinds import handles
from roundhouse.tasks.requests.providers import SNAPSHOT


def take(ctx: WorkerContext, control: Control) -> dict[str, Any]:
    """The snapshot for this job, announced with its version; call once, at the start."""
    snap = ctx.stores.providers(ctx.settings()).current()
    roles = {
        role: f"{snap[role]['provider']}/{snap[role]['model']}"
        for role in ("llm", "image", "vision")
    }
    control.report(
        stage="providers",
        providers_version=snap["version"],
        message=f"Providers v{snap['version']}: llm {roles['llm']}",
    )
    return snap


@handles(SNAPSHOT)
def snapshot(ctx: WorkerContext, job: Job, control: Control) -> dict[str, Any]:
    """Read the snapshot and report what was seen, with the wall time it was read."""
    read_at = time.time()
    snap = take(ctx, control)
    return {
        "providers_version": snap["version"],
        "read_at": read_at,
        "llm": snap["llm"],
        "message": f"Saw providers version {snap['version']}",
    }

"""`demo.count`: a job that only counts, to see the whole pipeline work (and to bench it)."""

from __future__ import annotations

import time
from typing import Any

from roundhouse.core.errors import ProviderError
from roundhouse.core.job_types import Job
from roundhouse.providers.base import Control
from roundhouse.tasks.context import WorkerContext
from roundhouse.tasks.kinds import handles
from roundhouse.tasks.requests.demo import COUNT


@handles(COUNT)
def count(ctx: WorkerContext, job: Job, control: Control) -> dict[str, Any]:
    """Count to `steps`, one step per `interval`, resuming after the last recorded step."""
    params = job["params"]
    steps, interval = params["steps"], params["interval"]
    start = int(job.get("done") or 0)
    control.report(stage="counting", done=start, total=steps, message=f"{start} of {steps}")
    for step in range(start + 1, steps + 1):
        control.check()
        time.sleep(interval)
        if params.get("fail_at") == step:
            raise ProviderError("demo", f"asked to fail at step {step}")
        control.report(done=step, message=f"{step} of {steps}")
    return {"counted": steps, "message": f"Counted to {steps}"}

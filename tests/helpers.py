"""Waiting helpers shared by the tests: poll for an event, never sleep for a guessed time.

Bounds are generous on purpose: they only decide how long a broken run takes to fail, and
the suite must pass on a machine loaded by other work (load average 16 on two cores).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx

from roundhouse.cli.stack import free_port
from tests.stacks import TestStack

__all__ = ["free_port", "job_done", "start_demo", "wait_done", "wait_for", "wait_state"]

T = TypeVar("T")


def wait_for(
    check: Callable[[], T], timeout: float = 30.0, interval: float = 0.05, what: str = ""
) -> T:
    """Poll `check()` until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what or 'condition'} not met in {timeout:g} s (last: {value!r})")
        time.sleep(interval)


def start_demo(stack: TestStack, steps: int = 20, interval: float = 0.05) -> str:
    """A demo.count job (it counts to `steps`, one step per `interval`); its id."""
    r = httpx.post(
        f"{stack.url}/api/jobs",
        json={"kind": "demo.count", "params": {"steps": steps, "interval": interval}},
        timeout=30,
    )
    assert r.status_code == 202, r.text
    return r.json()["id"]


def get_job(
    stack: TestStack, job_id: str, headers: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """GET /api/jobs/{id} on the stack's API (an error body while Redis restarts, say)."""
    return httpx.get(f"{stack.url}/api/jobs/{job_id}", headers=headers, timeout=30).json()


def wait_state(
    stack: TestStack,
    job_id: str,
    states: set[str],
    timeout: float = 60,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The job once its state is one of `states`."""
    seen: dict[str, Any] = {}

    def reached() -> dict[str, Any] | None:
        seen.update(get_job(stack, job_id, headers))
        return dict(seen) if seen.get("state") in states else None

    try:
        return wait_for(reached, timeout)
    except TimeoutError:
        raise TimeoutError(f"job {job_id} still {seen.get('state')}, not {states}") from None


def job_done(stack: TestStack, job_id: str) -> int:
    """The job's `done` counter (0 before its first report)."""
    return int(get_job(stack, job_id).get("done") or 0)


def wait_done(stack: TestStack, job_id: str, at_least: int, timeout: float = 60) -> int:
    """The job's `done` once it reached `at_least` (a download got going, a count went by)."""
    return wait_for(
        lambda: (n := job_done(stack, job_id)) >= at_least and n,
        timeout,
        what=f"job {job_id} done >= {at_least}",
    )

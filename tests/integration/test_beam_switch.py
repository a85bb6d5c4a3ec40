"""A provider switch while a beam search runs: that job keeps its snapshot, the next uses the new.

Own stack with two worker processes of one slot each, so the second job runs on the other
process while the first is still going.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from roundhouse.core.active_providers import Choice
from tests.helpers import wait_state
from tests.integration.test_beam import (
    DONE,
    FLUX_LOCAL,
    events,
    named,
    start_search,
    switch,
    wait_for,
)
from tests.stacks import TestStack, start_stack

OPENAI_ROLES = {"image": Choice("dalle", "dall-e-2"), "vision": Choice("gpt-vision", "gpt-4o-mini")}


@pytest.fixture(scope="module")
def two_workers(redis_base: str, fakes, tmp_path_factory) -> Iterator[TestStack]:  # type: ignore[no-untyped-def]
    ts = start_stack(
        tmp_path_factory.mktemp("beam-switch"),
        redis_base,
        env=fakes.env(),
        workers=2,
        concurrency=1,
    )
    yield ts
    ts.stop()


def rendered(calls: list, path: str) -> set[str]:
    """Prompts a fake was asked to render."""
    return {body["prompt"] for _, p, body in calls if p == path and isinstance(body, dict)}


def worker_of(stack: TestStack, job_id: str) -> list[str]:
    return [n for n in ("worker0", "worker1") if job_id in stack.log(n)]


def test_switch_mid_job_changes_only_the_next_job(two_workers: TestStack, fakes) -> None:  # type: ignore[no-untyped-def]
    stack = two_workers
    v1 = switch(stack, FLUX_LOCAL)
    # job A renders 2 + 4 + 4 images one at a time, 2 s each until the switch is done (however
    # long a loaded machine takes over it), then 0.25 s: some of them surely come after it
    fakes.flux.latency = 2.0
    try:
        a = start_search(stack, "an old steam engine", candidates=2, depth=3, concurrency=1)
        wait_for(lambda: named(events(stack, a), "providers"))
        v2 = switch(stack, OPENAI_ROLES)
        switched_at = time.time()
        assert stack.store().get(a)["state"] == "running"
        fakes.flux.latency = 0.25
        b = start_search(stack, "a new electric tram", depth=1)
        job_b = wait_state(stack, b, DONE, timeout=90)
        job_a = wait_state(stack, a, DONE, timeout=90)
    finally:
        fakes.flux.latency = 0.0
    assert job_a["state"] == job_b["state"] == "succeeded", (job_a, job_b)

    # A: the snapshot it took before the switch, to the end
    assert job_a["providers_version"] == v1 and job_a["providers"]["image"] == "flux/flux-schnell"
    a_events = events(stack, a)
    assert named(a_events, "providers")[0]["used"]["vision"] == "local/clip"
    a_cands = named(a_events, "candidate")
    assert len(a_cands) == 10 and any(c["ts"] > switched_at for c in a_cands)
    a_prompts = {c["prompt"] for c in a_cands}
    assert a_prompts <= rendered(fakes.flux.calls, "/generate")
    assert not a_prompts & rendered(fakes.openai.calls, "/v1/images/generations")

    # B: started after the switch, so it sees the new version
    assert job_b["providers_version"] == v2 == v1 + 1
    assert job_b["providers"] == {
        "llm": "openai/gpt-4o-mini",
        "image": "dalle/dall-e-2",
        "vision": "gpt-vision/gpt-4o-mini",
    }
    assert named(events(stack, b), "providers")[0]["version"] == v2
    b_prompts = {c["prompt"] for c in named(events(stack, b), "candidate")}
    assert b_prompts <= rendered(fakes.openai.calls, "/v1/images/generations")
    assert not b_prompts & rendered(fakes.flux.calls, "/generate")

    # two worker processes did the two jobs
    assert len(worker_of(stack, a)) == len(worker_of(stack, b)) == 1
    assert worker_of(stack, a) != worker_of(stack, b)
    assert Path(stack.stack.data_dir, "media", "beam", a).is_dir()

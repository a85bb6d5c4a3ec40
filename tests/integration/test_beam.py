"""Beam search end to end: the real API, a real Celery worker, Redis, and the loopback fakes.

The fake LLM's k-th refinement adds k "vivid"s and the fake vision service scores by the count
of "vivid", so the winner of a search is known in advance.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from roundhouse.core.active_providers import Choice, ProviderStore
from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from roundhouse.core.settings import Settings
from tests.fakes.png import SIGNATURE
from tests.fakes.vision import score_for
from tests.helpers import wait_for, wait_state
from tests.stacks import TestStack

FLUX_LOCAL = {
    "llm": Choice("openai", "gpt-4o-mini"),
    "image": Choice("flux", "flux-schnell"),
    "vision": Choice("local", "clip"),
}
DONE = {"succeeded", "failed", "cancelled"}


def provider_store(stack: TestStack) -> ProviderStore:
    return ProviderStore(connect(stack.redis_url), Keys(stack.prefix), Settings())


def switch(stack: TestStack, choices: dict[str, Choice]) -> int:
    """Switch the stack's providers directly in its Redis; returns the new version."""
    return provider_store(stack).switch(choices, by="test")["version"]


def start_search(stack: TestStack, prompt: str, **params: Any) -> str:
    body = {
        "prompt": prompt,
        "beam_width": 2,
        "candidates": 3,
        "depth": 2,
        "width": 256,
        "height": 256,
        **params,
    }
    r = httpx.post(f"{stack.url}/api/beam-search", json=body, timeout=10)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def events(stack: TestStack, job_id: str) -> list[dict[str, Any]]:
    return [json.loads(e) for e in stack.store().events(job_id, 0)]


def named(evts: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e for e in evts if e.get("event") == name]


@pytest.fixture
def flux_local(stack: TestStack) -> Iterator[int]:
    """OpenAI LLM, Flux images, local vision for this test; the previous choice afterwards."""
    before = provider_store(stack).state()
    yield switch(stack, FLUX_LOCAL)
    switch(stack, {r: Choice(before[r]["provider"], before[r]["model"]) for r in FLUX_LOCAL})


def test_full_run_finds_the_predicted_winner(stack: TestStack, flux_local: int) -> None:
    job_id = start_search(stack, "a fox in the snow at dusk")
    job = wait_state(stack, job_id, DONE, timeout=60)
    assert job["state"] == "succeeded", job

    used = {"llm": "openai/gpt-4o-mini", "image": "flux/flux-schnell", "vision": "local/clip"}
    assert job["providers"] == used and job["providers_version"] == flux_local
    evts = events(stack, job_id)
    mine = [e for e in evts if e.get("event") not in ("created", "state")]
    assert (
        mine[0]["message"]
        == "llm: openai/gpt-4o-mini, image: flux/flux-schnell, vision: local/clip"
    )
    assert mine[1]["event"] == "providers" and mine[1]["used"] == used
    assert mine[1]["version"] == flux_local

    winner = "a fox in the snow at dusk, vivid vivid take 3, vivid vivid take 3"
    result = job["result"]
    assert result["prompt"] == winner and result["score"] == score_for(winner)
    assert result["best_id"] == "r2-b0-c2" and job["message"].startswith("Best score")
    cands = named(evts, "candidate")
    assert len(cands) == 9 and all(c["error"] is None for c in cands)
    best = next(c for c in cands if c["candidate"] == "r2-b0-c2")
    assert best["prompt"] == winner and best["parent"] == "r1-b0-c2" and best["round"] == 2
    png = httpx.get(stack.url + result["image_url"])
    assert png.status_code == 200 and png.content.startswith(SIGNATURE)
    assert {n["id"] for n in result["tree"]} == {"root", *(c["candidate"] for c in cands)}
    assert {c["id"] for c in cands} == {job_id}  # `id` is always the job's


@pytest.mark.parametrize(("beam", "cands", "depth"), [(1, 2, 3), (2, 2, 3), (3, 2, 2)])
def test_beam_arithmetic(
    stack: TestStack, flux_local: int, beam: int, cands: int, depth: int
) -> None:
    job_id = start_search(
        stack, f"a lighthouse {beam}{cands}{depth}", beam_width=beam, candidates=cands, depth=depth
    )
    assert wait_state(stack, job_id, DONE, timeout=60)["state"] == "succeeded"
    evts = events(stack, job_id)
    rounds, cand_events = named(evts, "round"), named(evts, "candidate")
    kept_before, parents = 1, {"root"}
    for r, summary in enumerate(rounds, start=1):
        made = [c for c in cand_events if c["round"] == r]
        assert summary["made"] == len(made) == kept_before * cands
        assert len(summary["kept"]) == min(beam, len(made))
        assert {c["parent"] for c in made} == parents
        best_scores = sorted((c["score"] for c in made), reverse=True)[:beam]
        kept_scores = sorted(c["score"] for c in made if c["candidate"] in summary["kept"])
        assert kept_scores == sorted(best_scores)
        kept_before, parents = len(summary["kept"]), set(summary["kept"])
    assert len(rounds) == depth


def test_a_failing_candidate_is_recorded_and_the_round_goes_on(
    stack: TestStack, flux_local: int, fakes
) -> None:  # type: ignore[no-untyped-def]
    fakes.flux.fail_next(400, 1)  # a permanent error: not retried, fails exactly one render
    job_id = start_search(stack, "a red kite", concurrency=1, depth=1)
    job = wait_state(stack, job_id, DONE, timeout=60)
    assert job["state"] == "succeeded"
    cands = named(events(stack, job_id), "candidate")
    failed = [c for c in cands if c["error"]]
    assert len(cands) == 3 and [c["candidate"] for c in failed] == ["r1-b0-c0"]
    assert failed[0]["error"].startswith("Flux: ") and failed[0]["score"] is None
    assert job["result"]["rounds"][0]["failed"] == 1
    assert job["result"]["best_id"] != "r1-b0-c0"


def test_a_provider_that_is_down_fails_the_job_naming_it(
    stack: TestStack, flux_local: int, fakes
) -> None:  # type: ignore[no-untyped-def]
    fakes.vision.go_down()
    try:
        job_id = start_search(stack, "a blue heron", depth=1)
        job = wait_state(stack, job_id, DONE, timeout=60)
    finally:
        fakes.vision.go_up()
    assert job["state"] == "failed"
    assert job["error"].startswith("local vision service: ") and "cannot connect" in job["error"]
    assert "start the local vision service" in job["hint"]


def test_cancel_stops_between_candidates(stack: TestStack, flux_local: int, fakes) -> None:  # type: ignore[no-untyped-def]
    fakes.flux.latency = 1.0  # 15 renders one at a time: ~15 s, the cancel lands well before
    try:
        job_id = start_search(stack, "a slow snail", concurrency=1, depth=3)
        store = stack.store()
        wait_for(lambda: named(events(stack, job_id), "candidate"))
        assert httpx.post(f"{stack.url}/api/jobs/{job_id}/cancel").status_code == 200
        job = wait_state(stack, job_id, DONE, timeout=30)
    finally:
        fakes.flux.latency = 0.0
    assert job["state"] == "cancelled"
    made = len(named(events(stack, job_id), "candidate"))
    assert 1 <= made < 3 + 6 + 6
    assert store.get(job_id)["result"] is None


def test_out_of_bounds_is_a_400_and_nothing_is_queued(stack: TestStack) -> None:
    before = len(stack.store().list(kind="beam.search", limit=500)[0])
    r = httpx.post(f"{stack.url}/api/beam-search", json={"prompt": "x", "depth": 9, "width": 7})
    assert r.status_code == 400 and set(r.json()["errors"]) == {"depth", "width"}
    assert len(stack.store().list(kind="beam.search", limit=500)[0]) == before

"""python -m bench.beam: the time a beam search spends in Roundhouse itself vs in its providers.

The same search (beam 2, 3 candidates, depth 3: 5 LLM calls, 15 renders, 15 scores) runs
(a) through the whole stack: POST /api/beam-search -> Redis -> a Celery worker -> events ->
    images on disk -> the final event at a WebSocket client, and
(b) by calling providers.beam.run directly with a no-op control and an in-memory saver,
against the same fake OpenAI / Flux / vision servers on loopback, each adding `--latency`
seconds to every call. Overhead = (a - b) / a; the target is under 5% at 100 ms per call.
A second pair of runs with instant providers shows Roundhouse's own cost in milliseconds.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from bench._stack import own_stack
from bench.stats import table
from roundhouse.cli.stack import Stack, free_port
from roundhouse.core.active_providers import ProviderStore
from roundhouse.core.settings import Settings
from roundhouse.providers.beam import run
from roundhouse.providers.generation import build
from tests.fakes.flux import FakeFlux
from tests.fakes.openai import FakeOpenAI
from tests.fakes.vision import FakeVision
from tests.wsclient import Live, final

PARAMS = {"beam_width": 2, "candidates": 3, "depth": 3, "width": 256, "height": 256}


class NoControl:
    """Control that records nothing and never stops."""

    def report(self, **_: Any) -> None: ...

    def check(self) -> None: ...

    def event(self, type_: str, **_: Any) -> None: ...


def provider_env(ai: FakeOpenAI, flux: FakeFlux, vision: FakeVision) -> dict[str, str]:
    return {
        "LLM_PROVIDER": "openai",
        "IMAGE_PROVIDER": "flux",
        "VISION_PROVIDER": "local",
        "OPENAI_BASE_URL": ai.url + "/v1",
        "OPENAI_API_KEY": "sk-bench",
        "FLUX_API_URL": flux.url,
        "LOCAL_VISION_API_URL": vision.url,
    }


def start(tmp: Path, env: dict[str, str]) -> tuple[Stack, str, int]:
    stack = own_stack(tmp, **env)
    stack.start_worker(concurrency=1, queues="beam", loglevel="WARNING")
    port = free_port()
    url = stack.start_api(port)
    stack.wait_worker(url)
    return stack, url, port


def through_stack(url: str, port: int, prompt: str) -> tuple[float, float, float]:
    """Seconds from the POST to the final event at a WebSocket client; queue wait; in worker."""
    started = time.perf_counter()
    r = httpx.post(f"{url}/api/beam-search", json={"prompt": prompt, **PARAMS}, timeout=10)
    r.raise_for_status()
    job_id = r.json()["id"]
    live = Live(f"ws://127.0.0.1:{port}/ws", {"subscribe": [job_id], "after": {job_id: 0}})
    frames = live.until(final, timeout=120)
    elapsed = time.perf_counter() - started
    live.close()
    assert frames[-1]["state"] == "succeeded", frames[-1]
    job = httpx.get(f"{url}/api/jobs/{job_id}", timeout=10).json()
    return elapsed, job["started_at"] - job["created_at"], job["finished_at"] - job["started_at"]


def direct(settings: Settings, prompt: str) -> float:
    """Seconds for beam.run alone with the same providers, no Redis, no disk."""
    store = ProviderStore(None, None, settings)  # type: ignore[arg-type]  # no Redis: defaults
    snapshot = store.snapshot(store.state(raw={}))
    started = time.perf_counter()
    with build(snapshot) as clients:
        run(prompt, PARAMS, clients, NoControl(), lambda cid, png: f"/mem/{cid}")
    return time.perf_counter() - started


def measure(
    latency: float, runs: int, url: str, port: int, settings: Settings, fakes: tuple[Any, ...]
) -> tuple[float, float]:
    """Median seconds (stack, direct) over `runs` alternating pairs, after one warm-up each."""
    for fake in fakes:
        fake.latency = latency
    through_stack(url, port, "warm up the worker")
    direct(settings, "warm up the clients")
    a: list[tuple[float, float, float]] = []
    b: list[float] = []
    for i in range(runs):
        a.append(through_stack(url, port, f"a fox in the snow at dusk {latency} {i}"))
        b.append(direct(settings, f"a fox in the snow at dusk {latency} {i}"))
    a.sort()
    whole, queued, worker = a[len(a) // 2]  # the median run, with its own parts
    return {"a": whole, "b": statistics.median(b), "queued": queued, "worker": worker}


def figures(latency: float, m: dict[str, float]) -> list[tuple[str, str, str]]:
    """Table rows for one latency."""
    a, b, label = m["a"], m["b"], f"{latency * 1000:.0f} ms per call"
    target = "  target < 5%" if latency else ""
    return [
        (f"(a) full stack, {label}", f"{a:.3f}", "POST -> final WebSocket event"),
        ("  . created -> claimed", f"{m['queued']:.3f}", "API, broker, worker pickup"),
        ("  . claimed -> finished", f"{m['worker']:.3f}", "the job in the worker"),
        (f"(b) beam.run direct, {label}", f"{b:.3f}", "same fakes, no-op control"),
        (f"overhead, {label}", f"{(a - b) * 1000:.0f} ms", f"{(a - b) / a:.1%} of (a){target}"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.1, help="seconds added per call")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with ExitStack() as es, tempfile.TemporaryDirectory() as tmp:
        fakes = tuple(
            es.enter_context(f) for f in (FakeOpenAI(api_key="sk-bench"), FakeFlux(), FakeVision())
        )
        env = provider_env(*fakes)
        settings = Settings.from_env({**env, "ROUNDHOUSE_ENV_FILE": str(Path(tmp) / ".env")})
        stack, url, port = start(Path(tmp), env)
        es.callback(stack.stop)
        rows = [("run", "median s", "note")]
        for latency in (args.latency, 0.0):
            rows += figures(latency, measure(latency, args.runs, url, port, settings, fakes))
        print(f"beam search: beam 2 x 3 candidates x depth 3 (15 images), {args.runs} runs each")
        print(table(rows))


if __name__ == "__main__":
    main()

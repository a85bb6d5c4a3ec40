"""Open-loop POST load for bench.load: a fixed request rate, latency from each request's send."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field

import psutil

from bench._http import HttpError, LeanClient
from bench.stats import pct

PATH = "/api/providers/models/download"


@dataclass
class PostRun:
    """What one run of POSTs saw: latencies, answers by status, jobs created vs joined."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    created: int = 0
    joined: int = 0
    seconds: float = 0.0
    late_ms: float = 0.0  # worst lag of the sender behind its schedule

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())


async def _one(client: LeanClient, model: str | None, run: PostRun) -> None:
    started = time.perf_counter()
    try:
        if model is None:  # the baseline: the API's cheapest answer
            status, body = await client.request("GET", "/healthz")
        else:
            ask = {"provider": "ollama", "model": model}
            status, body = await client.request("POST", PATH, ask)
    except HttpError:
        status, body = 0, {}
    run.latencies.append((time.perf_counter() - started) * 1000)
    run.statuses[status] = run.statuses.get(status, 0) + 1
    if status == 202 and isinstance(body, dict):
        if body.get("joined"):
            run.joined += 1
        else:
            run.created += 1


async def post_at_rate(url: str, models: list[str | None], rate: float, seconds: float) -> PostRun:
    """`rate` POSTs a second for `seconds`, model names taken in turn (None: GET /healthz)."""
    run = PostRun()
    client = LeanClient(url, max_connections=200, timeout=30)
    try:
        # warm the connection pool so the figures are not the first TCP handshakes
        await asyncio.gather(*(client.request("GET", "/healthz") for _ in range(20)))
        loop = asyncio.get_running_loop()
        total, began = int(rate * seconds), loop.time()
        tasks = []
        for i in range(total):
            delay = began + i / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                run.late_ms = max(run.late_ms, -delay * 1000)
            tasks.append(asyncio.create_task(_one(client, models[i % len(models)], run)))
        await asyncio.gather(*tasks)
        run.seconds = loop.time() - began
    finally:
        await client.close()
    return run


def cpu_s(pid: int, children: bool = True) -> float:
    """User + system CPU seconds of a process (and its children)."""
    proc = psutil.Process(pid)
    procs = [proc, *proc.children(recursive=True)] if children else [proc]
    return sum(sum(p.cpu_times()[:2]) for p in procs)


def post_phase(
    url: str, api_pid: int, rate: float, seconds: float, steps: list[float] | None = None
) -> list[tuple[str, str, str]]:
    """Distinct model names (every POST creates a pull) at each rate of `steps`, then one name
    (all but one join) at `rate`: the steps show where p99 leaves its target."""
    tag = os.urandom(3).hex()
    runs: list[tuple[str, float, list[str | None]]] = [("GET /healthz (baseline)", rate, [None])]
    for i, step in enumerate(steps or [rate]):
        names: list[str | None] = [f"load-{tag}-{i}-{n}:latest" for n in range(int(step * seconds))]
        runs.append((f"POST download, distinct names, {step:.0f}/s", step, names))
    runs.append(("POST download, one name", rate, [f"load-{tag}-one"]))
    rows = []
    for label, at, models in runs:
        before = cpu_s(api_pid)
        run = asyncio.run(post_at_rate(url, models, at, seconds))
        cpu_ms = (cpu_s(api_pid) - before) * 1000 / max(1, run.sent)
        rows += _rows(label, run, cpu_ms)
    return rows


def _rows(label: str, run: PostRun, cpu_ms: float) -> list[tuple[str, str, str]]:
    answered = ", ".join(f"{n} x {s or 'no answer'}" for s, n in sorted(run.statuses.items()))
    jobs = f"{run.created} created, {run.joined} joined" if run.created + run.joined else ""
    return [
        (label, f"{run.sent / run.seconds:.0f}/s for {run.seconds:.1f} s", jobs),
        ("  latency p50 / p99", f"{pct(run.latencies, 50):.1f} / {pct(run.latencies, 99):.1f} ms",
         f"sender at most {run.late_ms:.0f} ms behind schedule"),
        ("  answers", answered, f"API CPU {cpu_ms:.2f} ms per request"),
    ]  # fmt: skip

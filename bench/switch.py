"""python -m bench.switch: stale provider reads under fast switches; /status with a dead service.

1. Eight processes start "jobs" continuously: each start is the snapshot read every job does
   (`ProviderStore.current()`, the call in tasks/jobs/providers.py) stamped with the wall time
   it began. A ninth process switches the LLM every 10 ms through `ProviderStore.switch` and
   stamps each version when the switch returned (acknowledged). A start that began after an
   acknowledgement but saw an older version is stale. Baseline, same run: each process keeps
   the snapshot in memory for 1 s (a per-process settings cache, as a reload-on-interval
   design would). Also: Redis commands per snapshot read, counted at the client.
2. GET /api/providers/status p50/p99 on the real API (gunicorn + gevent) with the vision
   service black-holed (accepts TCP, never answers), against a synchronous check of every
   service per request (GET /api/providers/health?refresh=1, what an uncached status costs).
"""

from __future__ import annotations

import argparse
import bisect
import multiprocessing as mp
import socket
import tempfile
import time
from pathlib import Path

import httpx
import redis

from bench._stack import own_stack
from bench.stats import pct, table
from roundhouse.cli.stack import Stack, free_port
from roundhouse.core.active_providers import Choice, ProviderStore
from roundhouse.core.keys import Keys
from roundhouse.core.settings import Settings

PREFIX = "bench:"


def store_for(url: str, client: redis.Redis | None = None) -> ProviderStore:
    return ProviderStore(
        client or redis.Redis.from_url(url, decode_responses=True), Keys(PREFIX), Settings()
    )


def starter(url: str, until: float, cache_s: float, work_s: float, out: mp.Queue) -> None:
    """Start jobs until `until`; each start records (began, version seen), then does `work_s`
    of other start-up work (claiming, first event) so both modes start jobs at a similar pace."""
    store, starts = store_for(url), []
    snap, read_at = None, 0.0
    while (began := time.time()) < until:
        if snap is None or began - read_at >= cache_s:
            snap, read_at = store.current(), began
        starts.append((began, snap["version"]))
        time.sleep(work_s)
    out.put(("starts", starts))


def switcher(url: str, until: float, every_s: float, out: mp.Queue) -> None:
    """Switch every `every_s`; record (acknowledged at, version)."""
    store, acks, n = store_for(url), [], 0
    due = time.time()
    while time.time() < until:
        n += 1
        state = store.switch({"llm": Choice("ollama", f"model-{n % 7}")}, by="bench")
        acks.append((time.time(), state["version"]))
        due += every_s
        time.sleep(max(0.0, due - time.time()))
    out.put(("acks", acks))


def stale_count(starts: list[tuple[float, int]], acks: list[tuple[float, int]]) -> int:
    """Starts that began after an acknowledged switch yet saw an older version."""
    times = [t for t, _ in acks]
    stale = 0
    for began, seen in starts:
        i = bisect.bisect_left(times, began) - 1
        if i >= 0 and seen < acks[i][1]:
            stale += 1
    return stale


def run_round(
    url: str, procs: int, seconds: float, cache_s: float, work_s: float
) -> tuple[int, int, int]:
    """(starts, stale starts, switches) for one round."""
    ctx = mp.get_context("spawn")
    out: mp.Queue = ctx.Queue()
    until = time.time() + 1.5 + seconds  # processes need a moment to start
    workers = [
        ctx.Process(target=starter, args=(url, until, cache_s, work_s, out)) for _ in range(procs)
    ]
    workers.append(ctx.Process(target=switcher, args=(url, until, 0.01, out)))
    for p in workers:
        p.start()
    results = [out.get(timeout=seconds + 120) for _ in workers]
    for p in workers:
        p.join()
    acks = next(rows for kind, rows in results if kind == "acks")
    starts = [s for kind, rows in results if kind == "starts" for s in rows]
    return len(starts), stale_count(starts, acks), len(acks)


def round_trips(url: str, reads: int = 1000) -> float:
    """Redis commands sent per snapshot read."""
    sent = [0]

    class Counting(redis.Redis):
        def execute_command(self, *args, **options):  # type: ignore[no-untyped-def]
            sent[0] += 1
            return super().execute_command(*args, **options)

    store = store_for(url, Counting.from_url(url, decode_responses=True))
    for _ in range(reads):
        store.current()
    return sent[0] / reads


def status_latency(tmp: Path, samples: int, baseline: int) -> tuple[list[float], list[float]]:
    """(status latencies, synchronous-check latencies) in ms, one service black-holed."""
    hole = socket.create_server(("127.0.0.1", 0), backlog=512)  # accepts, never answers
    dead = f"http://127.0.0.1:{free_port()}"
    stack = own_stack(
        tmp,
        LOCAL_VISION_API_URL=f"http://127.0.0.1:{hole.getsockname()[1]}",
        OLLAMA_BASE_URL=dead,
        LMSTUDIO_BASE_URL=dead,
        FLUX_API_URL=dead,
        OPENAI_API_KEY="",
    )
    try:
        url = stack.start_api(free_port())
        with httpx.Client(base_url=url, timeout=30) as http:
            http.get("/api/providers/health")  # warm the cache once
            fast = []
            for _ in range(samples):
                began = time.perf_counter()
                http.get("/api/providers/status").raise_for_status()
                fast.append((time.perf_counter() - began) * 1000)
                time.sleep(0.01)  # spread over > 2 cache lifetimes: refreshes run behind us
            slow = []
            for _ in range(baseline):
                began = time.perf_counter()
                http.get("/api/providers/health", params={"refresh": "1"}).raise_for_status()
                slow.append((time.perf_counter() - began) * 1000)
        return fast, slow
    finally:
        stack.stop()
        hole.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--procs", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--baseline", type=int, default=5)
    parser.add_argument("--work-ms", type=float, default=0.5, help="other work per job start")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        redis_stack = Stack(Path(tmp) / "redis")
        url = redis_stack.start_redis().rsplit("/", 1)[0] + "/2"
        try:
            work = args.work_ms / 1000
            ours = run_round(url, args.procs, args.seconds, 0.0, work)
            cached = run_round(url, args.procs, args.seconds, 1.0, work)
            trips = round_trips(url)
        finally:
            redis_stack.stop()
        fast, slow = status_latency(Path(tmp) / "api", args.samples, args.baseline)
    rows = [
        ("measure", "roundhouse", "baseline"),
        ("job starts (8 procs, switch every 10 ms)", f"{ours[0]:,}", f"{cached[0]:,}"),
        ("switches acknowledged", f"{ours[2]:,}", f"{cached[2]:,}"),
        (
            "starts after an ack that saw an older version",
            f"{ours[1]:,}",
            f"{cached[1]:,} (1 s in-process cache)",
        ),
        ("Redis commands per snapshot read", f"{trips:.2f}", "-"),
        (
            "GET /status p50 ms (vision black-holed)",
            f"{pct(fast, 50):.1f}",
            f"{pct(slow, 50):.0f} (sync check)",
        ),
        (
            "GET /status p99 ms (vision black-holed)",
            f"{pct(fast, 99):.1f}",
            f"{pct(slow, 99):.0f} (sync check)",
        ),
        ("p99 ratio baseline / roundhouse", f"{pct(slow, 99) / pct(fast, 99):.0f}x", ""),
    ]
    print(table(rows))


if __name__ == "__main__":
    main()

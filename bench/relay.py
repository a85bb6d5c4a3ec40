"""python -m bench.relay: progress call in a worker -> event at a WebSocket client.

100 demo jobs on a real Celery worker (thread pool) each report 10 times a second; 500
WebSocket clients (5 per job) on one API process (gunicorn + gevent) receive them. Latency is
the client's receive time minus the time the worker wrote the event (both on this machine's
clock). Then 1,000 idle clients are connected and the API process's memory is read. In the
same run, the baseline: Celery's result backend polled every 500 ms, as celery-progress does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from bench._stack import own_stack
from bench.stats import pct, rss_mb, table
from bench.wsclient import WsClient
from roundhouse.cli.stack import Stack, free_port


def start(args: argparse.Namespace, tmp: Path) -> tuple[Stack, int]:
    stack = own_stack(tmp)
    stack.start_worker(
        concurrency=args.jobs + 4, pool="threads", queues="default", loglevel="WARNING"
    )
    port = free_port()
    url = stack.start_api(port)
    stack.wait_worker(url)
    return stack, port


async def watch(
    port: int, job_id: str, duration: float, lat: list[float], tally: dict[str, list[int]]
) -> None:
    ws = await WsClient.connect("127.0.0.1", port)
    await ws.send_json({"subscribe": [job_id]})
    first, seqs = None, []
    end = time.monotonic() + duration
    while time.monotonic() < end:
        try:
            raw = await asyncio.wait_for(ws.recv(), timeout=max(0.1, end - time.monotonic()))
        except TimeoutError:
            break
        if raw is None:
            break
        now = time.time()
        msg = json.loads(raw)
        if msg.get("type") == "snapshot":
            first = msg["jobs"][0]["seq"]
            continue
        seqs.append(msg["seq"])
        lat.append((now - msg["ts"]) * 1000)
        if msg.get("state") in ("succeeded", "failed", "cancelled"):
            break
    tally[job_id].append((first or 0, seqs))  # type: ignore[arg-type]
    await ws.close()


async def live_phase(port: int, ids: list[str], per_job: int, duration: float):  # type: ignore[no-untyped-def]
    lat: list[float] = []
    tally: dict[str, list] = {i: [] for i in ids}
    tasks = [watch(port, i, duration, lat, tally) for i in ids for _ in range(per_job)]
    await asyncio.gather(*tasks)
    return lat, tally


def completeness(store_events: dict[str, int], tally: dict[str, list]) -> tuple[int, int]:
    """(clients that got every event after their snapshot, clients in all)."""
    full = total = 0
    for job_id, runs in tally.items():
        for first, seqs in runs:
            total += 1
            expected = list(range(first + 1, store_events[job_id] + 1))
            full += seqs == expected
            if seqs != expected and os.environ.get("BENCH_DEBUG"):
                missing = sorted(set(expected) - set(seqs))
                print(
                    f"{job_id}: after {first}, final {store_events[job_id]}, got {len(seqs)},"
                    f" missing {missing[:5]}, duplicates {len(seqs) - len(set(seqs))}"
                )
    return full, total


async def idle_phase(port: int, n: int) -> list[WsClient]:
    clients = []
    for i in range(0, n, 100):
        batch = await asyncio.gather(
            *(WsClient.connect("127.0.0.1", port) for _ in range(min(100, n - i)))
        )
        for ws in batch:
            await ws.send_json({"subscribe": "all"})
        clients += batch
    await asyncio.gather(*(ws.recv() for ws in clients))  # each got its snapshot
    return clients


def baseline(redis_url: str, jobs: int, seconds: float, tmp: Path) -> dict[str, float]:
    env = {**os.environ, "BENCH_BASELINE_REDIS": redis_url.rsplit("/", 1)[0] + "/60"}
    os.environ["BENCH_BASELINE_REDIS"] = env["BENCH_BASELINE_REDIS"]
    import importlib

    import bench.celery_progress as cp

    importlib.reload(cp)
    stack = Stack(tmp / "baseline", env=env)
    stack._spawn(
        "baseline",
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bench.celery_progress",
            "worker",
            "-P",
            "threads",
            "-c",
            str(jobs + 2),
            "-Q",
            "baseline",
            "--loglevel",
            "WARNING",
            "--without-mingle",
            "--without-gossip",
        ],
    )
    time.sleep(4)
    updates = int(seconds * 10)
    results = [cp.tick.delay(updates, 0.1) for _ in range(jobs)]
    stop, seen, counts = threading.Event(), [], {"observed": 0}
    threads = [
        threading.Thread(target=cp.poll, args=(r.id, 0.5, stop, seen, counts)) for r in results
    ]
    for t in threads:
        t.start()
    time.sleep(seconds + 3)
    stop.set()
    for t in threads:
        t.join()
    stack.stop()
    total = updates * jobs
    return {
        "p50": pct(seen, 50) * 1000,
        "p99": pct(seen, 99) * 1000,
        "seen": counts["observed"] / total,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-relay-"))
    stack, port = start(args, tmp)
    url = f"http://127.0.0.1:{port}"
    try:
        api_pid = stack.procs["api"].pid
        steps = int(args.seconds * 10)
        ids = [
            httpx.post(
                f"{url}/api/jobs",
                json={"kind": "demo.count", "params": {"steps": steps, "interval": 0.1}},
            ).json()["id"]
            for _ in range(args.jobs)
        ]
        lat, tally = asyncio.run(
            live_phase(port, ids, args.clients // args.jobs, args.seconds + 10)
        )
        finals = {i: httpx.get(f"{url}/api/jobs/{i}").json()["seq"] for i in ids}
        full, total = completeness(finals, tally)
        base_mem = rss_mb(api_pid)

        async def hold() -> float:
            clients = await idle_phase(port, args.idle)
            await asyncio.sleep(1)
            mem = rss_mb(api_pid)
            await asyncio.gather(*(c.close() for c in clients))
            return mem

        idle_mem = asyncio.run(hold())
        base = baseline(stack.env["REDIS_URL"], args.jobs, min(args.seconds, 10), tmp)
    finally:
        stack.stop()
    rows = [
        ("figure", "Roundhouse relay (WebSocket)", "celery-progress style (poll 500 ms)"),
        ("latency p50", f"{pct(lat, 50):.1f} ms", f"{base['p50']:.1f} ms"),
        ("latency p99", f"{pct(lat, 99):.1f} ms", f"{base['p99']:.1f} ms"),
        (
            "events received",
            f"{full}/{total} clients got every event ({len(lat)} frames)",
            f"{base['seen'] * 100:.0f}% of updates ever shown",
        ),
        ("API memory", f"{base_mem:.0f} MB idle; {idle_mem:.0f} MB with {args.idle} clients", "-"),
    ]
    print(
        f"bench.relay: {args.jobs} jobs x 10 events/s, {args.clients} clients, "
        f"{args.seconds:.0f} s\n"
    )
    print(table(rows))


if __name__ == "__main__":
    main()

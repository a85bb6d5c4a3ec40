"""python -m bench.load: 1,000 WebSocket clients on 200 live jobs, then 200 download POSTs/s.

Live phase: 200 `demo.count` jobs (10 progress events a second each) run at once on two
Celery workers (thread pools); 1,000 WebSocket clients, 5 per job, watch them on one API
process (gunicorn + gevent) for `--seconds`. Figures: clients that got every event of their
job, relay latency (client receive time minus the worker's write time), API memory (RSS),
Redis commands a second (total_commands_processed over the phase, and INFO's instantaneous
figure sampled every second). Then `POST /api/providers/models/download` against a fake
Ollama process: every POST a distinct model name (each one creates a pull job) at each rate of
`--steps` (50, 100, 150, 200 a second), then every POST the same name at `--rate` (the first
creates it, the rest join it through dedup). The POSTs go out open-loop on a schedule from a
lean HTTP client (bench/_http.py); the table says how far the sender ever fell behind it. No
worker consumes the download queue, so the pulls stay queued: the figures are the API's own
cost (validation, Ollama check, job creation, enqueue, place in line).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
import redis

from bench._posts import cpu_s, post_phase
from bench._stack import own_stack
from bench.relay import completeness
from bench.stats import pct, rss_mb, table
from bench.wsclient import WsClient
from roundhouse.cli.stack import Stack, free_port, wait_port


def start(args: argparse.Namespace, tmp: Path) -> tuple[Stack, str]:
    """Redis, a fake Ollama, two thread-pool workers and one API process."""
    stack = own_stack(tmp)
    try:
        return stack, _start(args, stack)
    except BaseException:
        stack.stop()
        raise


def _start(args: argparse.Namespace, stack: Stack) -> str:
    port = free_port()
    fake = [sys.executable, "-m", "bench._ollama", "--port", str(port)]
    wait_port(port, proc=stack._spawn("ollama", fake))
    stack.env["OLLAMA_BASE_URL"] = f"http://127.0.0.1:{port}"
    per_worker = args.jobs // 2 + 4
    for name in ("worker1", "worker2"):
        stack.start_worker(name, per_worker, queues="default", pool="threads", loglevel="WARNING")
    url = stack.start_api(free_port(), workers=args.api_workers)
    stack.wait_worker(url)
    return url


def cpu_by_role(stack: Stack) -> dict[str, float]:
    """CPU seconds so far: the API, both workers, Redis and this process (the clients)."""
    pids = {name: proc.pid for name, proc in stack.procs.items()}
    return {
        "api": cpu_s(pids["api"]),
        "workers": cpu_s(pids["worker1"]) + cpu_s(pids["worker2"]),
        "redis": cpu_s(pids["redis"]),
        "clients": cpu_s(os.getpid(), children=False),
    }


class Sampler(threading.Thread):
    """Once a second: Redis ops/s, running jobs and API memory, until stopped."""

    def __init__(self, redis_url: str, api_pid: int) -> None:
        super().__init__(daemon=True)
        self.r = redis.Redis.from_url(redis_url, decode_responses=True)
        self.api_pid, self.stop = api_pid, threading.Event()
        self.ops: list[int] = []
        self.running: list[int] = []
        self.rss: list[float] = []

    def commands(self) -> int:
        return int(self.r.info("stats")["total_commands_processed"])

    def run(self) -> None:
        while not self.stop.wait(1.0):
            self.ops.append(int(self.r.info("stats")["instantaneous_ops_per_sec"]))
            self.running.append(int(self.r.zcard("rh:running")))
            self.rss.append(rss_mb(self.api_pid))


async def watch(
    ws: WsClient, job_id: str, until: float, lat: list[tuple[float, float]], tally: dict
) -> None:
    """Every frame of one job until it ends: (receive time, latency ms) and the seqs seen."""
    first, seqs = 0, []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout_at(until):  # one timer, not one per frame: clients stay cheap
            while (raw := await ws.recv()) is not None:
                now = time.time()
                msg = json.loads(raw)
                if msg.get("type") == "snapshot":
                    first = msg["jobs"][0]["seq"]
                    continue
                seqs.append(msg["seq"])
                lat.append((now, (now - msg["ts"]) * 1000))
                if msg.get("state") in ("succeeded", "failed", "cancelled"):
                    break
    tally[job_id].append((first, seqs))
    await ws.close()


async def live_phase(port: int, ids: list[str], per_job: int, until: float):  # type: ignore[no-untyped-def]
    """Connect per_job clients to each job (100 at a time), then follow them all."""
    pairs = [job_id for job_id in ids for _ in range(per_job)]
    clients: list[WsClient] = []
    for i in range(0, len(pairs), 100):
        batch = pairs[i : i + 100]
        conns = await asyncio.gather(*(WsClient.connect("127.0.0.1", port) for _ in batch))
        await asyncio.gather(
            *(ws.send_json({"subscribe": [j]}) for ws, j in zip(conns, batch, strict=True))
        )
        clients += conns
    connected = time.time()
    lat: list[tuple[float, float]] = []
    tally: dict[str, list] = {i: [] for i in ids}
    await asyncio.gather(
        *(watch(ws, j, until, lat, tally) for ws, j in zip(clients, pairs, strict=True))
    )
    return lat, tally, connected


def run_live(args: argparse.Namespace, stack: Stack, url: str) -> dict[str, object]:
    api_pid = stack.procs["api"].pid
    sampler = Sampler(stack.env["REDIS_URL"], api_pid)
    idle_mb, before, cpu_before = rss_mb(api_pid), sampler.commands(), cpu_by_role(stack)
    began = time.monotonic()
    sampler.start()
    body = {"kind": "demo.count", "params": {"steps": int(args.seconds * 10), "interval": 0.1}}
    with httpx.Client(base_url=url, timeout=30) as http:
        ids = [http.post("/api/jobs", json=body).json()["id"] for _ in range(args.jobs)]
        port = int(url.rsplit(":", 1)[1])
        until = time.monotonic() + args.seconds + 30
        lat, tally, connected = asyncio.run(live_phase(port, ids, args.clients // args.jobs, until))
        sampler.stop.set()
        sampler.join()
        elapsed, commands = time.monotonic() - began, sampler.commands() - before
        cpu = {k: (v - cpu_before[k]) / elapsed for k, v in cpu_by_role(stack).items()}
        finals = {i: http.get(f"/api/jobs/{i}").json() for i in ids}
    full, total = completeness({i: j["seq"] for i, j in finals.items()}, tally)
    return {
        "lat": [ms for _, ms in lat],
        "steady": [ms for at, ms in lat if at > connected + 2],
        "full": full,
        "total": total,
        "succeeded": sum(j["state"] == "succeeded" for j in finals.values()),
        "idle_mb": idle_mb,
        "peak_mb": max(sampler.rss, default=float("nan")),
        "ops_avg": commands / elapsed,
        "ops_p50": pct(sampler.ops, 50),
        "ops_max": max(sampler.ops, default=0),
        "running_max": max(sampler.running, default=0),
        "cpu": ", ".join(f"{k} {v:.2f}" for k, v in cpu.items()),
    }


def live_rows(args: argparse.Namespace, live: dict) -> list[tuple[str, str, str]]:
    lat, steady, per_job = live["lat"], live["steady"], args.clients // args.jobs
    ms = "{:.1f} / {:.1f} ms".format
    return [
        ("figure", "value", "note"),
        ("jobs running at once (max)", str(live["running_max"]),
         f"{live['succeeded']}/{args.jobs} succeeded"),
        ("clients with every event", f"{live['full']}/{live['total']}",
         f"{per_job} per job, {len(lat)} frames"),
        ("relay latency p50 / p99", ms(pct(lat, 50), pct(lat, 99)), "every frame"),
        ("  steady p50 / p99", ms(pct(steady, 50), pct(steady, 99)),
         "from 2 s after the last client connected"),
        ("API memory (RSS)", f"{live['idle_mb']:.0f} MB idle, {live['peak_mb']:.0f} MB peak",
         "one gunicorn gevent process"),
        ("CPU cores busy (average)", live["cpu"], f"of {psutil.cpu_count()} on this machine"),
        ("Redis commands/s", f"{live['ops_avg']:.0f} average",
         f"instantaneous p50 {live['ops_p50']:.0f}, max {live['ops_max']}"),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=200.0, help="download POSTs a second")
    parser.add_argument("--post-seconds", type=float, default=10.0)
    parser.add_argument(
        "--steps",
        default="50,100,150,200",
        help="rates (POSTs/s) for the distinct-name phase, one run each",
    )
    parser.add_argument(
        "--api-workers", type=int, default=1, help="API processes (gunicorn workers) on the port"
    )
    parser.add_argument("--posts-only", action="store_true", help="skip the live phase")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    stack, url = start(args, tmp)
    try:
        live = None if args.posts_only else run_live(args, stack, url)
        steps = [float(x) for x in args.steps.split(",") if x]
        posts = post_phase(url, stack.procs["api"].pid, args.rate, args.post_seconds, steps)
    finally:
        stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    rows = (live_rows(args, live) if live else [("figure", "value", "note")]) + posts
    load = os.getloadavg()[0]
    print(
        f"bench.load: {args.jobs} jobs x 10 events/s, {args.clients} WebSocket clients, "
        f"{args.seconds:.0f} s; then download POSTs at {args.steps}/s; {args.api_workers} API "
        f"process(es); load average {load:.2f} ({psutil.cpu_count()} cores)\n"
    )
    print(table(rows))


if __name__ == "__main__":
    main()

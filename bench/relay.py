"""python -m bench.relay: the relay's capacity and cost, against a bare forwarder, step by step.

At each step the event rate goes up (jobs x 10 progress events a second, XADDed to the feed by
a separate process, as workers do through the job script). `--clients` WebSocket clients watch
every job, first on the Roundhouse API (one gunicorn gevent process; coalescing, lists of
events per message) and then on the floor: a gevent process doing XREAD and sending each entry
to every socket, with no logic (bench/_forwarder.py). Per step and server: events delivered
to the clients per second, the server process's CPU per delivered event (from
/proc/<pid>/stat; also net of the process's own background CPU, measured apart with nothing
to relay), latency p50/p99 (client receive time minus the event's write time), and
whether every client got every job's final state (written through the real job store).

    .venv/bin/python -m bench.relay [--steps 100,200,400,800,1600] [--clients 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import redis

from bench import _feedgen
from bench._stack import own_stack
from bench.stats import pct
from bench.wsclient import WsClient
from roundhouse.cli.stack import Stack, free_port, wait_port
from roundhouse.core.jobs import JobStore
from roundhouse.core.keys import Keys
from roundhouse.core.models import JobState

FINAL = ("succeeded", "failed", "cancelled")


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (/proc/<pid>/stat fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def idle_ticks_per_s(pid: int, seconds: float) -> float:
    """The server's own background CPU (watchdog, health, metrics) with nothing to relay."""
    before = cpu_ticks(pid)
    time.sleep(seconds)
    return (cpu_ticks(pid) - before) / seconds


def worker_pid(master: int) -> int:
    """gunicorn's one worker: the process doing the work."""
    for _ in range(100):
        kids = psutil.Process(master).children()
        if kids:
            return kids[0].pid
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


@dataclass
class Tally:
    """What the clients of one server saw during one step."""

    latencies: list[float] = field(default_factory=list)
    connected: int = 0
    events: int = 0
    messages: int = 0
    finals: list[set[str]] = field(default_factory=list)


async def client(port: int, tally: Tally, until: float, want: set[str]) -> None:
    ws = await WsClient.connect("127.0.0.1", port)
    await ws.send_json({"subscribe": "all", "batch": True})
    tally.connected += 1
    finals: set[str] = set()
    tally.finals.append(finals)
    with contextlib.suppress(TimeoutError, asyncio.IncompleteReadError, ConnectionError):
        async with asyncio.timeout_at(until):
            while finals < want and (raw := await ws.recv()) is not None:
                now = time.time()
                data = json.loads(raw)
                tally.messages += 1
                for ev in data if isinstance(data, list) else [data]:
                    if ev.get("type") != "job":
                        continue
                    tally.events += 1
                    tally.latencies.append((now - ev["ts"]) * 1000)
                    if ev.get("state") in FINAL:
                        finals.add(ev["id"])
    await ws.close()


class Run:
    """One step against one server."""

    def __init__(self, stack: Stack, store: JobStore, prefix: str, args: argparse.Namespace):
        self.stack, self.store, self.prefix, self.args = stack, store, prefix, args
        self.idle: dict[int, float] = {}  # pid -> background ticks a second

    def step(self, port: int, pid: int, rate: int) -> dict[str, float]:
        jobs = max(1, rate // 10)
        ids = [self.store.create("demo.count", {})[0]["id"] for _ in range(jobs)]
        return asyncio.run(self._step(port, pid, rate, ids))

    async def _step(self, port: int, pid: int, rate: int, ids: list[str]) -> dict[str, float]:
        tally, seconds = Tally(), self.args.seconds
        until = asyncio.get_running_loop().time() + seconds + 15
        tasks = [
            asyncio.create_task(client(port, tally, until, set(ids)))
            for _ in range(self.args.clients)
        ]
        while tally.connected < len(tasks):
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # past their snapshot
        tally.latencies.clear()
        tally.events = tally.messages = 0
        proc, out = _feedgen.start(self.stack.env["REDIS_URL"], self.prefix, ids, rate, seconds)
        began, cpu0 = time.monotonic(), cpu_ticks(pid)
        await asyncio.to_thread(proc.join)
        took, cpu = time.monotonic() - began, cpu_ticks(pid) - cpu0
        delivered = tally.events
        net = cpu - self.idle.get(pid, 0.0) * took
        for job_id in ids:
            self.store.finish(job_id, JobState.SUCCEEDED, {"message": "done"}, allowed=("queued",))
        await asyncio.gather(*tasks)
        full = sum(f >= set(ids) for f in tally.finals)
        return {
            "offered": out.get() * self.args.clients / took,
            "delivered": delivered / took,
            "cpu_us": cpu / os.sysconf("SC_CLK_TCK") / max(1, delivered) * 1e6,
            "net_us": max(0.0, net) / os.sysconf("SC_CLK_TCK") / max(1, delivered) * 1e6,
            "p50": pct(tally.latencies, 50),
            "p99": pct(tally.latencies, 99),
            "full": full,
            "per_msg": delivered / max(1, tally.messages),
        }


def start(tmp: Path) -> tuple[Stack, dict[str, tuple[int, int]]]:
    """Redis, the Roundhouse API and the forwarder; {name: (port, worker pid)}."""
    stack = own_stack(tmp)
    servers = {}
    port = free_port()
    stack.start_api(port)
    servers["roundhouse"] = (port, worker_pid(stack.procs["api"].pid))
    port = free_port()
    argv = [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1"]
    argv += ["--worker-connections", "4000", "-b", f"127.0.0.1:{port}", "bench._forwarder:app"]
    wait_port(port, proc=stack._spawn("forwarder", argv))
    servers["forwarder"] = (port, worker_pid(stack.procs["forwarder"].pid))
    return stack, servers


def report(
    args: argparse.Namespace,
    results: dict[str, list[dict[str, float]]],
    run_idle: dict[str, float],
) -> None:
    ours, floor = results["roundhouse"], results["forwarder"]
    capacity = max(r["delivered"] for r in floor)
    load = os.getloadavg()
    print(
        f"bench.relay: {args.clients} clients watching every job, {args.seconds:.0f} s per step;"
        f" load average {load[0]:.2f} ({os.cpu_count()} cores); forwarder capacity "
        f"{capacity:.0f} events/s; background CPU with nothing to relay: "
        + ", ".join(f"{n} {run_idle[n]:.1f} ms/s" for n in run_idle)
        + "\n"
    )
    head = ("to deliver/s", "server", "delivered/s", "CPU µs/event", "vs forwarder",
            "net of idle µs", "vs forwarder", "p50 ms", "p99 ms", "all finals",
            "events/msg")  # fmt: skip
    rows = [head]
    for a, b in zip(ours, floor, strict=True):
        for name, r in (("roundhouse", a), ("forwarder", b)):
            rows.append((
                f"{r['offered']:.0f}" + (" (<80%)" if r["offered"] < 0.8 * capacity else ""),
                name, f"{r['delivered']:.0f}", f"{r['cpu_us']:.1f}",
                f"{r['cpu_us'] / b['cpu_us']:.2f}", f"{r['net_us']:.1f}",
                f"{r['net_us'] / max(b['net_us'], 1e-9):.2f}", f"{r['p50']:.1f}", f"{r['p99']:.1f}",
                f"{r['full']}/{args.clients}", f"{r['per_msg']:.1f}",
            ))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    print("\n".join(lines))


def completeness(store_events: dict[str, int], tally: dict[str, list]) -> tuple[int, int]:
    """(clients that got every event after their snapshot, clients in all): for bench.load."""
    full = total = 0
    for job_id, runs in tally.items():
        for first, seqs in runs:
            total += 1
            full += seqs == list(range(first + 1, store_events[job_id] + 1))
    return full, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="100,200,400,800,1600", help="events written a second")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="background CPU")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-relay-"))
    stack, servers = start(tmp)
    prefix = "rh:"
    r = redis.Redis.from_url(stack.env["REDIS_URL"], decode_responses=True)
    run = Run(stack, JobStore(r, Keys(prefix)), prefix, args)
    results: dict[str, list[dict[str, float]]] = {name: [] for name in servers}
    try:
        for port, pid in servers.values():  # warm: imports, relay thread, first sockets
            run.step(port, pid, 100)
        for _, pid in servers.values():
            run.idle[pid] = idle_ticks_per_s(pid, args.idle_seconds)
        for rate in (int(x) for x in args.steps.split(",")):
            for name, (port, pid) in servers.items():
                results[name].append(run.step(port, pid, rate))
    finally:
        stack.stop()
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    report(args, results, {n: run.idle.get(pid, 0.0) * tick_ms for n, (_, pid) in servers.items()})


if __name__ == "__main__":
    main()

"""python -m bench.services: Start pressed -> badge green, minus the service's own start-up.

A real stack (Redis, a prefork Celery worker, the API) whose Flux command is the fake service
with a known --delay. For each of N starts: the time of the POST, and the time the page's
WebSocket gets the "service" event with state "running" (what turns the badge green). In the
same run, the baseline: the same command spawned directly, until it logs that it listens — the
service's own start-up. Overhead = (POST -> green) - own start-up. Breakdown from the event's
`started_at` (just before the spawn) and the service's own "listening at" log line.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench._stack import own_stack
from bench.stats import pct, table
from roundhouse.cli.stack import Stack, free_port
from tests.wsclient import Live

HOST = "bench-services"
LISTENING = re.compile(r"listening at (\d+\.\d+)")


def command(port: int, delay: float) -> list[str]:
    return [sys.executable, "-m", "tests.fakes.service", "--port", str(port), "--delay", str(delay)]


def own_startup(port: int, delay: float, runs: int) -> list[float]:
    """Spawn the service directly; seconds until it says it listens."""
    out = []
    for _ in range(runs):
        began = time.time()
        proc = subprocess.Popen(command(port, delay), stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        for line in proc.stdout:
            if m := LISTENING.search(line):
                out.append(float(m.group(1)) - began)
                break
        proc.terminate()
        proc.wait(10)
    return out


def start_stack(tmp: Path, port: int, delay: float) -> tuple[Stack, str]:
    stack = own_stack(
        tmp,
        ROUNDHOUSE_HOSTNAME=HOST,
        ROUNDHOUSE_FLUX_COMMAND=" ".join(command(port, delay)),
        FLUX_API_URL=f"http://127.0.0.1:{port}",
    )
    stack.start_worker(concurrency=2, loglevel="WARNING")
    url = stack.start_api(free_port())
    stack.wait_worker(url)
    return stack, url


def service_event(live: Live, state: str) -> tuple[dict, float]:
    frames = live.until(
        lambda f: f.get("type") == "service" and f.get("service") == "flux" and f["state"] == state,
        timeout=60,
    )
    return frames[-1], time.time()


def one_start(url: str, live: Live) -> dict[str, float]:
    posted = time.time()
    r = httpx.post(f"{url}/api/providers/services/start", json={"service": "flux"}, timeout=30)
    r.raise_for_status()
    event, green = service_event(live, "running")
    listened = float(LISTENING.findall(Path(event["log_path"]).read_text())[-1])
    httpx.post(f"{url}/api/providers/services/stop", json={"service": "flux"}, timeout=30)
    service_event(live, "stopped")
    return {
        "total": green - posted,
        "to_spawn": event["started_at"] - posted,
        "spawn_to_listen": listened - event["started_at"],
        "listen_to_green": green - listened,
    }


def ms(values: list[float], p: float) -> str:
    return f"{pct(values, p) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.3, help="the service's own delay (s)")
    args = parser.parse_args()
    port = free_port()
    baseline = own_startup(port, args.delay, args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        stack, url = start_stack(Path(tmp), port, args.delay)
        live = Live(url.replace("http", "ws") + "/ws", {"subscribe": "all"})
        try:
            one_start(url, live)  # warm-up: imports in the worker's pool process
            runs = [one_start(url, live) for _ in range(args.runs)]
        finally:
            live.close()
            stack.stop()
    own = pct(baseline, 50)
    col = {k: [r[k] for r in runs] for k in runs[0]}
    overhead = [t - own for t in col["total"]]
    rows = [
        ("figure", "p50", "p90"),
        ("service's own start-up (direct spawn, baseline)", ms(baseline, 50), ms(baseline, 90)),
        ("Start pressed -> badge green", ms(col["total"], 50), ms(col["total"], 90)),
        ("overhead Roundhouse adds (target < 300 ms)", ms(overhead, 50), ms(overhead, 90)),
        (
            "  POST -> spawn (API, queue, claim, checks)",
            ms(col["to_spawn"], 50),
            ms(col["to_spawn"], 90),
        ),
        (
            "  spawn -> listening (keeper + service)",
            ms(col["spawn_to_listen"], 50),
            ms(col["spawn_to_listen"], 90),
        ),
        (
            "  listening -> green (health poll, record, event)",
            ms(col["listen_to_green"], 50),
            ms(col["listen_to_green"], 90),
        ),
    ]
    print(f"{args.runs} starts of a service with --delay {args.delay} s, one worker (prefork)")
    print(table(rows))
    ratio = pct(col["total"], 50) / own if own else float("nan")
    print(f"green time / own start-up (p50): {ratio:.2f}x")


if __name__ == "__main__":
    main()

"""`roundhouse jobs --follow` rides out an API restart: it reconnects and misses no event."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.helpers import wait_for, wait_state
from tests.integration.cli_run import demo, json_lines, start
from tests.stacks import start_stack

pytestmark = pytest.mark.stack


def collect(stream: IO[str] | None, into: list[str]) -> threading.Thread:
    """Read a pipe line by line in the background, so neither pipe fills while we wait."""
    assert stream is not None
    thread = threading.Thread(target=lambda: into.extend(iter(stream.readline, "")), daemon=True)
    thread.start()
    return thread


def test_follow_reconnects_after_api_restart_without_gaps(tmp_path: Path, redis_base: str) -> None:
    ts = start_stack(tmp_path, redis_base)
    out: list[str] = []
    err: list[str] = []
    try:
        job_id = demo(ts.url, steps=100_000, interval=0.04)  # runs until cancelled below
        wait_state(ts, job_id, {"running"})
        follower = start(ts.url, "jobs", "--follow", job_id, "--json")
        readers = [collect(follower.stdout, out), collect(follower.stderr, err)]
        wait_for(lambda: out, 60, what="the follower's first frame")
        ts.stack.stop("api")
        ts.stack.start_api(ts.port)
        wait_for(lambda: any("reconnecting" in line for line in err), 60, what="a reconnect")
        heard = len(out)
        wait_for(lambda: len(out) > heard + 2, 60, what="live frames after the reconnect")
        assert httpx.post(f"{ts.url}/api/jobs/{job_id}/cancel", timeout=30).status_code == 200
        follower.wait(timeout=60)
        for reader in readers:
            reader.join(timeout=10)
    finally:
        ts.stop()
    assert follower.returncode == 3, "".join(err)
    frames = json_lines("".join(out))
    first = frames[0]
    assert first["type"] == "snapshot"
    start_seq = first["jobs"][0]["seq"]
    seqs = [f["seq"] for f in frames if f.get("type") == "job"]
    assert seqs == list(range(start_seq + 1, start_seq + 1 + len(seqs)))
    assert frames[-1]["state"] == "cancelled"

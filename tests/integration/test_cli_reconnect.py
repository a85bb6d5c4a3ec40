"""`roundhouse jobs --follow` rides out an API restart: it reconnects and misses no event."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.cli_run import demo, json_lines, start
from tests.integration.test_spine import wait_state
from tests.stacks import start_stack

pytestmark = pytest.mark.stack


def test_follow_reconnects_after_api_restart_without_gaps(tmp_path: Path, redis_base: str) -> None:
    ts = start_stack(tmp_path, redis_base)
    try:
        job_id = demo(ts.url, steps=150, interval=0.04)
        follower = start(ts.url, "jobs", "--follow", job_id, "--json")
        assert follower.stdout is not None
        seen = follower.stdout.readline()  # the follower is connected and has its first frame
        wait_state(ts, job_id, {"running"})
        ts.stack.stop("api")
        ts.stack.start_api(ts.port)
        out, err = follower.communicate(timeout=120)
        out = seen + out
    finally:
        ts.stop()
    assert follower.returncode == 0, err
    assert "reconnecting" in err
    frames = json_lines(out)
    first = frames[0]
    start_seq = first["jobs"][0]["seq"] if first["type"] == "snapshot" else first["seq"] - 1
    seqs = [f["seq"] for f in frames if f.get("type") == "job"]
    assert seqs == list(range(start_seq + 1, start_seq + 1 + len(seqs)))
    assert frames[-1]["state"] == "succeeded"

"""Clear finished jobs over HTTP and from the CLI: records purged, live jobs kept, every open
page told with a `jobs_cleared` event, bad input refused with nothing changed."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import wait_state
from tests.integration.cli_run import demo, rh
from tests.stacks import TestStack
from tests.wsclient import Live

pytestmark = pytest.mark.stack


def events(frame: object) -> list[dict]:
    return frame if isinstance(frame, list) else [frame]  # type: ignore[return-value]


def test_cli_clear_purges_finished_jobs_and_pages_hear_of_it(stack: TestStack) -> None:
    live_id = demo(stack.url, steps=100_000, interval=0.05)  # runs until cancelled at the end
    done_id = demo(stack.url, steps=2, interval=0.01)
    failed_id = demo(stack.url, steps=3, interval=0.01, fail_at=2)
    wait_state(stack, done_id, {"succeeded"})
    wait_state(stack, failed_id, {"failed"})
    wait_state(stack, live_id, {"running"})
    page = Live(stack.ws_url, {"subscribe": "all"})
    try:
        bad = httpx.post(f"{stack.url}/api/jobs/clear", json={"older_than_s": -5})
        assert bad.status_code == 400 and "older_than_s" in bad.json()["message"]
        assert httpx.get(f"{stack.url}/api/jobs/{done_id}").status_code == 200  # nothing changed

        out = rh(stack.url, "jobs", "--clear")
        assert out.returncode == 0, out.stderr
        assert out.stdout.startswith("Cleared ") and "finished job" in out.stdout

        for job_id in (done_id, failed_id):
            assert httpx.get(f"{stack.url}/api/jobs/{job_id}").status_code == 404
            assert not stack.store().r.exists(stack.store().keys.job_events(job_id))
        listed = httpx.get(f"{stack.url}/api/jobs", params={"limit": 500}).json()["jobs"]
        assert {j["state"] for j in listed} <= {"queued", "running", "paused"}
        assert httpx.get(f"{stack.url}/api/jobs/{live_id}").json()["state"] == "running"

        frames = page.until(lambda f: any(e.get("type") == "jobs_cleared" for e in events(f)))
        cleared = next(e for e in events(frames[-1]) if e.get("type") == "jobs_cleared")
        assert {done_id, failed_id} <= set(cleared["ids"]) and live_id not in cleared["ids"]
        again = rh(stack.url, "jobs", "--clear")
        assert again.stdout.strip() == "No finished jobs to clear."
    finally:
        page.close()
        httpx.post(f"{stack.url}/api/jobs/{live_id}/cancel")

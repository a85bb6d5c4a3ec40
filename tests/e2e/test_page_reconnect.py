"""The API killed and started again while a page watches running jobs: the page reconnects
(#conn back to live), a job that finished while the API was away shows its final state,
and a job still running carries its bar on to done.

Own stack: its API process is stopped and started again on the same port.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.stacks import TestStack, start_stack

LONG = 60_000  # ms: generous, the machine is shared


@pytest.fixture
def own_stack(redis_base: str, tmp_path: Path) -> Iterator[TestStack]:
    ts = start_stack(tmp_path, redis_base)
    yield ts
    ts.stop()


def demo(ts: TestStack, steps: int, interval: float) -> str:
    body = {"kind": "demo.count", "params": {"steps": steps, "interval": interval}}
    r = httpx.post(f"{ts.url}/api/jobs", json=body, timeout=10)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def bar(page: Page, job_id: str) -> float:
    return float(page.locator(f"#job-{job_id} .bar").get_attribute("aria-valuenow") or 0)


def wait_stored(ts: TestStack, job_id: str, state: str, timeout: float = 60) -> None:
    """Read Redis directly: the API is down while this waits."""
    deadline = time.monotonic() + timeout
    while ts.store().get(job_id)["state"] != state:
        assert time.monotonic() < deadline, f"job {job_id} never {state}"
        time.sleep(0.1)


def test_page_reconnects_after_an_api_restart(page: Page, own_stack: TestStack) -> None:
    page.goto(own_stack.url)
    conn = page.locator("#conn")
    expect(conn).to_have_attribute("data-state", "live", timeout=LONG)
    short = demo(own_stack, steps=50, interval=0.1)
    long = demo(own_stack, steps=120, interval=0.1)
    for job_id in (short, long):
        expect(page.locator(f"#job-{job_id}")).to_have_attribute(
            "data-state", "running", timeout=LONG
        )
    page.wait_for_function(
        f"Number(document.querySelector('#job-{short} .bar')?.getAttribute('aria-valuenow')) > 5",
        timeout=LONG,
    )

    # SIGKILL: a graceful stop keeps serving open sockets for up to 5 s, so the short job's
    # last events could still get through; a crash makes sure they happen while we are away
    own_stack.stack.stop("api", sig=signal.SIGKILL)
    expect(conn).to_have_attribute("data-state", "down", timeout=LONG)
    wait_stored(own_stack, short, "succeeded")  # its final event happens while we are away
    before = bar(page, long)
    assert page.locator(f"#job-{short}").get_attribute("data-state") == "running"
    own_stack.stack.start_api(own_stack.port)

    expect(conn).to_have_attribute("data-state", "live", timeout=LONG)
    short_card = page.locator(f"#job-{short}")
    expect(short_card).to_have_attribute("data-state", "succeeded", timeout=LONG)
    assert bar(page, short) == 100
    expect(short_card.locator(".stage")).to_have_text("Counted to 50")

    long_card = page.locator(f"#job-{long}")
    page.wait_for_function(
        f"Number(document.querySelector('#job-{long} .bar')?.getAttribute('aria-valuenow'))"
        f" > {before}",
        timeout=LONG,
    )
    expect(long_card).to_have_attribute("data-state", "succeeded", timeout=LONG)
    assert bar(page, long) == 100
    expect(long_card.locator(".stage")).to_have_text("Counted to 120")

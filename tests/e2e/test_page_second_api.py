"""The page served by a second API process (2 gevent workers) shows, live, a job made through
the first: each process's relay reads the same feed; lists of events reach the page's store."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.stacks import TestStack


def test_page_on_a_second_api_process_follows_a_job_to_done(
    page: Page, stack: TestStack, second_api: str
) -> None:
    page.goto(second_api)
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    # 10 s of running: a 2 s job once ended, at load 16, before the page had shown it running
    params = {"steps": 200, "interval": 0.05}
    r = httpx.post(f"{stack.url}/api/jobs", json={"kind": "demo.count", "params": params})
    job_id = r.json()["id"]
    card = page.locator(f"#job-{job_id}")
    expect(card).to_have_attribute("data-state", "running")
    expect(card).to_have_attribute("data-state", "succeeded", timeout=60_000)
    bar = card.locator(".bar")
    expect(bar).to_have_attribute("aria-valuenow", "100")

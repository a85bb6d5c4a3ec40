"""The page served by a second API process (2 gevent workers) shows, live, a job made through
the first: each process's relay reads the same feed; lists of events reach the page's store."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from roundhouse.cli.stack import free_port
from tests.stacks import TestStack


@pytest.fixture
def second_api(stack: TestStack) -> Iterator[str]:
    name = f"api-page-{free_port()}"
    url = stack.stack.start_api(free_port(), name=name, workers=2)
    yield url
    stack.stack.stop(name)


def test_page_on_a_second_api_process_follows_a_job_to_done(
    page: Page, stack: TestStack, second_api: str
) -> None:
    page.goto(second_api)
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    params = {"steps": 40, "interval": 0.05}
    r = httpx.post(f"{stack.url}/api/jobs", json={"kind": "demo.count", "params": params})
    job_id = r.json()["id"]
    card = page.locator(f"#job-{job_id}")
    expect(card).to_have_attribute("data-state", "running", timeout=20_000)
    expect(card).to_have_attribute("data-state", "succeeded", timeout=20_000)
    bar = card.locator(".bar")
    expect(bar).to_have_attribute("aria-valuenow", "100")

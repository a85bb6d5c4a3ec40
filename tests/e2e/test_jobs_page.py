"""The page in real headless Chromium: a job's bar moves to done, and survives a reload."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.stacks import TestStack


def bar_percent(page: Page, job_id: str) -> float:
    value = page.locator(f"#job-{job_id} .bar").get_attribute("aria-valuenow")
    return float(value or 0)


def test_job_progress_to_done_and_reload_mid_job(page: Page, stack: TestStack) -> None:
    page.goto(stack.url)
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    r = httpx.post(f"{stack.url}/api/jobs", json={"kind": "demo.count",
                                                  "params": {"steps": 60, "interval": 0.05}})
    job_id = r.json()["id"]
    card = page.locator(f"#job-{job_id}")
    expect(card).to_have_attribute("data-state", "running", timeout=20_000)
    page.wait_for_function(
        f"Number(document.querySelector('#job-{job_id} .bar')?.getAttribute('aria-valuenow')) > 15")
    before = bar_percent(page, job_id)

    page.reload()
    card = page.locator(f"#job-{job_id}")
    expect(card).to_be_visible()
    assert bar_percent(page, job_id) >= before  # shown at once from the snapshot
    expect(card).to_have_attribute("data-state", "succeeded", timeout=20_000)
    assert bar_percent(page, job_id) == 100
    expect(card.locator(".stage")).to_have_text("Counted to 60")


def test_start_and_cancel_from_the_page(page: Page, stack: TestStack) -> None:
    page.goto(stack.url)
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    page.fill("#demo-form input[name=steps]", "5000")
    page.click("#demo-form button[type=submit]")
    running = page.locator(".job[data-state=running]").first
    expect(running).to_be_visible(timeout=20_000)
    card = page.locator(f"#job-{running.get_attribute('data-id')}")
    card.get_by_role("button", name="Cancel").click()
    expect(card).to_have_attribute("data-state", "cancelled")
    expect(card.get_by_role("button", name="Cancel")).to_have_count(0)


def test_bad_input_shows_the_servers_message(page: Page, stack: TestStack) -> None:
    page.goto(stack.url)
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    page.fill("#demo-form input[name=steps]", "0")
    page.evaluate("document.querySelector('#demo-form input[name=steps]').removeAttribute('min')")
    page.click("#demo-form button[type=submit]")
    expect(page.locator("#demo-form .form-error")).to_have_text(re.compile("steps must be"))

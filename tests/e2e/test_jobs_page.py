"""The page in real headless Chromium: a job's bar moves to done, and survives a reload."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.e2e.page_tools import record_states, states_seen
from tests.stacks import TestStack


def bar_percent(page: Page, job_id: str) -> float:
    value = page.locator(f"#job-{job_id} .bar").get_attribute("aria-valuenow")
    return float(value or 0)


def test_job_progress_to_done_and_reload_mid_job(page: Page, stack: TestStack) -> None:
    page.goto(stack.url)
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    r = httpx.post(
        f"{stack.url}/api/jobs",
        json={"kind": "demo.count", "params": {"steps": 60, "interval": 0.05}},
    )
    job_id = r.json()["id"]
    record_states(page, f"#job-{job_id}")  # a 3 s job: noted by the page, not polled for
    card = page.locator(f"#job-{job_id}")
    page.wait_for_function(
        f"Number(document.querySelector('#job-{job_id} .bar')?.getAttribute('aria-valuenow')) > 15"
    )
    assert "running" in states_seen(page), states_seen(page)
    before = bar_percent(page, job_id)

    page.reload()
    card = page.locator(f"#job-{job_id}")
    expect(card).to_be_visible()
    assert bar_percent(page, job_id) >= before  # shown at once from the snapshot
    expect(card).to_have_attribute("data-state", "succeeded")
    assert bar_percent(page, job_id) == 100
    expect(card.locator(".stage")).to_have_text("Counted to 60")


def test_start_and_cancel_from_the_page(page: Page, stack: TestStack) -> None:
    page.goto(stack.url)
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    page.fill("#demo-form input[name=steps]", "5000")
    page.click("#demo-form button[type=submit]")
    running = page.locator(".job[data-state=running]").first
    expect(running).to_be_visible()
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


def test_drawer_scrolls_folds_logs_has_empty_states_and_clears_finished(
    page: Page, stack: TestStack
) -> None:
    def demo(steps: int, **extra: object) -> str:
        body = {"kind": "demo.count", "params": {"steps": steps, "interval": 0.01, **extra}}
        return httpx.post(f"{stack.url}/api/jobs", json=body).json()["id"]

    page.goto(f"{stack.url}/#/")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    done = [demo(2) for _ in range(12)]
    failed = demo(5, fail_at=3)
    for job_id in [*done, failed]:
        expect(page.locator(f"#job-{job_id}")).not_to_have_attribute(
            "data-state", "queued", timeout=30_000
        )
        expect(page.locator(f"#job-{job_id}")).not_to_have_attribute(
            "data-state", "running", timeout=30_000
        )
    # the list scrolls inside the drawer; the page does not grow past the window
    region = page.locator("#jobs-drawer .drawer-scroll")
    assert region.evaluate("e => e.scrollHeight > e.clientHeight")
    assert page.evaluate("document.scrollingElement.scrollHeight") <= 800

    card = page.locator(f"#job-{failed}")
    expect(card.locator(".folded .first")).to_contain_text("asked to fail at step 3")
    filters = page.locator("#jobs-filter")
    filters.select_option("active")
    expect(page.locator("#jobs-empty")).to_have_text("Nothing is running or waiting.")
    filters.select_option("failed")
    expect(card).to_be_visible()
    expect(page.locator(f"#job-{done[0]}")).to_be_hidden()
    filters.select_option("")

    page.get_by_role("button", name="Clear finished").click()
    for job_id in [*done, failed]:
        expect(page.locator(f"#job-{job_id}")).to_have_count(0)
        assert httpx.get(f"{stack.url}/api/jobs/{job_id}").status_code == 404
    filters.select_option("failed")
    expect(page.locator("#jobs-empty")).to_have_text("No failed jobs.")
    page.reload()  # the cached list does not bring them back
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    expect(page.locator(f"#job-{failed}")).to_have_count(0)


def test_long_error_is_folded_behind_show_log(page: Page, stack: TestStack) -> None:
    page.goto(f"{stack.url}/#/")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    page.evaluate("""() => import('/static/store.js').then(s => s.remember({
        id: 'folded-1', kind: 'service.start', params: {service: 'flux'}, state: 'failed',
        created_at: Date.now() / 1000,
        error: 'Flux exited with code 3 before it was ready. Last lines:\\n'
               + Array.from({length: 40}, (_, i) => `log line ${i}`).join('\\n')}))""")
    card = page.locator("#job-folded-1")
    expect(card.locator(".folded .first")).to_have_text(
        "Flux exited with code 3 before it was ready. Last lines:"
    )
    log = card.locator("pre.log")
    expect(log).to_be_hidden()
    card.get_by_text("Show log").click()
    expect(log).to_be_visible()
    expect(log).to_contain_text("log line 39")

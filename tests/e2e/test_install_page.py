"""The Install view in Chromium: stages move to done, pause/resume, updates, uninstall."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.conftest import Fakes
from tests.fakes.gguf_bytes import gguf_bytes
from tests.stacks import TestStack


def new_repo(fakes: Fakes, size: int = 200_000) -> tuple[str, str]:
    stamp = time.time_ns() % 10**10
    repo, name = f"page{stamp}/Page{stamp}-GGUF", f"Page{stamp}-Q4_K_M.gguf"
    fakes.hub.add_file(repo, name, gguf_bytes(size, name="page"))
    return repo, name


def open_view(page: Page, stack: TestStack) -> None:
    page.goto(f"{stack.url}/#install")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    page.locator('#views [data-view="install"]').click()
    expect(page.locator("#install-form")).to_be_visible()


def test_install_runs_through_its_stages_then_update_and_uninstall(
    page: Page, stack: TestStack, fakes: Fakes
) -> None:
    repo, name = new_repo(fakes)
    open_view(page, stack)
    page.fill("#install-form input[name=repo_id]", repo)
    page.locator("#install-form input[name=ollama]").uncheck()
    page.click("#install-form button[type=submit]")
    card = page.locator(".install-job").first
    expect(card).to_have_attribute("data-state", "succeeded", timeout=60_000)
    expect(card.locator('.stages li[data-stage="test"]')).to_have_class("done")
    expect(card.locator(".bar")).to_have_attribute("aria-valuenow", "100")
    row = page.locator("#install-files .file", has_text=repo)
    expect(row).to_contain_text("LM Studio:")

    fakes.hub.add_file(repo, name, gguf_bytes(210_000, name="page v2"))
    page.click("#install-check-updates")
    expect(row.locator(".update.available")).to_contain_text("changed on the Hub")
    known = page.eval_on_selector_all(".install-job", "els => els.map(e => e.id)")
    row.get_by_role("button", name="Update").click()
    page.wait_for_function(
        "known => [...document.querySelectorAll('.install-job')].some(e => !known.includes(e.id))",
        arg=known,
    )
    new_id = page.eval_on_selector_all(
        ".install-job", "(els, known) => els.map(e => e.id).find(id => !known.includes(id))", known
    )
    expect(page.locator(f"#{new_id}")).to_have_attribute("data-state", "succeeded", timeout=60_000)
    page.click("#install-check-updates")
    expect(row.locator(".update")).to_have_text("up to date")

    row.get_by_role("button", name="Remove from LM Studio").click()
    row.get_by_role("button", name="Yes, remove").click()
    expect(row).not_to_contain_text("LM Studio:")
    assert not (fakes.lmstudio_dir / repo).exists()
    row.get_by_role("button", name="Delete file").click()
    row.get_by_role("button", name="Keep").click()  # changing one's mind removes nothing
    expect(row).to_be_visible()
    row.get_by_role("button", name="Delete file").click()
    row.get_by_role("button", name="Yes, remove").click()
    expect(row).to_have_count(0)


def test_pause_and_resume_from_the_page(page: Page, stack: TestStack, fakes: Fakes) -> None:
    repo, name = new_repo(fakes, size=1_500_000)
    open_view(page, stack)
    fakes.hub.trickle(100_000)  # ~15 s: Pause lands mid-download even on a loaded machine
    try:
        page.fill("#install-form input[name=repo_id]", repo)
        page.click("#install-form [data-action=download]")
        card = page.locator(".install-job").first
        expect(card).to_have_attribute("data-stage", "download", timeout=30_000)
        # the card names the repo, the file and where it goes, with speed and time left
        expect(card.locator(".repo")).to_have_text(repo)
        expect(card.locator(".subject")).to_have_text(f"{name} → download only")
        expect(card.locator(".nums")).to_contain_text(re.compile(r"KB/s · \d+s left"))
        card.get_by_role("button", name="Pause").click()
        expect(card).to_have_attribute("data-state", "paused", timeout=30_000)
        # paused: the stages done stay done, the current one shows the state's own colour
        expect(card.locator('.stages li[data-stage="check"]')).to_have_class("done")
        expect(card.locator('.stages li[data-stage="download"]')).to_have_class("current st-paused")
        job_id = card.get_attribute("data-id")
        drawer_bar = page.locator(f"#job-{job_id} .bar > i")
        colour = "e => getComputedStyle(e).backgroundColor"
        assert card.locator(".bar > i").evaluate(colour) == drawer_bar.evaluate(colour)
    finally:
        fakes.hub.trickle(None)
    card.get_by_role("button", name="Resume").click()
    expect(card).to_have_attribute("data-state", "succeeded", timeout=60_000)


def test_models_view_install_button_event_opens_the_repo_page_then_installs_a_file(
    page: Page, stack: TestStack, fakes: Fakes
) -> None:
    repo, name = new_repo(fakes)
    open_view(page, stack)
    page.evaluate(
        """repo => window.dispatchEvent(new CustomEvent('roundhouse:install', {detail:
           {id: 'x', hf: {repo, default_quant: 'Q4_K_M', files: {}}}}))""",
        repo,
    )
    expect(page.locator("#install-form input[name=repo_id]")).to_have_value(repo)
    row = page.locator(f'#library-repo tr[data-file="{name}"]')
    expect(row).to_be_visible()
    assert not page.locator(".install-job", has_text=repo).count()  # nothing started yet
    row.get_by_role("button", name="Install").click()
    card = page.locator(".install-job", has_text=repo)
    expect(card).to_have_attribute("data-state", "succeeded", timeout=60_000)


def test_bad_repo_shows_the_servers_message(page: Page, stack: TestStack) -> None:
    open_view(page, stack)
    page.fill("#install-form input[name=repo_id]", "not a repo")
    page.click("#install-form button[type=submit]")
    expect(page.locator("#install-form .form-error")).to_have_text(re.compile("repo id"))

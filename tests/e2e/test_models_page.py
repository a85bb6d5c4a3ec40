"""The Models view in real Chromium: download with a moving bar, reload mid-pull, cancel,
the installed list updating by itself, uninstall with confirmation, the GGUF hand-off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import Fakes
from tests.stacks import TestStack


@pytest.fixture
def slow(fakes: Fakes) -> Iterator:  # type: ignore[type-arg]
    saved = fakes.ollama.tick, fakes.ollama.bytes_per_tick
    fakes.ollama.tick, fakes.ollama.bytes_per_tick = 0.05, 128 * 1024
    yield fakes.ollama
    fakes.ollama.tick, fakes.ollama.bytes_per_tick = saved


def open_models(page: Page, stack: TestStack) -> None:
    page.goto(f"{stack.url}/#models")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live")
    expect(page.locator("#recommended")).to_be_visible()


def pull_from_form(page: Page, model: str) -> None:
    page.fill("#pull-form input[name=model]", model)
    page.click("#pull-form button[type=submit]")


def bar(page: Page, model: str) -> float:
    value = page.locator(f'#models-pulls .pull[data-model="{model}"] .bar').get_attribute(
        "aria-valuenow"
    )
    return float(value or 0)


def test_download_reload_midway_then_installed_and_uninstall(
    page: Page, stack: TestStack, slow
) -> None:  # type: ignore[no-untyped-def]
    slow.publish({"e2e-pull": [6_000_000, 1_429, 96]})
    open_models(page, stack)
    pull_from_form(page, "e2e-pull")
    cell = page.locator('#models-pulls .pull[data-model="e2e-pull:latest"]')
    expect(cell).to_have_attribute("data-state", "running")
    page.wait_for_function("""Number(document.querySelector(
        '#models-pulls .pull[data-model="e2e-pull:latest"] .bar')
        ?.getAttribute('aria-valuenow')) > 10""")
    before = bar(page, "e2e-pull:latest")
    expect(cell.locator(".nums")).to_contain_text("of")

    page.reload()
    cell = page.locator('#models-pulls .pull[data-model="e2e-pull:latest"]')
    expect(cell).to_be_visible()
    assert bar(page, "e2e-pull:latest") >= before  # drawn from the snapshot, not from zero
    slow.tick, slow.bytes_per_tick = 0.02, 1024 * 1024
    expect(cell).to_have_attribute("data-state", "succeeded", timeout=30_000)
    assert bar(page, "e2e-pull:latest") == 100
    row = page.locator('#ollama-installed tr[data-model="e2e-pull:latest"]')
    expect(row).to_be_visible()  # no manual refresh: the "models" event did it
    expect(cell.locator(".stage")).to_contain_text("Pulled e2e-pull:latest")
    expect(page.locator("#models")).not_to_contain_text("null")  # no Node.append(null)

    page.once("dialog", lambda dialog: dialog.accept())
    row.locator("button[data-action=uninstall]").click()
    expect(row).to_have_count(0)
    assert "e2e-pull:latest" not in slow.snapshot()["installed"]


def test_cancel_from_the_page(page: Page, stack: TestStack, slow) -> None:  # type: ignore[no-untyped-def]
    slow.publish({"e2e-cancel": [200_000_000, 100]})  # ~80 s: the Cancel lands well before
    open_models(page, stack)
    pull_from_form(page, "e2e-cancel")
    cell = page.locator('#models-pulls .pull[data-model="e2e-cancel:latest"]')
    expect(cell).to_have_attribute("data-state", "running")
    cell.get_by_role("button", name="Cancel").click()
    expect(cell).to_have_attribute("data-state", "cancelled")
    expect(cell.get_by_role("button", name="Cancel")).to_have_count(0)


def test_bad_name_shows_the_rule_and_gguf_button_hands_off(page: Page, stack: TestStack) -> None:
    open_models(page, stack)
    pull_from_form(page, "bad name")
    expect(page.locator("#pull-form .form-error")).to_contain_text("must start with a letter")
    page.evaluate(
        "window.addEventListener('roundhouse:install', (e) => { window.__got = e.detail; })"
    )
    page.locator('#recommended tr[data-id="mistral"] button[data-action=install-gguf]').click()
    got = page.evaluate("window.__got")
    assert got["id"] == "mistral" and got["hf"]["repo"].endswith("-GGUF")
    fit = page.locator('#recommended tr[data-id="mistral"] .fit')
    expect(fit).to_contain_text("GB")

"""Connections, the model library, Use and Try, and switch history, in Chromium.

Runs on the session stack; every connection it changes is put back at the end of its test.
"""

from __future__ import annotations

import re
import time

import httpx
from playwright.sync_api import Page, expect

from tests.conftest import Fakes
from tests.fakes.gguf_bytes import gguf_bytes
from tests.fakes.ollama import FakeOllama
from tests.helpers import wait_state
from tests.stacks import TestStack

WRONG_KEY = "sk-page-wrong-key-000111"
CARD = "# Page Card\n\nHello **there**.\n\n<script>window.__pwned = 1</script>\n"


def open_page(page: Page, stack: TestStack, where: str) -> None:
    page.goto(f"{stack.url}/#/{where}")
    expect(page.locator("#conn")).to_have_attribute("data-state", "live", timeout=30_000)


def reset(stack: TestStack, name: str, parts: list[str]) -> None:
    r = httpx.post(f"{stack.url}/api/connections/{name}", json={"reset": parts}, timeout=30)
    assert r.status_code == 200, r.text


def test_changing_ollamas_url_on_the_page_moves_health_and_the_next_pull(
    page: Page, stack: TestStack, fakes: Fakes
) -> None:
    with FakeOllama(tick=0.01) as other:
        other.publish({"page-moved": [500_000, 100]})
        open_page(page, stack, "connections/ollama")
        row = page.locator("#connection-ollama")
        expect(row.locator("input[name=url]")).to_be_focused(timeout=30_000)
        try:
            row.locator("input[name=url]").fill(other.url)
            row.get_by_role("button", name="Test and save").click()
            expect(row.locator(".result")).to_have_text(
                re.compile("Tested in .* and saved"), timeout=30_000
            )
            expect(page.locator("#connection-ollama .source")).to_have_text("set here")
            got = httpx.get(f"{stack.url}/api/providers/health", timeout=30).json()
            assert got["services"]["ollama"]["url"].startswith(other.url)  # no stale cache
            r = httpx.post(
                f"{stack.url}/api/providers/models/download",
                json={"model": "page-moved"},
                timeout=30,
            )
            job = wait_state(stack, r.json()["id"], {"succeeded", "failed"}, timeout=60)
            assert job["state"] == "succeeded" and other.snapshot()["installed"] == [
                "page-moved:latest"
            ]
            assert fakes.ollama.snapshot()["installed"].count("page-moved:latest") == 0
        finally:
            reset(stack, "ollama", ["url"])


def test_a_wrong_key_is_refused_with_the_providers_words_and_never_shown(
    page: Page, stack: TestStack
) -> None:
    open_page(page, stack, "connections/openai")
    row = page.locator("#connection-openai")
    before = row.locator(".key-state").inner_text()
    row.locator("input[name=key]").fill(WRONG_KEY)
    row.get_by_role("button", name="Test and save").click()
    expect(row.locator(".result")).to_contain_text(
        "HTTP 401: Incorrect API key provided", timeout=30_000
    )
    expect(row.locator(".result a.fix-link")).to_have_attribute("href", "#/connections/openai")
    page.reload()
    expect(page.locator("#connection-openai .key-state")).to_have_text(before, timeout=30_000)
    assert WRONG_KEY not in page.content()


def test_library_search_repo_page_fit_and_a_card_that_cannot_run_script(
    page: Page, stack: TestStack, fakes: Fakes
) -> None:
    stamp = time.time_ns() % 10**9
    repo = f"libpage/Shelf{stamp}-GGUF"
    fakes.hub.add_file(repo, f"Shelf{stamp}-Q4_K_M.gguf", gguf_bytes(40_000))
    fakes.hub.add_file(repo, f"Shelf{stamp}-Q8_0.gguf", gguf_bytes(70_000))
    fakes.hub.add_file(repo, "README.md", CARD.encode())
    fakes.hub.repos[repo].license = "mit"
    open_page(page, stack, "install")
    page.fill("#library-search input[name=q]", f"Shelf{stamp}")
    page.locator("#library-search button[type=submit]").click()
    hit = page.locator(f'#library-results li[data-repo="{repo}"] a')
    expect(hit).to_be_visible(timeout=30_000)
    hit.click()
    rows = page.locator("#library-repo tbody tr")
    expect(rows).to_have_count(2, timeout=30_000)
    first = page.locator(f'#library-repo tr[data-file="Shelf{stamp}-Q4_K_M.gguf"]')
    expect(first).to_contain_text("Q4_K_M")
    expect(first).to_contain_text("KB")
    expect(first.locator(".fit-message")).to_contain_text("of RAM (this host has")
    expect(page.locator("#library-repo .repo-facts")).to_contain_text("Licence: mit")
    card = page.locator("#library-repo .model-card")
    expect(card.locator("h1")).to_have_text("Page Card")
    expect(card).to_contain_text("<script>window.__pwned = 1</script>")  # shown as text
    assert page.evaluate("window.__pwned") is None and card.locator("script").count() == 0


def test_use_shows_the_reply_history_lists_it_and_try_streams_from_a_compatible_server(
    page: Page, stack: TestStack, fakes: Fakes
) -> None:
    fakes.ollama.publish({"page-use": [300_000, 100]})
    with fakes.ollama.state.lock:
        fakes.ollama.state.install(fakes.ollama.state.registry["page-use:latest"])
    r = httpx.post(
        f"{stack.url}/api/connections/openai-compatible",
        json={"url": fakes.openai.url, "key": "sk-test"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    try:
        open_page(page, stack, "models")
        use_row = page.locator('#installed-models tr[data-model="page-use:latest"]')
        use_row.get_by_role("button", name="Use").click()
        expect(page.locator("#installed-models .use-result")).to_have_text(
            re.compile(r"Now using page-use:latest on Ollama\. It replied: “OK”"), timeout=30_000
        )
        expect(use_row.get_by_role("button", name="In use")).to_be_visible()

        page.locator("#providers-button").click()
        page.locator("#providers-history summary").click()
        latest = page.locator("#providers-history tbody tr").first
        expect(latest).to_contain_text("ollama / page-use:latest", timeout=30_000)
        expect(latest).to_contain_text("replied “OK”")
        page.keyboard.press("Escape")

        compat = page.locator(
            '#installed-models tr[data-provider="openai-compatible"][data-model="gpt-4o-mini"]'
        )
        compat.get_by_role("button", name="Try").click()
        page.fill(".try-form textarea", "tell me one two three")
        page.locator(".try-form button[type=submit]").click()
        expect(page.locator(".try-answer")).to_have_text(
            "echo: tell me one two three", timeout=30_000
        )
        expect(page.locator(".try-status")).to_contain_text("Done in")
    finally:
        reset(stack, "openai-compatible", ["url", "key"])
        httpx.post(
            f"{stack.url}/api/providers/switch", json={"llm": {"provider": "openai"}}, timeout=30
        )

"""The model library's host picker in Chromium, at phone and desktop widths: with two hosts
online the user picks the one that installs the model, the fit is judged for that host, and
Install sends the job to its queue, into every target ticked under "Into" (llama.cpp too).

Runs on the session stack; the second host is a worker's heartbeat and published view written
straight to Redis (nothing consumes its queue: the job stays queued and is cancelled at the
end), and both are removed afterwards so other tests see one host again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from roundhouse.core.host_view import HostViews
from roundhouse.core.hosts import Hosts
from roundhouse.core.keys import Keys
from roundhouse.core.redis import connect
from tests.conftest import Fakes
from tests.e2e.page_tools import VIEWPORTS, press, sideways
from tests.fakes.gguf_bytes import gguf_bytes
from tests.stacks import TestStack

OTHER, RETIRED = "lib-gpu-b", "lib-retired"
OTHER_RAM = 64_000_000_000  # shown as "64.0 GB": not this machine's


@pytest.fixture
def two_hosts(stack: TestStack) -> Iterator[str]:
    """A second online host with its RAM and disk published, and an offline one; our own name."""
    r, keys = connect(stack.redis_url), Keys(stack.prefix)
    hosts = Hosts(r, keys)
    hosts.beat(OTHER)
    hosts.beat(RETIRED, at=time.time() - 3600)
    machine = {"ram_bytes": OTHER_RAM, "disk_free_bytes": 900_000_000_000}
    HostViews(r, keys, 600).publish(OTHER, {}, machine)
    known = httpx.get(f"{stack.url}/healthz", timeout=30).json()["hosts"]
    try:
        yield next(h["host"] for h in known if h["workers"])  # the stack's worker
    finally:
        r.hdel(keys.hosts, OTHER, RETIRED)
        r.delete(keys.host_view(OTHER))


@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_the_user_picks_the_host_that_installs_a_library_model(
    page: Page, stack: TestStack, fakes: Fakes, two_hosts: str, size: str
) -> None:
    own = two_hosts
    stamp = time.time_ns() % 10**9
    repo, name = f"libhost/Pick{stamp}-GGUF", f"Pick{stamp}-Q4_K_M.gguf"
    fakes.hub.add_file(repo, name, gguf_bytes(30_000))
    page.set_viewport_size(dict(zip(("width", "height"), VIEWPORTS[size], strict=True)))
    page.goto(f"{stack.url}/#/install/{repo}")
    picker = page.locator("#library-repo select[name=host]")
    expect(picker).to_be_visible(timeout=30_000)
    expect(picker.locator("option:checked")).to_have_text(own)
    expect(picker.locator("option", has_text=f"{RETIRED} (offline)")).to_be_disabled()
    caption = page.locator("#library-repo caption")
    expect(caption).to_have_text(f"GGUF files, and whether each fits {own}")

    picker.select_option(OTHER)
    expect(caption).to_have_text(f"GGUF files, and whether each fits {OTHER}", timeout=30_000)
    row = page.locator(f'#library-repo tr[data-file="{name}"]')
    expect(row.locator(".fit-message")).to_contain_text("this host has 64.0 GB")
    expect(row).to_have_attribute("data-fit", "fits")
    expect(page.locator("#library-host")).to_be_focused()  # the panel was redrawn under it
    assert sideways(page) == 0
    llamacpp = page.locator("#install-form input[name=llamacpp]")
    press(page, llamacpp)  # "Into": llama.cpp beside the default Ollama and LM Studio
    expect(llamacpp).to_be_checked()
    press(page, row.get_by_role("button", name="Install"))

    card = page.locator("#install-jobs li.install-job", has_text=repo)
    expect(card).to_have_count(1, timeout=30_000)
    job_id = card.get_attribute("data-id")
    job = httpx.get(f"{stack.url}/api/jobs/{job_id}", timeout=30).json()
    try:
        assert job["kind"] == "model.install" and job["params"]["host"] == OTHER, job
        assert job["params"]["files"] == [name] and job["state"] == "queued"
        assert job["params"]["targets"] == ["ollama", "lmstudio", "llamacpp"]
    finally:
        httpx.post(f"{stack.url}/api/jobs/{job_id}/cancel", timeout=30)

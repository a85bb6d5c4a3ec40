"""/api/library through Flask's test client against the fake Hub (the real /api/models protocol)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.api.card import render
from roundhouse.core.host_view import HostViews
from roundhouse.core.hosts import Hosts
from roundhouse.core.keys import Keys
from roundhouse.core.settings import Settings
from roundhouse.providers.hf import free_bytes
from tests.fakes.gguf_bytes import gguf_bytes
from tests.fakes.hub import FakeHub
from tests.fakes.ollama import FakeOllama

README = """---
license: apache-2.0
---
# Tiny Chat

A **small** model. <script>window.__pwned = 1</script>
<img src=x onerror="window.__pwned = 2">

[safe](https://example.com) [bad](javascript:alert(1))
"""
BIG = 200 * 1024 * 1024  # sparse on disk; larger than what the test leaves usable


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeHub]:
    root = tmp_path_factory.mktemp("hub")
    big = root / "big.gguf"
    with big.open("wb") as f:
        f.write(gguf_bytes(4096, name="Big"))
        f.truncate(BIG)
    with FakeHub() as fake:
        fake.add_file("lib/Tiny-Chat-GGUF", "Tiny-Chat-Q4_K_M.gguf", gguf_bytes(50_000))
        fake.add_file("lib/Tiny-Chat-GGUF", "Tiny-Chat-Q8_0.gguf", gguf_bytes(90_000))
        for i in (1, 2):
            name = f"Q6_K/Tiny-Chat-Q6_K-0000{i}-of-00002.gguf"
            fake.add_file("lib/Tiny-Chat-GGUF", name, gguf_bytes(30_000))
        fake.add_file("lib/Tiny-Chat-GGUF", "Tiny-Chat-BIG-F16.gguf", big)
        fake.add_file("lib/Tiny-Chat-GGUF", "README.md", README.encode())
        fake.repos["lib/Tiny-Chat-GGUF"].downloads = 500
        fake.repos["lib/Tiny-Chat-GGUF"].license = "apache-2.0"
        fake.add_file("lib/Other-Chat-GGUF", "Other-Q4_0.gguf", gguf_bytes(10_000))
        fake.repos["lib/Other-Chat-GGUF"].downloads = 9000
        fake.add_file("lib/not-gguf", "model.safetensors", b"x" * 100)
        yield fake


@pytest.fixture(scope="module")
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama() as fake:
        yield fake


@pytest.fixture
def settings(tmp_path: Path, hub: FakeHub, ollama: FakeOllama) -> Settings:
    models = tmp_path / "models"
    margin = free_bytes(tmp_path) - 100 * 1024 * 1024  # ~100 MiB usable: BIG cannot fit
    return Settings(
        hf_endpoint=hub.url,
        ollama_base_url=ollama.url,
        models_dir=models,
        disk_margin_bytes=margin,
        hostname="here",
    )


@pytest.fixture
def client(fake_redis, settings: Settings) -> FlaskClient:  # type: ignore[no-untyped-def]
    Hosts(fake_redis, Keys("rh:")).beat("here")  # a worker serves this host
    return create_app(settings, client=fake_redis, enqueue=lambda job: None).test_client()


def test_search_finds_gguf_repos_most_downloaded_first(client: FlaskClient, hub: FakeHub) -> None:
    r = client.get("/api/library/search?q=chat")
    assert r.status_code == 200, r.json
    assert [m["id"] for m in r.json["models"]] == ["lib/Other-Chat-GGUF", "lib/Tiny-Chat-GGUF"]
    assert r.json["models"][0]["downloads"] == 9000
    sent = [path for method, path, _ in hub.requests if path.startswith("/api/models?")]
    assert "filter=gguf" in sent[-1] and "sort=downloads" in sent[-1] and "search=chat" in sent[-1]
    assert client.get("/api/library/search?q=zzz-nothing").json["models"] == []


def test_repo_page_lists_files_grouped_with_sizes_quants_fit_and_licence(
    client: FlaskClient,
) -> None:
    r = client.get("/api/library/repo/lib/Tiny-Chat-GGUF")
    assert r.status_code == 200, r.json
    body = r.json
    assert body["license"] == "apache-2.0" and body["last_modified"].startswith("2025-03-12")
    files = {f["name"]: f for f in body["files"]}
    assert set(files) == {
        "Tiny-Chat-Q4_K_M.gguf",
        "Tiny-Chat-Q8_0.gguf",
        "Q6_K/Tiny-Chat-Q6_K.gguf",
        "Tiny-Chat-BIG-F16.gguf",
    }
    split = files["Q6_K/Tiny-Chat-Q6_K.gguf"]
    assert split["split"] and split["quant"] == "Q6_K" and len(split["files"]) == 2
    assert split["size"] == 2 * len(gguf_bytes(30_000))
    small = files["Tiny-Chat-Q4_K_M.gguf"]
    assert small["quant"] == "Q4_K_M" and small["fit"]["verdict"] in ("fits", "tight")
    assert small["fit"]["need_disk_bytes"] == small["size"] and "of RAM" in small["fit"]["message"]
    big = files["Tiny-Chat-BIG-F16.gguf"]
    assert big["size"] == BIG and big["fit"]["verdict"] == "will not fit"
    assert "not enough free disk" in big["fit"]["message"]


def test_a_file_that_does_not_fit_is_refused_on_install(client: FlaskClient) -> None:
    r = client.post(
        "/api/providers/models/install",
        json={
            "repo_id": "lib/Tiny-Chat-GGUF",
            "file": "Tiny-Chat-BIG-F16.gguf",
            "targets": ["ollama"],
        },
    )
    assert r.status_code == 409 and r.json["needed_bytes"] >= BIG, r.json


def test_the_card_is_rendered_without_raw_html_or_script(client: FlaskClient) -> None:
    html = client.get("/api/library/repo/lib/Tiny-Chat-GGUF").json["card_html"]
    assert "<h1>Tiny Chat</h1>" in html and "<strong>small</strong>" in html
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert 'href="https://example.com"' in html and "javascript:" not in html.split("bad")[0][-40:]
    assert "license: apache" not in html  # the front matter is metadata, not prose
    assert 'href="javascript' not in render("[x](javascript:alert(1))")


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/library/repo/lib/No-Such-GGUF", 404),
        ("/api/library/repo/lib/bad..name", 400),
        ("/api/library/search?limit=0", 400),
        ("/api/library/search?q=" + "x" * 201, 400),
    ],
)
def test_bad_requests_say_what_was_wrong(client: FlaskClient, path: str, status: int) -> None:
    r = client.get(path)
    assert r.status_code == status and r.json["message"], r.json


def test_fit_for_another_host_uses_the_ram_and_disk_its_worker_published(
    client: FlaskClient, fake_redis
) -> None:  # type: ignore[no-untyped-def]
    Hosts(fake_redis, Keys("rh:")).beat("gpu")
    views = HostViews(fake_redis, Keys("rh:"), 60)
    views.publish("gpu", {}, {"ram_bytes": 64 * 10**9, "disk_free_bytes": 10**12})
    body = client.get("/api/library/repo/lib/Tiny-Chat-GGUF?host=gpu").json
    big = next(f for f in body["files"] if f["name"] == "Tiny-Chat-BIG-F16.gguf")
    assert body["host"] == "gpu" and big["fit"]["ram_bytes"] == 64 * 10**9
    assert big["fit"]["free_disk_bytes"] == 10**12 and big["fit"]["verdict"] == "fits"
    views.publish("gpu", {}, {"ram_bytes": 100_000, "disk_free_bytes": 10**12})
    body = client.get("/api/library/repo/lib/Tiny-Chat-GGUF?host=gpu").json
    big = next(f for f in body["files"] if f["name"] == "Tiny-Chat-BIG-F16.gguf")
    assert big["fit"]["verdict"] == "will not fit" and "not enough memory" in big["fit"]["message"]

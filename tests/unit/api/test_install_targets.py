"""Target preflight: a down install target is refused (or left out) before any byte is fetched,
checked in the fake Hub's own request log; a half-done install names both targets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.core.errors import AppError, ProviderError
from roundhouse.core.hosts import Hosts
from roundhouse.core.jobs import JobStore
from roundhouse.core.keys import Keys
from roundhouse.core.settings import Settings
from roundhouse.core.stores import Stores
from roundhouse.tasks.context import WorkerContext
from roundhouse.tasks.jobs import gguf
from tests.fakes.gguf_bytes import gguf_bytes
from tests.fakes.hub import FakeHub
from tests.fakes.ollama import FakeOllama
from tests.helpers import free_port

REPO, FILE = "pre/Flight-GGUF", "Flight-Q4_K_M.gguf"


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[FakeHub, FakeOllama]]:
    with FakeHub() as hub, FakeOllama() as ollama:
        hub.add_file(REPO, FILE, gguf_bytes(20_000))
        yield hub, ollama


@pytest.fixture
def sent() -> list[dict]:
    return []


@pytest.fixture
def client(fake_redis, world, sent: list[dict], tmp_path: Path) -> FlaskClient:  # type: ignore[no-untyped-def]
    hub, ollama = world
    settings = Settings(
        hf_endpoint=hub.url,
        ollama_base_url=ollama.url,
        lmstudio_base_url=f"http://127.0.0.1:{free_port()}",  # LM Studio is down
        models_dir=tmp_path / "models",
        hostname="here",
        health_timeout_s=1.0,
    )
    Hosts(fake_redis, Keys("rh:")).beat("here")
    return create_app(settings, client=fake_redis, enqueue=sent.append).test_client()


def hub_requests(hub: FakeHub) -> list[str]:
    return [path for _, path, _ in hub.requests]


def test_chosen_targets_with_lmstudio_down_are_refused_before_the_hub_is_asked(
    client: FlaskClient, world, sent: list[dict]
) -> None:  # type: ignore[no-untyped-def]
    hub, _ = world
    before = len(hub.requests)
    r = client.post(
        "/api/providers/models/install",
        json={"repo_id": REPO, "quant": "Q4_K_M", "targets": ["ollama", "lmstudio"]},
    )
    assert r.status_code == 503, r.json
    assert "LM Studio not available, nothing was downloaded" in r.json["message"]
    assert "connection refused" in r.json["message"]
    assert "lms server start" in r.json["hint"] and "roundhouse connect lmstudio" in r.json["hint"]
    assert hub_requests(hub)[before:] == [] and sent == []  # not even the file list


def test_default_targets_leave_lmstudio_out_with_a_note(
    client: FlaskClient, world, sent: list[dict]
) -> None:  # type: ignore[no-untyped-def]
    hub, _ = world
    before = len(hub.requests)
    r = client.post("/api/providers/models/install", json={"repo_id": REPO, "quant": "Q4_K_M"})
    assert r.status_code == 202, r.json
    assert r.json["params"]["targets"] == ["ollama"]
    assert "LM Studio left out: not running (connection refused)" in r.json["message"]
    assert "lmstudio" in r.json["params"]["dropped"] and len(sent) == 1
    assert not [p for p in hub_requests(hub)[before:] if "/resolve/" in p or FILE in p]


def test_a_half_done_install_names_both_targets_and_the_kept_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, store: JobStore
) -> None:
    ctx = WorkerContext(Settings(), Stores(store.r, store.keys, Settings()), lambda job: None)

    def import_one(
        ctx: Any, s: Any, p: Any, target: str, record: Any, paths: Any, stages: Any
    ) -> str:
        if target == "lmstudio":
            raise ProviderError("lmstudio", "not running (connection refused)")
        return f"hf.co/{REPO}:Q4_K_M"

    monkeypatch.setattr(gguf, "import_one", import_one)
    monkeypatch.setattr(gguf, "_announce", lambda *a, **k: None)
    monkeypatch.setattr(gguf.tg, "test_prompt", lambda s, t, m: {"answer": "OK"})
    job = {"params": {"targets": ["ollama", "lmstudio"], "ollama_name": "x"}}
    path = tmp_path / FILE
    stages = type(
        "S", (), {"enter": lambda *a: None, "part": lambda *a: None, "report": lambda *a, **k: None}
    )()
    with pytest.raises(AppError) as caught:
        gguf.install_into(ctx, job, stages, {"id": "f1", "repo_id": REPO, "files": [{}]}, [path])
    assert caught.value.message == (
        f"Installed {REPO} in Ollama as hf.co/{REPO}:Q4_K_M; "
        f"LM Studio: not running (connection refused); file kept at {path}"
    )
    assert caught.value.details["models"] == {"ollama": f"hf.co/{REPO}:Q4_K_M"}

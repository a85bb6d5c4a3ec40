"""The download endpoint's Ollama check over one shared connection pool still sees Ollama die."""

from __future__ import annotations

from pathlib import Path

import pytest

from roundhouse.api import create_app
from roundhouse.api.routes import models
from roundhouse.cli.stack import free_port
from roundhouse.core.settings import Settings
from tests.fakes.ollama import FakeOllama

PULL = "/api/providers/models/download"


def app_for(ollama: FakeOllama, fake_redis, tmp_path: Path, sent: list[dict]):  # type: ignore[no-untyped-def]
    settings = Settings(
        data_dir=tmp_path,
        lmstudio_base_url=f"http://127.0.0.1:{free_port()}",
        ollama_base_url=ollama.url,
        health_timeout_s=1.0,
    ).resolved()
    return create_app(settings, client=fake_redis, enqueue=sent.append)


def test_one_pool_serves_every_check_and_ollama_gone_is_still_a_503(
    fake_redis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(models, "SEEN_UP_S", 0.0)  # every POST asks Ollama
    sent: list[dict] = []
    ollama = FakeOllama().start()
    app = app_for(ollama, fake_redis, tmp_path, sent)
    client = app.test_client()
    try:
        first = client.post(PULL, json={"model": "pool-a"})
        second = client.post(PULL, json={"model": "pool-b"})
        assert first.status_code == second.status_code == 202
        pool = app.extensions["roundhouse"].shared.ollama_http
        assert pool is not None
        assert client.post(PULL, json={"model": "pool-a"}).json["joined"]
        assert app.extensions["roundhouse"].shared.ollama_http is pool
    finally:
        ollama.stop()
    gone = client.post(PULL, json={"model": "pool-c"})
    assert gone.status_code == 503 and "cannot connect to Ollama" in gone.json["message"]
    assert len(sent) == 2
    listed = {j["params"]["model"] for j in client.get("/api/jobs").json["jobs"]}
    assert listed == {"pool-a:latest", "pool-b:latest"}


def test_an_ollama_that_just_answered_is_not_asked_again_until_the_window_ends(
    fake_redis, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    sent: list[dict] = []
    ollama = FakeOllama().start()
    app = app_for(ollama, fake_redis, tmp_path, sent)
    client = app.test_client()
    try:
        assert client.post(PULL, json={"model": "seen-a"}).status_code == 202
    finally:
        ollama.stop()
    within = client.post(PULL, json={"model": "seen-b"})  # answered < SEEN_UP_S ago
    assert within.status_code == 202 and len(sent) == 2
    monkeypatch.setattr(models, "SEEN_UP_S", 0.0)  # the window has passed
    gone = client.post(PULL, json={"model": "seen-c"})
    assert gone.status_code == 503 and "cannot connect to Ollama" in gone.json["message"]

"""The download endpoint's Ollama check over one shared connection pool still sees Ollama die."""

from __future__ import annotations

from pathlib import Path

from roundhouse.api import create_app
from roundhouse.api.routes.models import OLLAMA_HTTP
from roundhouse.cli.stack import free_port
from roundhouse.core.settings import Settings
from tests.fakes.ollama import FakeOllama

PULL = "/api/providers/models/download"


def test_one_pool_serves_every_check_and_ollama_gone_is_still_a_503(
    fake_redis, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    sent: list[dict] = []
    ollama = FakeOllama().start()
    settings = Settings(
        data_dir=tmp_path,
        lmstudio_base_url=f"http://127.0.0.1:{free_port()}",
        ollama_base_url=ollama.url,
        health_timeout_s=1.0,
    ).resolved()
    app = create_app(settings, client=fake_redis, enqueue=sent.append)
    client = app.test_client()
    try:
        first = client.post(PULL, json={"model": "pool-a"})
        second = client.post(PULL, json={"model": "pool-b"})
        assert first.status_code == second.status_code == 202
        pool = app.extensions["roundhouse"].extras[OLLAMA_HTTP]
        assert client.post(PULL, json={"model": "pool-a"}).json["joined"]
        assert app.extensions["roundhouse"].extras[OLLAMA_HTTP] is pool
    finally:
        ollama.stop()
    gone = client.post(PULL, json={"model": "pool-c"})
    assert gone.status_code == 503 and "cannot connect to Ollama" in gone.json["message"]
    assert len(sent) == 2
    listed = {j["params"]["model"] for j in client.get("/api/jobs").json["jobs"]}
    assert listed == {"pool-a:latest", "pool-b:latest"}

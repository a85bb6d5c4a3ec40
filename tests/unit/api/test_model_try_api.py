"""/api/models/try streams an answer (OpenAI-style SSE and Ollama NDJSON); /api/models/details."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.core.downloads import Downloads
from roundhouse.core.keys import Keys
from roundhouse.core.settings import Settings
from tests.fakes.gguf_bytes import write_gguf
from tests.fakes.ollama import FakeOllama
from tests.fakes.openai import FakeOpenAI
from tests.helpers import free_port


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeOllama, FakeOpenAI]]:
    with FakeOllama(installed=["llama3.2"]) as ollama, FakeOpenAI(api_key=None) as compat:
        yield ollama, compat


@pytest.fixture
def client(fake_redis, fakes, tmp_path: Path) -> FlaskClient:  # type: ignore[no-untyped-def]
    ollama, compat = fakes
    settings = Settings(
        ollama_base_url=ollama.url,
        compat_base_url=compat.url,
        lmstudio_base_url=f"http://127.0.0.1:{free_port()}",
        env_file=tmp_path / ".env",
    )
    return create_app(settings, client=fake_redis, enqueue=lambda job: None).test_client()


def frames(text: str) -> list[dict]:
    return [json.loads(line[5:]) for line in text.splitlines() if line.startswith("data:")]


def test_try_streams_the_answer_from_an_openai_compatible_server(
    client: FlaskClient, fakes
) -> None:  # type: ignore[no-untyped-def]
    body = {"provider": "openai-compatible", "model": "gpt-4o-mini", "prompt": "say one two three"}
    r = client.post("/api/models/try", json=body)
    assert r.status_code == 200 and r.mimetype == "text/event-stream"
    got = frames(r.get_data(as_text=True))
    pieces = [f["delta"] for f in got if "delta" in f]
    assert len(pieces) > 1 and "".join(pieces) == "echo: say one two three"
    assert got[-1]["done"] is True and got[-1]["finish_reason"] == "stop"
    sent = [c for c in fakes[1].calls if c[1] == "/v1/chat/completions"][-1]
    assert sent[2]["stream"] is True and sent[2]["max_tokens"] == 256


def test_try_streams_from_ollama_and_refuses_an_unknown_model(client: FlaskClient) -> None:
    body = {"provider": "ollama", "model": "llama3.2", "prompt": "Reply with the single word OK."}
    got = frames(client.post("/api/models/try", json=body).get_data(as_text=True))
    assert "".join(f.get("delta", "") for f in got).strip() and got[-1]["done"]
    r = client.post("/api/models/try", json=body | {"model": "nope"})
    assert r.status_code == 404 and "not found" in r.json["message"]


def test_try_against_a_down_server_is_a_503_with_how_to_fix_it(client: FlaskClient) -> None:
    body = {"provider": "lmstudio", "model": "x", "prompt": "hi"}
    r = client.post("/api/models/try", json=body)
    assert r.status_code == 503 and "roundhouse connect lmstudio" in r.json["hint"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"model": "m", "prompt": ""}, "'prompt' must be"),
        ({"model": "m", "prompt": "x" * 4001}, "'prompt' must be"),
        ({"prompt": "hi"}, "'model' must be"),
        ({"model": "m", "prompt": "hi", "provider": "bard"}, "Unknown llm provider"),
        ({"model": "m", "prompt": "hi", "max_tokens": 0}, "'max_tokens'"),
        ({"model": "m", "prompt": "hi", "seed": 1}, "Unknown field"),
    ],
)
def test_bad_try_input_is_a_400(client: FlaskClient, body: dict, needle: str) -> None:
    r = client.post("/api/models/try", json=body)
    assert r.status_code == 400 and needle in r.json["message"], r.json


def test_details_of_an_ollama_model(client: FlaskClient) -> None:
    r = client.get("/api/models/details?provider=ollama&model=llama3.2")
    assert r.status_code == 200, r.json
    d = r.json
    assert d["model"] == "llama3.2:latest" and d["context_length"] == 131072
    assert d["size"] > 0 and d["modified"] and d["license"] == "llama3.2:latest test licence"
    assert client.get("/api/models/details?provider=ollama&model=nope").status_code == 404


def test_details_of_a_llamacpp_gguf_come_from_its_header(fake_redis, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "models/hf/org/Gemma-GGUF/gemma-3-270m-it-Q4_K_M.gguf"
    facts = {"general.size_label": "270M", "general.license": "gemma"}
    write_gguf(path, 9000, arch="gemma3", extra={**facts, "gemma3.context_length": 32768})
    files = [{"filename": path.name, "path": str(path), "size": 9000, "sha256": None}]
    Downloads(fake_redis, Keys()).put(
        {"host": "host-a", "repo_id": "org/Gemma-GGUF", "files": files}
    )
    settings = Settings(hostname="host-a", data_dir=tmp_path, env_file=tmp_path / ".env")
    client = create_app(settings, client=fake_redis, enqueue=lambda job: None).test_client()
    r = client.get("/api/models/details?provider=llama.cpp&model=gemma-3-270m-it-Q4_K_M")
    assert r.status_code == 200, r.json
    assert {k: r.json[k] for k in ("model", "family", "parameters", "quantization")} == {
        "model": "gemma-3-270m-it-Q4_K_M",
        "family": "gemma3",
        "parameters": "270M",
        "quantization": "Q4_K_M",
    }
    assert r.json["context_length"] == 32768 and r.json["size"] == 9000
    assert r.json["license"] == "gemma" and r.json["modified"] and r.json["format"] == "gguf"
    r = client.get("/api/models/details?provider=llamacpp&model=qwen2.5-0.5b")
    assert r.status_code == 404 and "--to llamacpp" in r.json["hint"], r.json


@pytest.mark.parametrize("model", ["\U000e4d79p<", "Ábc", "my model", "-x"])
def test_an_ollama_name_ollama_would_refuse_is_a_400_not_a_502(
    client: FlaskClient, model: str
) -> None:
    r = client.post("/api/models/try", json={"model": model, "prompt": "5"})
    assert r.status_code == 400 and "model name" in r.json["message"], r.json

"""The fakes speak the byte shapes the research file records, so the client is tested honestly."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.lmstudio import FakeLMStudio, seed
from tests.fakes.ollama import FakeOllama
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def ollama() -> Iterator[httpx.Client]:
    srv = FakeOllama(registry={"tiny": [300_000, 96]}, tick=0.001, bytes_per_tick=100_000)
    with srv, httpx.Client(base_url=srv.url, timeout=5) as client:
        yield client


def pull_lines(client: httpx.Client, name: str) -> tuple[httpx.Response, list[dict]]:
    with client.stream("POST", "/api/pull", json={"model": name}) as response:
        return response, [json.loads(line) for line in response.iter_lines()]


def test_gin_404_and_405(ollama: httpx.Client) -> None:
    missing = ollama.get("/api/nope")
    assert (missing.status_code, missing.text) == (404, "404 page not found")
    assert missing.headers["content-type"].startswith("text/plain")
    assert ollama.get("/api/pull").status_code == 405
    assert ollama.get("/").text == "Ollama is running"
    assert ollama.head("/api/version").status_code == 200


def test_pull_stream_shape(ollama: httpx.Client) -> None:
    response, lines = pull_lines(ollama, "tiny")
    assert response.headers["content-type"] == "application/x-ndjson"
    assert response.headers["transfer-encoding"] == "chunked"
    assert lines[0] == {"status": "pulling manifest"}
    first = lines[1]
    assert first["status"] == f"pulling {first['digest'][7:19]}"
    assert "completed" not in first and first["total"] == 300_000
    assert all(line["completed"] < line["total"] for line in lines[2:] if "completed" in line)
    assert [line["status"] for line in lines[-3:]] == [
        "verifying sha256 digest",
        "writing manifest",
        "success",
    ]
    assert all(set(line) == {"status"} for line in lines[-3:])
    tags = ollama.get("/api/tags").json()["models"]
    assert [t["name"] for t in tags] == ["tiny:latest"]


def test_pull_errors(ollama: httpx.Client) -> None:
    response, lines = pull_lines(ollama, "ghost")
    assert response.status_code == 200
    assert lines == [
        {"status": "pulling manifest"},
        {"error": "pull model manifest: file does not exist"},
    ]
    bad = ollama.post("/api/pull", json={"model": "bad name"})
    assert (bad.status_code, bad.json()) == (400, {"error": "invalid model name"})
    assert ollama.post("/api/pull").json() == {"error": "missing request body"}
    quiet = ollama.post("/api/pull", json={"model": "ghost", "stream": False})
    assert quiet.status_code == 500 and "file does not exist" in quiet.json()["error"]
    done = ollama.post("/api/pull", json={"model": "tiny", "stream": False})
    assert done.json() == {"status": "success"}


def test_delete_and_show(ollama: httpx.Client) -> None:
    ollama.post("/api/pull", json={"model": "tiny", "stream": False})
    assert ollama.post("/api/show", json={"model": "tiny"}).json()["details"]["family"] == "llama"
    gone = ollama.request("DELETE", "/api/delete", json={"model": "tiny"})
    assert (gone.status_code, gone.content, "content-type" in gone.headers) == (200, b"", False)
    again = ollama.request("DELETE", "/api/delete", json={"model": "tiny"})
    assert (again.status_code, again.json()) == (404, {"error": "model 'tiny' not found"})
    assert ollama.post("/api/show", json={"model": "tiny"}).status_code == 404
    assert ollama.get("/api/tags").json() == {"models": []}
    assert ollama.get("/v1/models").json() == {"object": "list", "data": None}


def test_blob_and_create_validation(ollama: httpx.Client) -> None:
    assert ollama.head("/api/blobs/sha256:" + "a" * 64).status_code == 404
    assert ollama.head("/api/blobs/md5:abc").status_code == 400
    body = b"GGUF\x03\x00\x00\x00"
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    assert ollama.post(f"/api/blobs/{digest}", content=body).status_code == 201
    assert ollama.post(f"/api/blobs/{digest}", content=body).status_code == 200
    assert ollama.post("/api/create", json={"model": "x"}).json() == {
        "error": "neither 'from' or 'files' was specified"
    }
    escape = ollama.post("/api/create", json={"model": "x", "files": {"/etc/m.gguf": digest}})
    assert escape.json() == {"error": "file path must be relative"}


def test_chat_is_deterministic_and_honours_think() -> None:
    with (
        FakeOllama(installed=["llama3.2", "qwen3:0.6b"]) as srv,
        httpx.Client(base_url=srv.url) as c,
    ):
        say_ok = {"role": "user", "content": "Say OK"}
        plain = {"model": "llama3.2", "messages": [say_ok], "stream": False, "think": False}
        reply = c.post("/api/chat", json=plain).json()
        assert reply["message"]["content"] == "OK" and reply["model"] == "llama3.2"
        assert c.post("/api/chat", json=plain | {"think": True}).status_code == 400
        thinker = c.post("/api/chat", json=plain | {"model": "qwen3:0.6b", "think": None}).json()
        assert thinker["message"]["thinking"]
        long = {"role": "user", "content": "one two three four"}
        short = plain | {"messages": [long], "options": {"num_predict": 2}}
        assert c.post("/api/chat", json=short).json()["done_reason"] == "length"
        assert c.post("/api/chat", json={"model": "llama3.2"}).json()["done_reason"] == "load"
        assert c.post("/api/chat", json=plain | {"model": "ghost"}).status_code == 404
        loaded = {m["name"] for m in c.get("/api/ps").json()["models"]}
        assert loaded == {"llama3.2:latest", "qwen3:0.6b"}
        openai = c.post("/v1/chat/completions", json={"model": "llama3.2", "messages": [say_ok]})
        assert openai.json()["choices"][0]["message"]["content"] == "OK"


def test_lmstudio_lists_models_two_folders_deep(tmp_path: Path) -> None:
    llm, embedding = seed(tmp_path)
    with FakeLMStudio(tmp_path) as srv, httpx.Client(base_url=srv.url) as c:
        assert c.get("/lmstudio-greeting").json() == {"lmstudio": True}
        ids = [m["id"] for m in c.get("/v1/models").json()["data"]]
        assert ids == [
            "qwen2.5-0.5b-instruct",
            "text-embedding-nomic-embed-text-v1.5",
        ]
        types = {m["id"]: m["type"] for m in c.get("/api/v0/models").json()["data"]}
        assert types["text-embedding-nomic-embed-text-v1.5"] == "embeddings"
        chat = {"model": "qwen2.5-0.5b-instruct", "messages": [{"role": "user", "content": "ok?"}]}
        assert (
            c.post("/v1/chat/completions", json=chat).json()["choices"][0]["message"]["content"]
            == "OK"
        )
        assert c.get("/api/v0/models/qwen2.5-0.5b-instruct").json()["state"] == "loaded"
        assert c.post("/v1/chat/completions", json=chat | {"model": "x"}).status_code == 404
        unknown = c.get("/v1/nope")
        assert unknown.status_code == 200 and "Unexpected endpoint" in unknown.json()["error"]
        llm.unlink()
        assert "qwen2.5-0.5b-instruct" not in str(c.get("/v1/models").json())


@pytest.mark.parametrize(
    ("module", "probe", "extra"),
    [
        ("tests.fakes.ollama", "/api/version", ["--tick", "0"]),
        ("tests.fakes.lmstudio", "/lmstudio-greeting", ["--seed"]),
    ],
)
def test_fakes_run_as_processes(module: str, probe: str, extra: list[str], tmp_path: Path) -> None:
    port = free_port()
    if module.endswith("lmstudio"):
        extra = [*extra, "--models-dir", str(tmp_path)]
    cmd = [sys.executable, "-m", module, "--port", str(port), *extra]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                assert httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=1).status_code == 200
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(timeout=5)

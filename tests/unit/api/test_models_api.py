"""The models API through Flask's test client: a fake Ollama on loopback, a recording enqueue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from roundhouse.api import create_app, pull_stream
from roundhouse.cli.stack import free_port
from roundhouse.core.settings import Settings
from tests.fakes.ollama import FakeOllama

PULL = "/api/providers/models/download"


@pytest.fixture(scope="module")
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama(installed=["llama3.2"]) as srv:
        yield srv


@pytest.fixture
def sent() -> list[dict]:
    return []


def make_client(fake_redis, sent: list[dict], tmp_path: Path, **overrides) -> FlaskClient:  # type: ignore[no-untyped-def]
    settings = Settings(
        data_dir=tmp_path,
        lmstudio_base_url=f"http://127.0.0.1:{free_port()}",
        lmstudio_models_dir=tmp_path / "lms",
        health_timeout_s=1.0,
        **overrides,
    ).resolved()
    return create_app(settings, client=fake_redis, enqueue=sent.append).test_client()


@pytest.fixture
def client(fake_redis, sent: list[dict], tmp_path: Path, ollama: FakeOllama) -> FlaskClient:  # type: ignore[no-untyped-def]
    return make_client(fake_redis, sent, tmp_path, ollama_base_url=ollama.url)


def test_download_queues_one_pull_and_a_second_request_joins_it(
    client: FlaskClient, sent: list[dict], ollama: FakeOllama
) -> None:
    r = client.post(PULL, json={"provider": "ollama", "model": "Mistral"})
    assert r.status_code == 202 and r.json["kind"] == "ollama.pull" and not r.json["joined"]
    assert r.json["events_url"] == f"/api/jobs/{r.json['id']}/events"
    assert r.json["params"]["model"] == "Mistral:latest" and sent[0]["queue"] == "downloads"
    again = client.post(PULL, json={"model": "mistral:latest"})
    assert again.status_code == 202 and again.json["id"] == r.json["id"] and again.json["joined"]
    assert len(sent) == 1


def test_pulls_beyond_the_limit_show_their_place_at_once(
    fake_redis, sent: list[dict], tmp_path: Path, ollama: FakeOllama
) -> None:
    client = make_client(fake_redis, sent, tmp_path, ollama_base_url=ollama.url, ollama_max_pulls=1)
    first = client.post(PULL, json={"model": "qwen3:0.6b"}).json
    second = client.post(PULL, json={"model": "mistral"}).json
    third = client.post(PULL, json={"model": "llama3.2"}).json
    assert first["message"] == "Queued"
    assert second["message"] == "Waiting for a download slot (1st in line)"
    assert third["message"] == "Waiting for a download slot (2nd in line)"
    assert client.get(f"/api/jobs/{third['id']}").json["place"] == 2


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"model": "my model"}, "must start with a letter"),
        ({"model": "-x"}, "must start with a letter"),
        ({"model": "ns.with.dot/m"}, "namespace"),
        ({"model": ""}, "required"),
        ({"model": 3}, "must be an Ollama model name"),
        ({"model": "m@sha256:abc"}, "@digest"),
        ({"provider": "lmstudio", "model": "x"}, "not one"),
        ({"model": "x", "extra": 1}, "Unknown field"),
    ],
)
def test_bad_names_are_a_400_with_the_rule_and_change_nothing(
    client: FlaskClient, sent: list[dict], body: dict, needle: str
) -> None:
    r = client.post(PULL, json=body)
    assert r.status_code == 400 and needle in r.json["message"], r.json
    assert sent == [] and client.get("/api/jobs").json["jobs"] == []


def test_bad_name_hint_spells_the_grammar(client: FlaskClient) -> None:
    r = client.post(PULL, json={"model": "a/b/c/d"})
    assert r.status_code == 400 and "[host/][namespace/]model[:tag]" in r.json["hint"]


def test_ollama_down_is_a_503_before_any_job(fake_redis, sent: list[dict], tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    client = make_client(fake_redis, sent, tmp_path, ollama_base_url=dead)
    r = client.post(PULL, json={"model": "llama3.2"})
    assert r.status_code == 503 and "cannot connect to Ollama" in r.json["message"]
    assert "ollama serve" in r.json["hint"]
    assert sent == [] and client.get("/api/jobs").json["jobs"] == []
    status = client.get("/api/providers/models/status").json["backends"]["ollama"]
    assert status["ok"] is False and status["models"] == [] and "cannot connect" in status["error"]


def test_status_lists_each_backend(client: FlaskClient, tmp_path: Path) -> None:
    gguf = tmp_path / "lms" / "pub" / "Repo-GGUF" / "repo-Q4_K_M.gguf"
    gguf.parent.mkdir(parents=True)
    gguf.write_bytes(b"GGUF" + bytes(60))
    body = client.get("/api/providers/models/status").json
    assert body["local"] is True and body["max_pulls"] == 2
    (row,) = [m for m in body["backends"]["ollama"]["models"] if m["name"] == "llama3.2:latest"]
    assert row["family"] == "llama" and row["size"] > 3_000_000
    lms = body["backends"]["lmstudio"]
    assert lms["ok"] is False and "not running" in lms["error"]
    assert lms["files"] == [
        {"path": "pub/Repo-GGUF/repo-Q4_K_M.gguf", "name": "repo-Q4_K_M", "size": 64}
    ]


def test_recommendations_join_installed_state_and_fit(client: FlaskClient) -> None:
    body = client.get("/api/providers/models/recommendations").json
    rows = {row["id"]: row for row in body["models"]}
    assert {"capybarahermes-2.5-mistral-7b", "llama3.2", "mistral"} <= set(rows)
    assert rows["llama3.2"]["installed"] and rows["llama3.2"]["installed_as"] == "llama3.2:latest"
    assert not rows["mistral"]["installed"]
    assert rows["mistral"]["fit"]["verdict"] in ("fits", "tight", "will not fit")
    assert "GB" in rows["mistral"]["fit"]["message"] and body["ram_bytes"] > 0
    assert rows["capybarahermes-2.5-mistral-7b"]["recommended"]


def test_uninstall_then_404_and_a_models_event(
    client: FlaskClient, fake_redis, ollama: FakeOllama
) -> None:
    ollama.publish({"unit-delete-me": [1000, 10]})
    ollama.state.preinstall(["unit-delete-me"])
    r = client.delete("/api/providers/models/ollama/unit-delete-me")
    assert r.status_code == 200 and r.json == {"deleted": "unit-delete-me:latest"}
    events = [json.loads(f["e"]) for _, f in fake_redis.xrange("rh:events")]
    assert events[-1]["type"] == "models" and events[-1]["action"] == "deleted"
    again = client.delete("/api/providers/models/ollama/unit-delete-me")
    assert again.status_code == 404 and "not installed" in again.json["message"]
    assert client.delete("/api/providers/models/ollama/bad name").status_code == 400


def test_uninstall_refuses_while_a_pull_of_it_runs(client: FlaskClient) -> None:
    job = client.post(PULL, json={"model": "llama3.2"}).json
    r = client.delete("/api/providers/models/ollama/llama3.2")
    assert r.status_code == 409 and job["id"] in r.json["message"]


def test_check_updates_starts_a_pull_per_installed_model(
    client: FlaskClient, sent: list[dict], ollama: FakeOllama
) -> None:
    r = client.post("/api/providers/models/check-updates")
    installed = ollama.snapshot()["installed"]
    assert r.status_code == 202 and sorted(r.json["models"]) == installed
    assert [j["params"]["update"] for j in r.json["jobs"]] == [True] * len(installed)
    assert len(sent) == len(installed)


def sse(event: dict) -> str:
    return json.dumps({"type": "job", "event": "progress", **event})


def test_sse_adapter_speaks_the_original_shape() -> None:
    assert pull_stream.original(
        sse(
            {
                "state": "running",
                "stage": "downloading",
                "progress": 0.4567,
                "message": "Downloading m",
            }
        )
    ) == {"status": "downloading", "progress": 45.7, "message": "Downloading m"}
    done = sse({"state": "succeeded", "event": "state", "progress": 1.0, "message": "Pulled m"})
    assert pull_stream.original(done)["status"] == "complete" and pull_stream.is_final(done)
    failed = sse({"state": "failed", "event": "state", "error": "ollama: boom", "hint": "retry"})
    assert pull_stream.original(failed) == {
        "status": "error",
        "progress": 0.0,
        "message": "ollama: boom",
        "hint": "retry",
    }
    assert not pull_stream.is_final(sse({"state": "succeeded", "event": "candidate"}))
    assert pull_stream.frame(json.dumps({"type": "models"})) == ""
    assert pull_stream.frame(done).startswith('data: {"status":"complete"')


def test_a_pull_sent_to_a_host_runs_on_its_queue_into_its_own_ollama(
    client: FlaskClient, sent: list[dict], fake_redis
) -> None:  # type: ignore[no-untyped-def]
    from roundhouse.core.host_view import HostViews
    from roundhouse.core.hosts import Hosts
    from roundhouse.core.keys import Keys

    keys = Keys("rh:")
    for host in ("gpu-a", "gpu-b"):
        Hosts(fake_redis, keys).beat(host)
    a = client.post(PULL, json={"model": "tiny", "host": "gpu-a"})
    assert a.status_code == 202, a.json
    assert a.json["params"]["host"] == "gpu-a" and a.json["params"]["ollama_url"] == ""
    assert sent[-1]["queue"] == "host.gpu-a"
    assert client.post(PULL, json={"model": "tiny:latest", "host": "gpu-a"}).json["joined"]
    b = client.post(PULL, json={"model": "tiny", "host": "gpu-b"})
    anywhere = client.post(PULL, json={"model": "tiny"})
    assert len({a.json["id"], b.json["id"], anywhere.json["id"]}) == 3  # three Ollamas
    assert sent[-1]["queue"] == "downloads"
    unknown = client.post(PULL, json={"model": "tiny", "host": "nosuch"})
    assert unknown.status_code == 400 and "nosuch" in unknown.json["message"]
    down = {
        "ollama": {
            "base_url": "http://127.0.0.1:11434",
            "health": {"ok": False, "error": "refused"},
        }
    }
    HostViews(fake_redis, keys, 60).publish("gpu-b", down)
    before = len(sent)
    r = client.post(PULL, json={"model": "other", "host": "gpu-b"})
    assert r.status_code == 503 and "Ollama on gpu-b" in r.json["message"]
    assert len(sent) == before  # nothing queued

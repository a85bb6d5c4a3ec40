"""llama.cpp through the API (Flask test client, fakeredis): what is refused before any job,
what queues which job, and what the status row and model list show."""

from __future__ import annotations

from pathlib import Path

import fakeredis
import pytest
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.core.downloads import Downloads
from roundhouse.core.hosts import Hosts
from roundhouse.core.keys import Keys
from roundhouse.core.settings import Settings
from roundhouse.providers.llamacpp import engine
from tests.fakes.gguf_bytes import write_gguf
from tests.fakes.service import running
from tests.helpers import free_port

HOST = "host-a"
START, SETUP, SWITCH = (
    "/api/providers/services/start",
    "/api/providers/services/setup",
    "/api/providers/switch",
)


def make(fake_redis: fakeredis.FakeRedis, sent: list, tmp_path: Path, **kw: object) -> FlaskClient:
    values: dict = {
        "hostname": HOST,
        "data_dir": tmp_path,
        "llamacpp_base_url": f"http://127.0.0.1:{free_port()}",
        "llamacpp_command": "llama-server",
        "health_timeout_s": 0.5,
    }
    settings = Settings(**(values | kw)).resolved()
    Hosts(fake_redis, Keys()).beat(HOST)  # a worker serves this host
    return create_app(settings, client=fake_redis, enqueue=sent.append).test_client()


@pytest.fixture
def sent() -> list[dict]:
    return []


@pytest.fixture
def client(fake_redis: fakeredis.FakeRedis, sent: list, tmp_path: Path) -> FlaskClient:
    return make(fake_redis, sent, tmp_path)


@pytest.fixture
def gemma(fake_redis: fakeredis.FakeRedis, tmp_path: Path) -> dict:
    """A downloaded GGUF on this host, as the install pipeline records it."""
    path = tmp_path / "models/hf/org/Gemma-GGUF/gemma-3-270m-it-Q4_K_M.gguf"
    write_gguf(path, 8192, arch="gemma3")
    files = [{"filename": path.name, "path": str(path), "size": 8192, "sha256": None}]
    return Downloads(fake_redis, Keys()).put(
        {"host": HOST, "repo_id": "org/Gemma-GGUF", "files": files}
    )


def test_start_serves_the_named_file_by_its_id(
    client: FlaskClient, sent: list, gemma: dict
) -> None:
    r = client.post(START, json={"service": "llamacpp", "model": "gemma-3-270m-it-Q4_K_M"})
    assert r.status_code == 202, r.json
    assert r.json["params"] == {"service": "llamacpp", "host": HOST, "model": gemma["id"]}
    assert sent[0]["queue"] == f"host.{HOST}"


def test_a_file_not_on_disk_is_a_409_with_how_to_install(client: FlaskClient, sent: list) -> None:
    r = client.post(START, json={"service": "llamacpp", "model": "qwen2.5-0.5b"})
    assert r.status_code == 409 and "not on disk" in r.json["message"]
    assert "--to llamacpp" in r.json["hint"] and not sent
    r = client.post(SWITCH, json={"llm": {"provider": "llama.cpp", "model": "qwen2.5-0.5b"}})
    assert r.status_code == 409 and "--to llamacpp" in r.json["hint"] and not sent


def test_a_model_too_big_for_free_ram_is_a_409_with_the_numbers(
    fake_redis: fakeredis.FakeRedis, sent: list, tmp_path: Path, gemma: dict
) -> None:
    client = make(fake_redis, sent, tmp_path, llamacpp_ctx=10**9)
    r = client.post(START, json={"service": "llamacpp"})
    assert r.status_code == 409 and "MiB are free" in r.json["message"], r.json
    assert r.json["needed_bytes"] > r.json["free_bytes"] > 0 and r.json["ctx"] == 10**9
    assert not sent


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"service": "flux", "model": "x"}, "only for llamacpp"),
        ({"service": "llamacpp", "model": 3}, "file id or name"),
        ({"service": "llamacpp", "model": " "}, "file id or name"),
        ({"service": "llamacpp", "model": "x" * 201}, "file id or name"),
    ],
)
def test_bad_model_is_a_400(client: FlaskClient, sent: list, body: dict, needle: str) -> None:
    r = client.post(START, json=body)
    assert r.status_code == 400 and needle in r.json["message"] and not sent


def test_not_set_up_is_a_409_and_the_row_offers_setup(
    fake_redis: fakeredis.FakeRedis,
    sent: list,
    tmp_path: Path,
    gemma: dict,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(engine, "here_has_server", lambda: False)
    client = make(fake_redis, sent, tmp_path, llamacpp_command="")
    r = client.post(START, json={"service": "llamacpp"})
    assert r.status_code == 409 and "not set up" in r.json["message"]
    assert "roundhouse services setup llamacpp" in r.json["hint"]
    rows = client.get("/api/providers/services/status").json["services"]
    row = next(x for x in rows if x["service"] == "llamacpp")
    assert row["actions"] == {"start": False, "stop": False, "setup": True}
    assert row["engine"]["kind"] == "none" and row["models"][0]["file_id"] == gemma["id"]
    install = {"repo_id": "org/Gemma-GGUF", "quant": "Q4_K_M", "targets": ["llamacpp"]}
    r = client.post("/api/providers/models/install", json=install)
    assert r.status_code == 409 and "not set up" in r.json["message"] and not sent
    r = client.post(SETUP, json={"service": "llamacpp"})
    assert r.status_code == 202 and r.json["kind"] == "llamacpp.setup"
    assert sent[0]["queue"] == f"host.{HOST}"
    again = client.post(SETUP, json={"service": "llamacpp"})
    assert again.json["id"] == r.json["id"] and len(sent) == 1
    rows = client.get("/api/providers/services/status").json["services"]
    row = next(x for x in rows if x["service"] == "llamacpp")
    assert row["job"]["id"] == r.json["id"] and row["actions"]["setup"] is False


@pytest.mark.parametrize(
    ("body", "needle"),
    [({"service": "ollama"}, "no setup step"), ({"service": "llamacpp", "force": 1}, "'force'")],
)
def test_setup_refuses_what_has_no_setup(
    client: FlaskClient, sent: list, body: dict, needle: str
) -> None:
    r = client.post(SETUP, json=body)
    assert r.status_code == 400 and needle in r.json["message"] and not sent


def test_switching_to_a_file_not_served_is_a_job_that_loads_it(
    client: FlaskClient, sent: list, gemma: dict
) -> None:
    body = {"llm": {"provider": "llamacpp", "model": gemma["id"]}, "by": "tester"}
    r = client.post(SWITCH, json=body)
    assert r.status_code == 202 and r.json["kind"] == "llamacpp.switch", r.json
    p = r.json["params"]
    assert (p["model"], p["name"], p["by"]) == (gemma["id"], "gemma-3-270m-it-Q4_K_M", "tester")
    assert p["verify"] is True and p["changes"] == {} and sent[0]["queue"] == f"host.{HOST}"
    state = client.get("/api/providers/status").json
    assert state["active"]["llm"]["provider"] == "openai" and state["version"] == 0  # not yet
    row = next(
        x
        for x in client.get("/api/providers/services/status").json["services"]
        if x["service"] == "llamacpp"
    )
    assert row["state"] == "starting" and row["job"]["id"] == r.json["id"]


def test_a_port_held_by_a_server_it_did_not_start_is_a_409_naming_it(
    fake_redis: fakeredis.FakeRedis, sent: list, tmp_path: Path, gemma: dict
) -> None:
    port = free_port()
    client = make(fake_redis, sent, tmp_path, llamacpp_base_url=f"http://127.0.0.1:{port}")
    with running(port):  # healthy at /v1/models, like another llama-server
        for path, body in (
            (START, {"service": "llamacpp"}),
            (SWITCH, {"llm": {"provider": "llamacpp", "model": gemma["id"]}}),
        ):
            r = client.post(path, json=body)
            assert r.status_code == 409, r.json
            assert f"cannot start llama.cpp: port {port} is in use by pid" in r.json["message"]
            assert "ROUNDHOUSE_LLAMACPP_BASE_URL" in r.json["hint"] and r.json["port"] == port
    assert not sent
    assert client.post(START, json={"service": "llamacpp"}).status_code == 202  # free again


def test_its_model_list_is_the_downloaded_ggufs(client: FlaskClient, gemma: dict) -> None:
    body = client.get("/api/providers/llm/models").json
    assert body["backends"]["llamacpp"] == {
        "ok": True,
        "error": None,
        "models": ["gemma-3-270m-it-Q4_K_M"],
    }
    assert {"provider": "llamacpp", "model": "gemma-3-270m-it-Q4_K_M"} in body["models"]
    catalog = client.get("/api/providers/status").json["catalog"]["llm"]
    assert {"provider": "llamacpp", "title": "llama.cpp", "service": "llamacpp"}.items() <= next(
        p for p in catalog if p["provider"] == "llamacpp"
    ).items()

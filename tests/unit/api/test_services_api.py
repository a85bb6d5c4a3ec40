"""The services API through Flask's test client: validation, dedup, refusals, status rows."""

from __future__ import annotations

import time

import fakeredis
import pytest
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.core.hosts import Hosts
from roundhouse.core.keys import Keys
from roundhouse.core.services import ServiceStore
from roundhouse.core.settings import Settings
from tests.fakes.service import running
from tests.helpers import free_port

HOST = "host-a"


@pytest.fixture
def ports() -> dict[str, int]:
    return {name: free_port() for name in ("ollama", "lmstudio", "flux", "vision")}


@pytest.fixture
def sent() -> list[dict]:
    return []


@pytest.fixture
def client(fake_redis: fakeredis.FakeRedis, sent: list[dict], ports: dict[str, int]) -> FlaskClient:
    settings = Settings(
        hostname=HOST,
        ollama_base_url=f"http://127.0.0.1:{ports['ollama']}",
        lmstudio_base_url=f"http://127.0.0.1:{ports['lmstudio']}",
        flux_api_url=f"http://127.0.0.1:{ports['flux']}",
        local_vision_api_url=f"http://127.0.0.1:{ports['vision']}",
        flux_command="flux-server --port 1",
        health_timeout_s=5.0,  # a loaded machine's fake may be slow; none here black-holes
    )
    Hosts(fake_redis, Keys("rh:")).beat(HOST)  # a worker serves this host
    return create_app(settings, client=fake_redis, enqueue=sent.append).test_client()


def rows(client: FlaskClient, **query: str) -> dict[str, dict]:
    body = client.get("/api/providers/services/status", query_string=query).json
    return {row["service"]: row for row in body["services"]}


def test_start_queues_a_job_on_the_hosts_queue_and_dedups(
    client: FlaskClient, sent: list[dict]
) -> None:
    first = client.post("/api/providers/services/start", json={"service": "flux"})
    assert first.status_code == 202 and first.json["kind"] == "service.start"
    assert first.json["params"] == {"service": "flux", "host": HOST}
    assert sent[0]["queue"] == f"host.{HOST}"
    second = client.post("/api/providers/services/start", json={"service": "flux"})
    assert second.json["id"] == first.json["id"] and second.json["joined"] is True
    assert len(sent) == 1
    row = rows(client)["flux"]
    assert row["state"] == "starting" and row["job"]["id"] == first.json["id"]
    assert row["actions"] == {"start": False, "stop": True}


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"service": "rm -rf /"}, "known services: flux, llamacpp, lmstudio, ollama"),
        ({"service": 3}, "unknown service"),
        ({}, "unknown service"),
        ({"service": "flux", "command": "sh"}, "Unknown field"),
        ({"service": "flux", "host": "nowhere"}, "unknown host 'nowhere'"),
        ({"service": "flux", "host": "../x"}, "unknown host"),
    ],
)
def test_bad_input_is_a_400_that_changes_nothing(
    client: FlaskClient, sent: list[dict], body: dict, needle: str
) -> None:
    for action in ("start", "stop"):
        r = client.post(f"/api/providers/services/{action}", json=body)
        assert r.status_code == 400 and needle in r.json["message"], r.json
    assert sent == [] and client.get("/api/jobs").json["jobs"] == []


def test_unknown_service_lists_the_known_ones(client: FlaskClient) -> None:
    r = client.post("/api/providers/services/start", json={"service": "nginx"})
    known = ["flux", "llamacpp", "lmstudio", "ollama", "openai-compatible", "vision"]
    assert r.json["known"] == known


def test_a_host_with_a_worker_can_be_picked(
    client: FlaskClient, sent: list[dict], fake_redis: fakeredis.FakeRedis
) -> None:
    Hosts(fake_redis, Keys("rh:")).beat("gpu-box")
    r = client.post("/api/providers/services/start", json={"service": "ollama", "host": "gpu-box"})
    assert r.status_code == 202 and sent[-1]["queue"] == "host.gpu-box"
    body = client.get("/api/providers/services/status?host=gpu-box").json
    assert body["hosts"] == ["gpu-box", HOST] and body["host"] == "gpu-box"
    assert client.get("/api/providers/services/status?host=zz").status_code == 400


def test_stop_refuses_what_it_did_not_start(
    client: FlaskClient, sent: list[dict], ports: dict[str, int]
) -> None:
    with running(ports["flux"]):
        r = client.post("/api/providers/services/stop", json={"service": "flux"})
        assert r.status_code == 409 and "not started by Roundhouse" in r.json["message"]
        assert rows(client)["flux"]["state"] == "external"
    assert sent == []
    r = client.post("/api/providers/services/stop", json={"service": "flux"})
    assert r.status_code == 202 and r.json["kind"] == "service.stop"  # idempotent: a job says so


def test_stop_cancels_a_queued_start(client: FlaskClient, sent: list[dict]) -> None:
    start = client.post("/api/providers/services/start", json={"service": "flux"}).json
    r = client.post("/api/providers/services/stop", json={"service": "flux"})
    assert r.status_code == 202
    assert client.get(f"/api/jobs/{start['id']}").json["state"] == "cancelled"
    assert rows(client)["flux"]["state"] == "stopped"


def test_status_rows_from_records_and_health(
    client: FlaskClient, fake_redis: fakeredis.FakeRedis, ports: dict[str, int]
) -> None:
    store = ServiceStore(fake_redis, Keys("rh:"))
    store.change(HOST, "vision", {"state": "crashed", "returncode": 3, "log_tail": ["boom"]})
    with running(ports["ollama"]):
        got = rows(client)
    assert got["ollama"]["state"] == "external" and got["ollama"]["health"]["ok"] is True
    assert got["vision"]["state"] == "crashed" and got["vision"]["log_tail"] == ["boom"]
    assert got["vision"]["actions"] == {"start": False, "stop": False}  # no command set
    assert got["flux"]["actions"] == {"start": True, "stop": False}
    assert got["flux"]["state"] == "stopped" and got["flux"]["configured"] is True
    assert got["lmstudio"]["health"]["ok"] is False
    assert got["openai-compatible"]["configured"] is False and got["flux"]["port"] == ports["flux"]


def test_another_hosts_status_is_what_its_worker_published(
    client: FlaskClient, fake_redis: fakeredis.FakeRedis
) -> None:
    """gpu's 127.0.0.1 is gpu's loopback: its URLs and health come from gpu's own worker."""
    from roundhouse.core.host_view import HostViews
    from roundhouse.tasks.host_report import view

    port = free_port()
    with running(port):
        gpu = Settings(
            hostname="gpu", ollama_base_url=f"http://127.0.0.1:{port}", health_timeout_s=5.0
        )
        published = view(gpu)
    Hosts(fake_redis, Keys("rh:")).beat("gpu")
    HostViews(fake_redis, Keys("rh:"), 60).publish("gpu", published)
    body = client.get("/api/providers/services/status", query_string={"host": "gpu"}).json
    ollama = {r["service"]: r for r in body["services"]}["ollama"]
    assert ollama["url"] == f"http://127.0.0.1:{port}"  # gpu's setting, not the API's
    assert ollama["health"]["ok"] is True and ollama["state"] == "external"
    assert body["seen_by"] == "gpu" and body["view_at"] and body["online"] is True
    assert {h["host"]: h["online"] for h in body["host_states"]} == {HOST: True, "gpu": True}


def test_a_silent_host_is_offline_in_the_status(
    client: FlaskClient, fake_redis: fakeredis.FakeRedis
) -> None:
    an_hour_ago = time.time() - 3600  # offline, but not forgotten yet
    Hosts(fake_redis, Keys("rh:")).beat("gpu", at=an_hour_ago)
    body = client.get("/api/providers/services/status", query_string={"host": "gpu"}).json
    assert body["online"] is False and body["last_seen"] == an_hour_ago
    assert body["seen_by"] == HOST  # nothing published: the API's own view, as before


def test_a_host_silent_past_the_forget_period_is_no_longer_listed(
    fake_redis: fakeredis.FakeRedis,
) -> None:
    settings = Settings(hostname="a", host_forget_s=60)
    hosts = Hosts.of(fake_redis, Keys("rh:"), settings)
    hosts.beat("old", at=1.0)
    hosts.beat("a")
    assert hosts.known() == ["a"]
    assert Settings.from_env({"ROUNDHOUSE_HOST_OFFLINE_S": "12"}).host_offline_after_s == 12
    assert Settings.from_env({"ROUNDHOUSE_HOST_FORGET_S": "60"}).host_forget_s == 60

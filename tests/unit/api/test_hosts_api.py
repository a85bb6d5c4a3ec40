"""Every host-bound endpoint sends work only to a host whose worker announced itself."""

from __future__ import annotations

import time
from pathlib import Path

import fakeredis
import pytest
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.core.hosts import Hosts
from roundhouse.core.keys import Keys
from roundhouse.core.settings import Settings

API_HOST = "3f2a9c1d0b7e"  # a container id: no worker serves it
GGUF = "hf/org/repo/model.Q4_K_M.gguf"

#: endpoint -> a body valid in everything but the host
BODIES = {
    "/api/providers/models/install": {"repo_id": "org/repo", "quant": "Q4_K_M"},
    "/api/providers/models/hf-download": {"repo_id": "org/repo", "quant": "Q4_K_M"},
    "/api/providers/models/import": {"path": GGUF, "repo_id": "org/repo", "targets": ["lmstudio"]},
    "/api/providers/services/start": {"service": "ollama"},
    "/api/providers/services/stop": {"service": "ollama"},
}


@pytest.fixture
def sent() -> list[dict]:
    return []


@pytest.fixture
def hosts(fake_redis: fakeredis.FakeRedis) -> Hosts:
    return Hosts(fake_redis, Keys("rh:"))


@pytest.fixture
def client(fake_redis: fakeredis.FakeRedis, sent: list[dict], tmp_path: Path) -> FlaskClient:
    settings = Settings(hostname=API_HOST, data_dir=tmp_path, hf_endpoint="http://127.0.0.1:9")
    settings = settings.resolved()
    (settings.models_dir / GGUF).parent.mkdir(parents=True)
    (settings.models_dir / GGUF).write_bytes(b"GGUF")
    return create_app(settings, client=fake_redis, enqueue=sent.append).test_client()


def _refused(client: FlaskClient, sent: list[dict], host: object, needle: str) -> None:
    for url, body in BODIES.items():
        r = client.post(url, json={**body, "host": host})
        assert r.status_code == 400 and needle in r.json["message"], (url, r.json)
    assert sent == [] and client.get("/api/jobs").json["jobs"] == []


@pytest.mark.parametrize("host", ["nosuchhost", "evil.example", "höst", "١٢٣", "gpu\n", 5])
def test_unknown_and_non_ascii_hosts_are_refused_everywhere(
    client: FlaskClient, sent: list[dict], hosts: Hosts, host: object
) -> None:
    hosts.beat("gpu")
    _refused(client, sent, host, "unknown host")
    r = client.post("/api/providers/services/start", json={"service": "ollama", "host": host})
    assert r.json["known"] == ["gpu"]


def test_an_offline_host_is_refused_saying_since_when(
    client: FlaskClient, sent: list[dict], hosts: Hosts
) -> None:
    hosts.beat("gpu", at=time.time() - 120)
    _refused(client, sent, "gpu", "host 'gpu' is offline (no worker heard from since ")


def test_without_host_the_single_announced_host_is_the_default(
    client: FlaskClient, sent: list[dict], hosts: Hosts
) -> None:
    r = client.post("/api/providers/services/start", json={"service": "ollama"})
    assert r.status_code == 400 and "no worker has announced itself" in r.json["message"]
    hosts.beat("gpu")
    r = client.post("/api/providers/services/start", json={"service": "ollama"})
    assert r.status_code == 202 and r.json["params"]["host"] == "gpu"
    r = client.post("/api/providers/models/import", json=BODIES["/api/providers/models/import"])
    assert r.status_code == 202 and r.json["params"]["host"] == "gpu"
    assert [job["queue"] for job in sent] == ["host.gpu", "host.gpu"]


def test_with_two_hosts_and_none_here_the_caller_must_choose(
    client: FlaskClient, sent: list[dict], hosts: Hosts
) -> None:
    hosts.beat("gpu")
    hosts.beat("cpu")
    r = client.post("/api/providers/models/import", json=BODIES["/api/providers/models/import"])
    assert r.status_code == 400 and r.json["online"] == ["cpu", "gpu"]
    assert "choose a host" in r.json["message"] and sent == []
    hosts.beat(API_HOST)
    r = client.post("/api/providers/models/import", json=BODIES["/api/providers/models/import"])
    assert r.status_code == 202 and sent[-1]["queue"] == f"host.{API_HOST}"

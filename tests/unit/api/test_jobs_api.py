"""The jobs REST API through Flask's test client, with a recording enqueue seam."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from roundhouse.api import create_app
from roundhouse.core.settings import Settings


@pytest.fixture
def sent() -> list[dict]:
    return []


@pytest.fixture
def client(fake_redis, sent: list[dict]) -> FlaskClient:  # type: ignore[no-untyped-def]
    app = create_app(Settings(), client=fake_redis, enqueue=sent.append)
    return app.test_client()


def test_create_list_get_and_cancel(client: FlaskClient, sent: list[dict]) -> None:
    r = client.post("/api/jobs", json={"kind": "demo.count", "params": {"steps": 3}})
    assert r.status_code == 202 and r.headers["Location"] == f"/api/jobs/{r.json['id']}"
    assert sent[0]["id"] == r.json["id"] and sent[0]["queue"] == "default"
    assert client.get("/api/jobs").json["jobs"][0]["id"] == r.json["id"]
    assert client.get(f"/api/jobs/{r.json['id']}").json["params"] == {"steps": 3, "interval": 0.1}
    assert client.post(f"/api/jobs/{r.json['id']}/cancel").json["state"] == "cancelled"


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"kind": "rm -rf"}, "cannot be created here"),
        ({"kind": "demo.count", "params": {"steps": 0}}, "steps must be a number from 1"),
        ({"kind": "demo.count", "params": {"what": 1}}, "Unknown parameter"),
        ({"kind": "demo.count", "extra": 1}, "Unknown field"),
    ],
)
def test_bad_input_is_a_400_that_changes_nothing(
    client: FlaskClient, sent: list[dict], body: dict, needle: str
) -> None:
    r = client.post("/api/jobs", json=body)
    assert r.status_code == 400 and needle in r.json["message"]
    assert sent == [] and client.get("/api/jobs").json["jobs"] == []


def test_non_object_body_is_refused(client: FlaskClient) -> None:
    r = client.post("/api/jobs", data="[1,2]", content_type="application/json")
    assert r.status_code == 400 and "JSON object" in r.json["message"]


def test_unknown_job_is_404_with_a_message(client: FlaskClient) -> None:
    r = client.get("/api/jobs/missing")
    assert r.status_code == 404 and "No job with id 'missing'" in r.json["message"]
    assert client.post("/api/jobs/missing/cancel").status_code == 404


def test_pause_and_resume_requeue(client: FlaskClient, sent: list[dict]) -> None:
    job = client.post("/api/jobs", json={"kind": "demo.count"}).json
    assert client.post(f"/api/jobs/{job['id']}/pause").json["state"] == "paused"
    r = client.post(f"/api/jobs/{job['id']}/resume")
    assert r.status_code == 202 and r.json["state"] == "queued" and len(sent) == 2
    assert client.post(f"/api/jobs/{job['id']}/resume").status_code == 409


def test_bad_query_arguments(client: FlaskClient) -> None:
    assert client.get("/api/jobs?limit=0").status_code == 400
    assert client.get("/api/jobs?state=nope").status_code == 400


def test_healthz_reports_no_worker(client: FlaskClient) -> None:
    body = client.get("/healthz").json
    assert body["redis"]["ok"] and body["workers"] == [] and not body["ok"]


def test_healthz_lists_workers_by_host_and_offline_hosts(client: FlaskClient, fake_redis) -> None:  # type: ignore[no-untyped-def]
    import time

    from roundhouse.core.hosts import Hosts
    from roundhouse.core.keys import Keys
    from roundhouse.core.settings import Settings
    from roundhouse.core.stores import Stores
    from roundhouse.tasks.watchdog import beat_worker

    stores = Stores(fake_redis, Keys("rh:"), Settings())
    for name, host in (("11@gpu-a", "gpu-a"), ("12@gpu-a", "gpu-a"), ("13@gpu-b", "gpu-b")):
        beat_worker(stores, name, host)
    Hosts(fake_redis, Keys("rh:")).beat("old", at=time.time() - 3600)
    hosts = {h["host"]: h for h in client.get("/healthz").json["hosts"]}
    assert hosts["gpu-a"]["workers"] == ["11@gpu-a", "12@gpu-a"] and hosts["gpu-a"]["online"]
    assert hosts["gpu-b"]["workers"] == ["13@gpu-b"]
    assert hosts["old"]["online"] is False and hosts["old"]["workers"] == []


def test_body_size_is_limited(client: FlaskClient) -> None:
    r = client.post("/api/jobs", data="x" * 100_000, content_type="application/json")
    assert r.status_code == 413

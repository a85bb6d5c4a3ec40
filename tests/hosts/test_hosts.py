"""Many hosts, proven: Redis, an API and two worker hosts in their own network namespaces.

The scenarios share one topology (see topology.py) and run in file order; each checks what a
user on the API's address is promised, and what landed on which host's disk and Ollama.
"""

from __future__ import annotations

import time

import httpx

from tests.hosts.conftest import FILE, REPO_ID, SLOW_FILE, SLOW_REPO, SLOW_SIZE, file_on
from tests.hosts.topology import COMPAT_URL, Topology

MODELS = "/api/providers/models"


def wait_job(c: httpx.Client, job_id: str, states: set[str], timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    job: dict = {}
    while time.monotonic() < deadline:
        job = c.get(f"/api/jobs/{job_id}").json()
        if job["state"] in states:
            return job
        time.sleep(0.1)
    raise TimeoutError(f"job {job_id} still {job.get('state')}: {job}")


def test_same_download_deduplicated_per_host(hosts: Topology) -> None:
    body = {"repo_id": REPO_ID, "file": FILE, "host": "gpu-a"}
    with hosts.client() as one, hosts.client() as two:
        first = one.post(f"{MODELS}/hf-download", json=body)
        again = two.post(f"{MODELS}/hf-download", json=body)
        other = one.post(f"{MODELS}/hf-download", json={**body, "host": "gpu-b"})
        assert first.status_code == 202, first.text
        assert again.json()["id"] == first.json()["id"]
        assert other.status_code == 202 and other.json()["id"] != first.json()["id"]
        a = wait_job(one, first.json()["id"], {"succeeded", "failed"})
        b = wait_job(one, other.json()["id"], {"succeeded", "failed"})
    assert (a["state"], a["host"]) == ("succeeded", "gpu-a"), a
    assert (b["state"], b["host"]) == ("succeeded", "gpu-b"), b
    assert file_on(hosts, "gpu-a").is_file() and file_on(hosts, "gpu-b").is_file()
    assert not file_on(hosts, "api").exists()


def service_row(c: httpx.Client, host: str, name: str) -> tuple[dict, dict]:
    body = c.get("/api/providers/services/status", params={"host": host}).json()
    return body, next(r for r in body["services"] if r["service"] == name)


def test_a_service_on_gpu_b_shows_gpu_bs_own_url_and_health(hosts: Topology) -> None:
    name = "openai-compatible"
    with hosts.client() as c:
        body, row = service_row(c, "gpu-b", name)
        assert body["seen_by"] == "gpu-b" and body["online"] is True
        assert row["url"] == COMPAT_URL and row["configured"] and row["state"] == "stopped"
        assert not service_row(c, "gpu-a", name)[1]["configured"]  # gpu-a's settings differ
        r = c.post("/api/providers/services/start", json={"service": name, "host": "gpu-b"})
        assert r.status_code == 202, r.text
        job = wait_job(c, r.json()["id"], {"succeeded", "failed"})
        assert (job["state"], job["host"]) == ("succeeded", "gpu-b"), job
        body, row = service_row(c, "gpu-b", name)
        assert row["state"] == "running" and row["managed"], row
        assert row["url"] == COMPAT_URL and row["health"]["ok"] is True, row
        assert any("--port 8090" in _cmdline(p) for p in hosts.net.pids("gpu-b"))
        r = c.post("/api/providers/services/stop", json={"service": name, "host": "gpu-b"})
        assert wait_job(c, r.json()["id"], {"succeeded", "failed"})["state"] == "succeeded"
        body, row = service_row(c, "gpu-b", name)
        assert row["state"] == "stopped" and row["health"]["ok"] is False, row
    assert not any("--port 8090" in _cmdline(p) for p in hosts.net.pids("api"))


def _cmdline(pid: int) -> str:
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def wait_for(c: httpx.Client, job_id: str, ok, timeout: float = 60) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    job: dict = {}
    while time.monotonic() < deadline:
        job = c.get(f"/api/jobs/{job_id}").json()
        if ok(job):
            return job
        time.sleep(0.1)
    raise TimeoutError(f"job {job_id}: {job}")


def test_link_cut_for_30s_mid_download_resumes_the_same_job(hosts: Topology) -> None:
    hub = "http://127.0.0.1:18080/_fake"
    hosts.post_json("gpu-a", f"{hub}/faults", {"trickle": 100_000, "reset_stats": True})
    body = {"repo_id": SLOW_REPO, "file": SLOW_FILE, "host": "gpu-a"}
    try:
        with hosts.client() as c:
            r = c.post(f"{MODELS}/hf-download", json=body)
            assert r.status_code == 202, r.text
            job_id = r.json()["id"]
            wait_for(c, job_id, lambda j: (j.get("progress") or 0) >= 0.4)
            hosts.net.cut("gpu-a")
            cut_at = time.monotonic()
            job = wait_for(c, job_id, lambda j: "unreachable" in (j.get("message") or ""), 40)
            seen_after = time.monotonic() - cut_at
            assert seen_after < 30, (seen_after, job)
            assert job["state"] == "running"
            assert job["message"].startswith("host gpu-a unreachable since "), job
            time.sleep(max(0.0, 30 - (time.monotonic() - cut_at)))
            hosts.net.restore("gpu-a")
            job = wait_job(c, job_id, {"succeeded", "failed", "cancelled"}, timeout=120)
    finally:
        hosts.net.restore("gpu-a")
        hosts.post_json("gpu-a", f"{hub}/faults", {"trickle": None})
    assert (job["state"], job["host"], job["attempts"]) == ("succeeded", "gpu-a", 1), job
    assert job["unreachable_since"] is None
    served = hosts.get_json("gpu-a", f"{hub}/stats")["served"][f"{SLOW_REPO}/{SLOW_FILE}"]
    assert served <= SLOW_SIZE * 1.01, served  # re-fetched under 1 %
    assert file_on(hosts, "gpu-a", SLOW_REPO, SLOW_FILE).stat().st_size == SLOW_SIZE

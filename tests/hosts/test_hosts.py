"""Many hosts, proven: Redis, an API and two worker hosts in their own network namespaces.

The scenarios share one topology (see topology.py) and run in file order; each checks what a
user on the API's address is promised, and what landed on which host's disk and Ollama.
"""

from __future__ import annotations

import time

import httpx

from tests.hosts.conftest import FILE, REPO_ID, file_on
from tests.hosts.topology import Topology

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

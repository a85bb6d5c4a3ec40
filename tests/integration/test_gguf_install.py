"""GGUF install end to end: real API, Redis and worker; the fake Hub, Ollama and LM Studio."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import Fakes
from tests.fakes.gguf_bytes import gguf_bytes
from tests.helpers import wait_done, wait_state
from tests.stacks import TestStack

API = "/api/providers/models"
_n = iter(range(10_000))


def new_repo(
    fakes: Fakes, size: int = 300_000, quant: str = "Q4_K_M", publisher: str = "tester"
) -> tuple[str, str, bytes]:
    """A fresh repo with one real GGUF file (unique names: the fakes are shared)."""
    i = next(_n)
    stamp = int(time.time() * 1000) % 10**8
    repo, name = f"{publisher}/Tiny{i}-{stamp}-GGUF", f"Tiny{i}-{quant}.gguf"
    data = gguf_bytes(size, name=f"Tiny {i}")
    fakes.hub.add_file(repo, name, data)
    return repo, name, data


def post(stack: TestStack, path: str, body: dict) -> httpx.Response:
    return httpx.post(f"{stack.url}{API}{path}", json=body, timeout=30)


def events(stack: TestStack, job_id: str) -> list[dict]:
    return [json.loads(e) for e in stack.store().events(job_id)]


def lmstudio_ids(fakes: Fakes) -> list[str]:
    return [m["id"] for m in httpx.get(f"{fakes.lmstudio.url}/v1/models").json()["data"]]


def test_install_into_both_targets_in_stages(stack: TestStack, fakes: Fakes) -> None:
    repo, name, data = new_repo(fakes)
    r = post(stack, "/install", {"repo_id": repo, "quant": "Q4_K_M"})
    assert r.status_code == 202, r.text
    job = wait_state(stack, r.json()["id"], {"succeeded", "failed"}, timeout=90)
    assert job["state"] == "succeeded", job
    ollama_name = f"hf.co/{repo}:Q4_K_M"
    assert job["result"]["models"]["ollama"] == ollama_name
    tags = httpx.get(f"{fakes.ollama.url}/api/tags").json()["models"]
    assert any(m["name"].lower() == ollama_name.lower() for m in tags)
    assert job["result"]["models"]["lmstudio"] in lmstudio_ids(fakes)
    assert (fakes.lmstudio_dir / repo / name).read_bytes() == data
    assert {t["answer"] for t in job["result"]["tests"].values()} == {"OK"}
    evs = events(stack, job["id"])
    stages = [e["stage"] for e in evs]
    order = [stages.index(s) for s in ("check", "download", "verify", "import", "test")]
    assert order == sorted(order)
    progress = [e["progress"] for e in evs if e.get("progress") is not None]
    assert progress == sorted(progress) and progress[-1] == 1.0
    files = httpx.get(f"{stack.url}{API}/files").json()["files"]
    mine = next(f for f in files if f["id"] == job["result"]["file_id"])
    assert mine["files"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert mine["commit"] == fakes.hub.repos[repo].commit


def test_dropped_connection_and_a_503_are_retried_with_range(
    stack: TestStack, fakes: Fakes
) -> None:
    repo, name, data = new_repo(fakes, size=400_000)
    fakes.hub.fail_next(1, 503)
    fakes.hub.drop_after(150_000)
    try:
        r = post(stack, "/hf-download", {"repo_id": repo, "file": name})
        job = wait_state(stack, r.json()["id"], {"succeeded", "failed"}, timeout=60)
    finally:
        fakes.hub.fail_next(0)
        fakes.hub.drop_after(None)
    assert job["state"] == "succeeded", job
    ranges = fakes.hub.range_requests(name)
    assert any(rng and rng.startswith("bytes=") and rng != "bytes=0-" for rng in ranges), ranges
    assert Path(job["result"]["files"][0]).read_bytes() == data


def test_wrong_bytes_fail_the_job_and_delete_the_part(stack: TestStack, fakes: Fakes) -> None:
    repo, name, _ = new_repo(fakes)
    fakes.hub.serve_wrong_bytes(name)
    try:
        r = post(stack, "/hf-download", {"repo_id": repo, "quant": "Q4_K_M"})
        job = wait_state(stack, r.json()["id"], {"succeeded", "failed"}, timeout=60)
    finally:
        fakes.hub.serve_wrong_bytes(name, on=False)
    assert job["state"] == "failed" and "sha256 mismatch" in job["error"]
    assert "deleted" in job["error"]
    folder = Path(stack.stack.data_dir) / "models" / "hf" / repo
    assert not list(folder.glob("*.part")) and not (folder / name).exists()


def test_pause_keeps_the_part_and_resume_continues_from_it(stack: TestStack, fakes: Fakes) -> None:
    repo, name, data = new_repo(fakes, size=1_500_000)
    fakes.hub.trickle(100_000)  # ~15 s: the pause lands mid-download on a loaded machine too
    try:
        job_id = post(stack, "/hf-download", {"repo_id": repo, "file": name}).json()["id"]
        wait_done(stack, job_id, 300_000)
        assert httpx.post(f"{stack.url}/api/jobs/{job_id}/pause").status_code == 200
        paused = wait_state(stack, job_id, {"paused", "failed"}, timeout=30)
        assert paused["state"] == "paused"
        part = Path(stack.stack.data_dir) / "models" / "hf" / repo / f"{name}.part"
        have = part.stat().st_size
        assert have >= 300_000
    finally:
        fakes.hub.trickle(None)
    assert httpx.post(f"{stack.url}/api/jobs/{job_id}/resume").status_code == 202
    job = wait_state(stack, job_id, {"succeeded", "failed"}, timeout=60)
    assert job["state"] == "succeeded", job
    assert fakes.hub.range_requests(name)[-1] == f"bytes={have}-"
    assert Path(job["result"]["files"][0]).read_bytes() == data


def test_split_gguf_goes_to_lmstudio_and_is_refused_for_ollama(
    stack: TestStack, fakes: Fakes
) -> None:
    i = next(_n)
    repo = f"tester/Split{i}-{int(time.time()) % 10**6}-GGUF"
    names = [f"Split{i}-Q8_0-0000{k}-of-00002.gguf" for k in (1, 2)]
    for k, shard in enumerate(names):
        extra = {"split.no": k, "split.count": 2}
        fakes.hub.add_file(repo, shard, gguf_bytes(120_000, name=f"S{i}", extra=extra))
    r = post(stack, "/install", {"repo_id": repo, "quant": "Q8_0"})
    assert r.status_code == 400 and "split" in r.json()["message"]
    r = post(stack, "/install", {"repo_id": repo, "quant": "Q8_0", "targets": ["lmstudio"]})
    job = wait_state(stack, r.json()["id"], {"succeeded", "failed"}, timeout=60)
    assert job["state"] == "succeeded", job
    assert all((fakes.lmstudio_dir / repo / n).is_file() for n in names)


def test_uninstall_lmstudio_file_and_downloaded_file(stack: TestStack, fakes: Fakes) -> None:
    repo, name, _ = new_repo(fakes, publisher=f"solo{time.time_ns() % 10**9}")
    r = post(stack, "/install", {"repo_id": repo, "quant": "Q4_K_M", "targets": ["lmstudio"]})
    job = wait_state(stack, r.json()["id"], {"succeeded", "failed"}, timeout=60)
    assert job["state"] == "succeeded", job
    for bad in ("..%2F..%2Fetc%2Fpasswd.gguf", f"{repo}/%2E%2E/%2E%2E/x.gguf", "a.gguf"):
        resp = httpx.delete(f"{stack.url}{API}/lmstudio/{bad}")
        assert resp.status_code in (400, 404), (bad, resp.text)
    assert (fakes.lmstudio_dir / repo / name).is_file()
    resp = httpx.delete(f"{stack.url}{API}/lmstudio/{repo}/{name}")
    assert resp.status_code == 200, resp.text
    assert not (fakes.lmstudio_dir / repo).exists()
    assert not (fakes.lmstudio_dir / repo.split("/")[0]).exists()
    file_id = job["result"]["file_id"]
    downloaded = Path(job["result"]["files"][0])
    assert httpx.delete(f"{stack.url}{API}/files/{file_id}").status_code == 200
    assert not downloaded.exists() and not downloaded.parent.exists()
    assert httpx.delete(f"{stack.url}{API}/files/{file_id}").status_code == 404


def test_check_for_updates_and_one_click_update(stack: TestStack, fakes: Fakes) -> None:
    repo, name, _ = new_repo(fakes)
    r = post(stack, "/install", {"repo_id": repo, "quant": "Q4_K_M", "targets": ["lmstudio"]})
    job = wait_state(stack, r.json()["id"], {"succeeded", "failed"}, timeout=60)
    file_id = job["result"]["file_id"]
    rows = post(stack, "/files/updates", {"ids": [file_id]}).json()["files"]
    assert rows[0]["update"]["available"] is False
    newer = gguf_bytes(310_000, name="Tiny v2")
    fakes.hub.add_file(repo, name, newer)
    rows = post(stack, "/files/updates", {"ids": [file_id]}).json()["files"]
    assert rows[0]["update"]["available"] is True and rows[0]["update"]["changed"] == [name]
    r = post(stack, f"/files/{file_id}/update", {})
    assert r.status_code == 202, r.text
    job = wait_state(stack, r.json()["id"], {"succeeded", "failed"}, timeout=60)
    assert job["state"] == "succeeded", job
    assert (fakes.lmstudio_dir / repo / name).read_bytes() == newer
    row = post(stack, "/files/updates", {"ids": [file_id]}).json()["files"][0]
    assert row["update"]["available"] is False and row["commit"] == fakes.hub.repos[repo].commit


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"repo_id": "no slash", "quant": "Q4_K_M"}, 400, "repo id"),
        ({"repo_id": "a/b", "quant": "Q4_K_M", "file": "x.gguf"}, 400, "exactly one"),
        ({"repo_id": "a/b", "file": "../x.gguf"}, 400, "'..'"),
        ({"repo_id": "a/b", "quant": "Q4_K_M", "targets": ["vllm"]}, 400, "targets"),
        ({"repo_id": "a/b", "quant": "Q4_K_M", "ollama_name": "Bad Name!"}, 400, "model name"),
        ({"repo_id": "tester/Nope-GGUF", "quant": "Q4_K_M"}, 404, "not found"),
    ],
)
def test_bad_input_is_refused_before_any_job(
    stack: TestStack, fakes: Fakes, body: dict, status: int, words: str
) -> None:
    before = len(httpx.get(f"{stack.url}/api/jobs?kind=model.install&limit=500").json()["jobs"])
    r = post(stack, "/install", body)
    assert r.status_code == status, r.text
    assert words in r.json()["message"]
    after = len(httpx.get(f"{stack.url}/api/jobs?kind=model.install&limit=500").json()["jobs"])
    assert after == before


def test_unknown_quant_lists_what_is_there(stack: TestStack, fakes: Fakes) -> None:
    repo, _, _ = new_repo(fakes)
    r = post(stack, "/install", {"repo_id": repo, "quant": "Q8_0"})
    assert r.status_code == 400 and r.json()["available"] == ["Q4_K_M"]

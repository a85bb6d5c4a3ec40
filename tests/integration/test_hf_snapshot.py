"""hf.download of several non-GGUF files of one repo (weights + config) through the real stack."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import httpx

from tests.conftest import Fakes
from tests.helpers import wait_state
from tests.integration.test_gguf_install import events, post
from tests.stacks import TestStack

API = "/api/providers/models"
CONFIG = json.dumps({"_class_name": "FluxTransformer2DModel", "num_layers": 2}).encode()
WEIGHTS = bytes(range(256)) * 1500


def test_safetensors_and_config_download_with_one_bar(stack: TestStack, fakes: Fakes) -> None:
    repo = f"tester/Flux{int(time.time() * 1000) % 10**8}"
    fakes.hub.add_file(repo, "model.safetensors", WEIGHTS)  # LFS (CDN, sha256)
    fakes.hub.add_file(repo, "config.json", CONFIG)  # regular git file (hub, git sha1)
    files = ["model.safetensors", "config.json"]
    fakes.hub.trickle(300_000)  # slow enough for progress events mid-transfer
    try:
        r = post(stack, "/hf-download", {"repo_id": repo, "files": files})
        assert r.status_code == 202, r.text
        job = wait_state(stack, r.json()["id"], {"succeeded", "failed"}, timeout=60)
    finally:
        fakes.hub.trickle(None)
    assert job["state"] == "succeeded", job
    folder = Path(stack.stack.data_dir) / "models" / "hf" / repo
    assert (folder / "model.safetensors").read_bytes() == WEIGHTS
    assert (folder / "config.json").read_bytes() == CONFIG
    assert not list(folder.glob("*.part*"))
    total = len(WEIGHTS) + len(CONFIG)
    assert job["result"]["size"] == total
    assert (job["done"], job["total"]) == (total, total)
    bars = [e for e in events(stack, job["id"]) if e.get("total")]
    assert bars and {e["total"] for e in bars} == {total}  # one bar across both files
    done = [e["done"] for e in bars]
    assert done == sorted(done) and done[0] < len(WEIGHTS) and done[-1] == total
    listed = httpx.get(f"{stack.url}{API}/files").json()["files"]
    mine = next(f for f in listed if f["id"] == job["result"]["file_id"])
    by_name = {f["filename"]: f for f in mine["files"]}
    assert by_name["model.safetensors"]["sha256"] == hashlib.sha256(WEIGHTS).hexdigest()
    config_sha1 = hashlib.sha1(b"blob %d\0" % len(CONFIG) + CONFIG).hexdigest()
    assert by_name["config.json"]["git_sha1"] == config_sha1
    assert by_name["config.json"]["sha256"] is None
    assert mine["summary"] is None  # no GGUF header to check


def test_path_escapes_in_files_are_a_400(stack: TestStack, fakes: Fakes) -> None:
    for bad in ("../../etc/passwd", "/abs/model.safetensors", "a\\b.json"):
        r = post(stack, "/hf-download", {"repo_id": "tester/Whatever", "files": ["x.json", bad]})
        assert r.status_code == 400, (bad, r.text)
    r = post(stack, "/install", {"repo_id": "tester/Whatever", "files": ["model.safetensors"]})
    assert r.status_code == 400 and ".gguf" in r.json()["message"]

"""Ollama killed (SIGKILL) mid-pull: the job fails soon with a message naming Ollama and what
to do; with Ollama back, the same pull completes.

The fake Ollama runs as its own process so it can really be killed. Its partial blobs live in
that process's memory, so the pull after the restart fetches everything again: a real Ollama
keeps its partial blobs on disk and resumes, which is Ollama's own business, not ours.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from roundhouse.cli.stack import free_port, wait_port
from tests.helpers import wait_done, wait_state
from tests.stacks import TestStack, start_stack

MODEL = "it-killed"
LAYERS = [24_000_000, 1_500]
DONE = {"succeeded", "failed", "cancelled"}


class OllamaProcess:
    """`python -m tests.fakes.ollama` on a fixed port, killable and restartable."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        argv = [
            sys.executable,
            "-m",
            "tests.fakes.ollama",
            "--port",
            str(self.port),
            "--registry",
            json.dumps({MODEL: LAYERS}),
            "--tick",
            "0.05",
            "--bytes-per-tick",
            str(256 * 1024),
        ]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_port(self.port, timeout=30, proc=self.proc)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


@pytest.fixture
def ollama(tmp_path: Path) -> Iterator[OllamaProcess]:
    proc = OllamaProcess(free_port(), tmp_path / "ollama.log")
    proc.start()
    yield proc
    proc.kill()


@pytest.fixture
def own_stack(redis_base: str, ollama: OllamaProcess, tmp_path: Path) -> Iterator[TestStack]:
    env = {"OLLAMA_BASE_URL": f"http://127.0.0.1:{ollama.port}"}
    ts = start_stack(tmp_path / "stack", redis_base, env=env)
    yield ts
    ts.stop()


def pull(ts: TestStack) -> str:
    body = {"provider": "ollama", "model": MODEL}
    r = httpx.post(f"{ts.url}/api/providers/models/download", json=body, timeout=30)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def test_ollama_killed_mid_pull_fails_clearly_then_pulls_again(
    ollama: OllamaProcess, own_stack: TestStack
) -> None:
    job_id = pull(own_stack)
    wait_done(own_stack, job_id, 2_000_000)

    ollama.kill()
    killed_at = time.monotonic()
    job = wait_state(own_stack, job_id, DONE | {"queued"}, timeout=60)
    assert time.monotonic() - killed_at < 30
    assert job["state"] == "failed", job
    assert "Ollama" in job["error"] or "ollama" in job["error"], job["error"]
    assert "Ollama" in job["hint"] and "again" in job["hint"], job["hint"]
    assert 0 < job["done"] < sum(LAYERS)

    ollama.start()
    again = pull(own_stack)
    assert again != job_id  # the failed job released its dedup key
    done = wait_state(own_stack, again, DONE, timeout=90)
    assert done["state"] == "succeeded", done
    assert done["result"]["model"] == f"{MODEL}:latest"
    # honest: the restarted fake kept nothing, so every byte came again
    assert done["result"]["bytes"] >= sum(LAYERS)
    assert done["result"]["downloaded"] == done["result"]["bytes"]
    tags = httpx.get(f"http://127.0.0.1:{ollama.port}/api/tags", timeout=10).json()["models"]
    assert f"{MODEL}:latest" in [m["name"] for m in tags]

"""Run the `roundhouse` command as a subprocess against a test stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import httpx


def env_for(url: str) -> dict[str, str]:
    env = {**os.environ, "ROUNDHOUSE_URL": url, "PYTHONUNBUFFERED": "1"}
    env.pop("ROUNDHOUSE_API_TOKEN", None)
    env["ROUNDHOUSE_CONFIG"] = os.devnull  # never a developer's own config file
    return env


def rh(url: str, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    """`roundhouse ARGS` with stdout a pipe (so: plain lines, no escape codes)."""
    argv = [sys.executable, "-m", "roundhouse.cli.main", *args]
    return subprocess.run(
        argv, env=env_for(url), capture_output=True, text=True, timeout=timeout, check=False
    )


def start(url: str, *args: str) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "roundhouse.cli.main", *args]
    return subprocess.Popen(
        argv, env=env_for(url), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def demo(url: str, steps: int, interval: float, **extra: Any) -> str:
    params = {"steps": steps, "interval": interval, **extra}
    r = httpx.post(f"{url}/api/jobs", json={"kind": "demo.count", "params": params}, timeout=30)
    assert r.status_code == 202, r.text
    return r.json()["id"]


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]

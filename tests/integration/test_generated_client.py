"""A client generated from /api/openapi.json by openapi-python-client works against the API."""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import httpx

from tests.stacks import TestStack

PACKAGE = "roundhouse_client"
CONFIG = "post_hooks: []\nproject_name_override: roundhouse-client\n"
CONFIG += f"package_name_override: {PACKAGE}\n"


def generate(stack: TestStack, folder: Path) -> ModuleType:
    """Generate the client package from the live description and import it."""
    (folder / "spec.json").write_text(httpx.get(f"{stack.url}/api/openapi.json").text)
    (folder / "config.yaml").write_text(CONFIG)
    tool = Path(sys.executable).with_name("openapi-python-client")
    out = subprocess.run(
        [
            str(tool),
            "generate",
            "--path",
            "spec.json",
            "--config",
            "config.yaml",
            "--meta",
            "none",
            "--output-path",
            PACKAGE,
        ],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    sys.path.insert(0, str(folder))
    return importlib.import_module(PACKAGE)


def test_health_and_a_job_round_trip_through_a_generated_client(
    stack: TestStack, tmp_path: Path
) -> None:
    generate(stack, tmp_path)
    try:
        from roundhouse_client import AuthenticatedClient, Client  # type: ignore[import-not-found]
        from roundhouse_client.api.jobs import (  # type: ignore[import-not-found]
            get_jobs_by_job_id,
            post_jobs,
        )
        from roundhouse_client.api.system import get_healthz  # type: ignore[import-not-found]
        from roundhouse_client.models import Error, PostJobsBody  # type: ignore[import-not-found]

        health = get_healthz.sync(client=Client(base_url=stack.url))
        assert health.ok is True and all("@" in w for w in health.workers)
        api = AuthenticatedClient(base_url=stack.url, token="unused-without-a-server-token")
        body = PostJobsBody.from_dict(
            {"kind": "demo.count", "params": {"steps": 3, "interval": 0.01}}
        )
        accepted = post_jobs.sync(client=api, body=body)
        assert accepted.state == "queued" and accepted.joined is False
        deadline = time.monotonic() + 30
        while (job := get_jobs_by_job_id.sync(accepted.id, client=api)).state != "succeeded":
            assert time.monotonic() < deadline and job.state in ("queued", "running"), job
            time.sleep(0.05)
        assert job.result == {"counted": 3, "message": "Counted to 3"}
        assert job.attempts == 1 and job.started_at <= job.finished_at
        missing = get_jobs_by_job_id.sync("no-such-job", client=api)
        assert isinstance(missing, Error) and missing.error == "not_found" and missing.hint
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]

"""`roundhouse up` with a mistyped setting stops before starting anything, naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    "name,raw",
    [
        ("ROUNDHOUSE_OPEN_READS", "ture"),
        ("ROUNDHOUSE_PORT", "80a"),
        ("ROUNDHOUSE_WORKER_CONCURRENCY", "-3"),
    ],
)
def test_up_refuses_a_mistyped_setting(tmp_path: Path, name: str, raw: str) -> None:
    env = {**os.environ, "ROUNDHOUSE_DATA_DIR": str(tmp_path / "data"), name: raw}
    env["ROUNDHOUSE_ENV_FILE"] = str(tmp_path / ".env")
    argv = [sys.executable, "-m", "roundhouse.cli.main", "up"]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert f"roundhouse: {name}={raw!r} is not valid" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "data").exists()  # nothing was started

"""The stack every benchmark starts: its own data dir and Redis, no `.env` from the checkout."""

from __future__ import annotations

import os
from pathlib import Path

from roundhouse.cli.stack import Stack


def own_stack(tmp: Path, **env: str) -> Stack:
    """A Stack under `tmp` with a fresh Redis already running (stopped again if that fails)."""
    stack = Stack(tmp, env={**os.environ, "ROUNDHOUSE_ENV_FILE": str(tmp / ".env"), **env})
    try:
        stack.start_redis()
    except BaseException:
        stack.stop()
        raise
    return stack
